"""Every asset check says in its description how it is evaluated, which the UI does not tell."""

from brewery_assets.assets.check_specs import HOW_EVALUATED
from brewery_assets.definitions import defs


def test_every_check_description_says_how_it_is_evaluated():
    described = []
    for key in defs.resolve_all_asset_keys():
        assets_def = defs.resolve_assets_def(key)
        for spec in assets_def.check_specs:
            # The check runs inside its asset's step, which cannot be split: no separate execution.
            assert not assets_def.can_subset, key
            assert spec.description.endswith(HOW_EVALUATED), spec.key
            assert len(spec.description) > len(HOW_EVALUATED) + 10, spec.key
            described.append(spec.name)
    assert len(described) == 15 + 6  # silver, the copy and gold; the history, its changes and daily counts
    assert not defs.asset_checks
