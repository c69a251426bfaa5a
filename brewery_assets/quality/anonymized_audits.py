"""The audits of a candidate anonymized copy: silver's rows, location by location, and how many of
them a join with the public catalogue could still single out.

The copy is rebuilt from one silver version. Every rebuilt location must then have the same rows
as silver's at that version, compared by pseudonym: the copy's `brewery_key`s against silver's ids
mapped through the same keyed pseudonym (blocking: a copy that lost or kept rows it should not is
never published). Locations the run did not rebuild are compared too, and reported by a warning: a
copy left behind by a silver-only rebuild shows up here, with the locations to rebuild.

Re-identification: rows alike on every column the copy keeps in the clear form a group; a row
alone in its group points at exactly one public brewery for anyone who can compute those columns
from the public catalogue (a join on fewer columns only merges groups). The share of such rows over
the whole table as it would be published must not exceed the configured share (blocking).
"""

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from brewery_assets.quality import checks
from brewery_assets.quality.silver_audits import LocationFigures

_LISTED = 20
DEFAULT_MAX_UNIQUE_SHARE = 0.01


@dataclass(frozen=True)
class LocationGroups:
    """One location of the copy: its rows, the rows alone in their group, the smallest group, and
    how many rows show a brewery type and a map cell."""

    country: str
    state: str
    rows: int
    unique_rows: int
    smallest_group: int
    type_shown: int
    cell_shown: int


@dataclass(frozen=True)
class GroupSizes:
    """The groups of a copy, by `location_id`, and their figures over the whole table."""

    by_location: dict[str, LocationGroups]

    @property
    def rows(self) -> int:
        return sum(g.rows for g in self.by_location.values())

    @property
    def unique_rows(self) -> int:
        return sum(g.unique_rows for g in self.by_location.values())

    @property
    def unique_share(self) -> float:
        """Share of rows alone in their group (0 for an empty table)."""
        return self.unique_rows / self.rows if self.rows else 0.0

    @property
    def smallest_group(self) -> int | None:
        return min((g.smallest_group for g in self.by_location.values()), default=None)


def group_sizes(copy: DataFrame, clear_columns: tuple[str, ...]) -> GroupSizes:
    """Groups the copy's rows by every column of `clear_columns` (which hold the location), in two
    aggregates; a null is a value like any other, as a reader sees it."""
    groups = copy.groupBy(*clear_columns).agg(F.count(F.lit(1)).alias("n"))
    n = F.col("n")
    rows = groups.groupBy("location_id", "country", "state").agg(
        F.sum(n).alias("rows"),
        F.sum(F.when(n == 1, 1).otherwise(0)).alias("unique_rows"),
        F.min(n).alias("smallest_group"),
        F.sum(F.when(F.col("brewery_type").isNotNull(), n).otherwise(0)).alias("type_shown"),
        F.sum(F.when(F.col("cell_latitude").isNotNull(), n).otherwise(0)).alias("cell_shown"),
    ).collect()
    return GroupSizes({
        row["location_id"]: LocationGroups(row["country"], row["state"], int(row["rows"]), int(row["unique_rows"]),
                                           int(row["smallest_group"]), int(row["type_shown"]), int(row["cell_shown"]))
        for row in rows
    })


def reidentification_risk(groups: GroupSizes, max_unique_share: float, min_group_size: int,
                          clear_columns: tuple[str, ...]) -> checks.CheckOutcome:
    """Blocking: at most `max_unique_share` of the copy's rows are alone in their group."""
    share = groups.unique_share
    passed = share <= max_unique_share
    exposed = sorted(((loc, g) for loc, g in groups.by_location.items() if g.unique_rows),
                     key=lambda item: (-item[1].unique_rows, item[0]))
    small_locations = sum(1 for g in groups.by_location.values() if g.rows < min_group_size)
    figures = (f"{share:.2%} of rows ({groups.unique_rows} of {groups.rows}) are alone in their group on the "
               f"columns kept in the clear; smallest group: {groups.smallest_group} row"
               f"{'' if groups.smallest_group == 1 else 's'}")
    return checks.result(
        check_name=checks.REIDENTIFICATION_RISK,
        passed=passed,
        metadata={
            "rows": groups.rows,
            "unique_rows": groups.unique_rows,
            "unique_row_share": share,
            "max_unique_share": max_unique_share,
            "smallest_group": groups.smallest_group,
            "min_group_size": min_group_size,
            "locations_below_min_group_size": small_locations,
            "clear_columns": list(clear_columns),
            "locations_with_unique_rows":
                {loc: {"rows": g.rows, "unique_rows": g.unique_rows} for loc, g in exposed[:_LISTED]},
        },
        description=(f"{figures}: at most {max_unique_share:.2%} allowed" if passed else
                     f"{figures}: more than the {max_unique_share:.2%} allowed. A location with fewer than "
                     f"min_group_size ({min_group_size}) breweries cannot be hidden (the copy is partitioned by "
                     "location); elsewhere raise min_group_size or widen grid_degrees"),
    )


def _differences(copy: dict, silver: dict) -> dict:
    keys = sorted(k for k in copy.keys() | silver.keys() if copy.get(k) != silver.get(k))
    return {k: {"copy_rows": copy.get(k, (0, 0))[0], "silver_rows": silver.get(k, (0, 0))[0]} for k in keys}


def audit_anonymized(
    candidate: LocationFigures, silver: LocationFigures, rebuilt_ids: frozenset[str] | None, silver_version: int
) -> list[checks.CheckOutcome]:
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
        checks.result(
            check_name=checks.MATCHES_SILVER,
            passed=not rebuilt_diff,
            metadata={
                "silver_version": silver_version,
                "locations_rebuilt": rebuilt_count,
                "rows": sum(rows for rows, _ in scoped(candidate, True).values()),
                "mismatched_locations": dict(list(rebuilt_diff.items())[:_LISTED]),
            },
            description=(f"{len(rebuilt_diff)} rebuilt locations differ from silver version {silver_version}"
                         if rebuilt_diff else
                         f"every rebuilt location has silver's rows, by pseudonym (silver version {silver_version})"),
        ),
        checks.result(
            check_name=checks.OTHER_LOCATIONS_CURRENT,
            passed=not other_diff,
            metadata={
                "stale_locations": len(other_diff),
                "stale": dict(list(other_diff.items())[:_LISTED]),
            },
            description=(f"{len(other_diff)} locations not rebuilt by this run differ from silver: rebuild them "
                         "(or every location) of silver_breweries_anonymized" if other_diff else
                         "every location not rebuilt still matches silver"),
        ),
    ]
