"""The lake's asset checks as Dagster declares them (`check_specs` of the assets that run them).

Each check is evaluated by its asset's step on the candidate it is about to publish
(`brewery_assets.quality.wap`), so the UI offers no separate run of it: each description says how
to evaluate one again.
"""

import dagster as dg

from brewery_assets.quality.checks import CHECKS_BY_ASSET

HOW_EVALUATED = "Evaluated on the candidate before publishing; re-run by materializing the asset."


def check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    """The checks of `asset` (its name), blocking where they stop publishing."""
    return [
        dg.AssetCheckSpec(name, asset=dg.AssetKey(asset), blocking=blocking, description=f"{text} {HOW_EVALUATED}")
        for name, (blocking, text) in CHECKS_BY_ASSET[asset].items()
    ]
