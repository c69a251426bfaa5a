"""The audits of a candidate anonymized copy: it must hold exactly silver's rows, location by location.

The copy is rebuilt from one silver version. Every rebuilt location must then have the same rows
and ids as silver's at that version (blocking: a copy that lost or kept rows it should not is never
published). Locations the run did not rebuild are compared too, and reported by a warning: a copy
left behind by a silver-only rebuild shows up here, with the locations to rebuild.
"""

import dagster as dg

from brewery_assets.quality import checks
from brewery_assets.quality.silver_audits import LocationFigures

_LISTED = 20


def _differences(copy: dict, silver: dict) -> dict:
    keys = sorted(k for k in copy.keys() | silver.keys() if copy.get(k) != silver.get(k))
    return {k: {"copy_rows": copy.get(k, (0, 0))[0], "silver_rows": silver.get(k, (0, 0))[0]} for k in keys}


def audit_anonymized(
    candidate: LocationFigures, silver: LocationFigures, rebuilt_ids: frozenset[str] | None, silver_version: int
) -> list[dg.AssetCheckResult]:
    """The copy's checks: rebuilt locations match silver (blocking), the others are current (warning).

    `rebuilt_ids=None` means every location was rebuilt.
    """
    def scoped(figures: LocationFigures, rebuilt: bool) -> dict:
        return {k: v for k, v in figures.by_location.items()
                if rebuilt_ids is None or (k in rebuilt_ids) == rebuilt}

    rebuilt_diff = _differences(scoped(candidate, True), scoped(silver, True))
    other_diff = {} if rebuilt_ids is None else _differences(scoped(candidate, False), scoped(silver, False))
    rebuilt_count = len(scoped(silver, True) | scoped(candidate, True))
    return [
        dg.AssetCheckResult(
            check_name=checks.MATCHES_SILVER,
            passed=not rebuilt_diff,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "silver_version": silver_version,
                "locations_rebuilt": rebuilt_count,
                "rows": sum(rows for rows, _ in scoped(candidate, True).values()),
                "mismatched_locations": dg.MetadataValue.json(dict(list(rebuilt_diff.items())[:_LISTED])),
            },
            description=(f"{len(rebuilt_diff)} rebuilt locations differ from silver version {silver_version}"
                         if rebuilt_diff else
                         f"every rebuilt location has silver's rows and ids (silver version {silver_version})"),
        ),
        dg.AssetCheckResult(
            check_name=checks.OTHER_LOCATIONS_CURRENT,
            passed=not other_diff,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "stale_locations": len(other_diff),
                "stale": dg.MetadataValue.json(dict(list(other_diff.items())[:_LISTED])),
            },
            description=(f"{len(other_diff)} locations not rebuilt by this run differ from silver: rebuild them "
                         "(or every location) of silver_breweries_anonymized" if other_diff else
                         "every location not rebuilt still matches silver"),
        ),
    ]
