"""The asset checks of the lake's tables: their names, what each requires, and whether it blocks.

Dagster-free: the Spark jobs audit their candidates and return `CheckOutcome`s (plain data);
the assets declare the checks (`brewery_assets.assets.check_specs`) and turn the outcomes into
Dagster check results. The assets audit their own staged data before publishing it (see `wap`),
so every check is evaluated by its asset's step. A blocking check that fails stops publishing: the
step fails and nothing downstream runs. The others (warnings) report drift and never stop a run.
"""

from dataclasses import dataclass, field

from brewery_assets import asset_names


class Markdown(str):
    """Metadata text to show as markdown (a table of sample rows)."""


@dataclass(frozen=True)
class CheckOutcome:
    """One check's result: plain values only (numbers, text, lists, dicts, `Markdown`)."""

    name: str
    passed: bool
    blocking: bool
    description: str = ""
    metadata: dict = field(default_factory=dict)


# Silver, blocking.
ID_NOT_NULL = "id_not_null"
ID_UNIQUE = "id_unique"
NOT_EMPTY = "not_empty"
SCHEMA_AND_VALUES = "schema_and_values"
RECONCILES_WITH_BRONZE = "reconciles_with_bronze"
OTHER_LOCATIONS_UNCHANGED = "other_locations_unchanged"
# Silver, warnings.
ROW_VOLUME_CHANGE = "row_volume_change"
NULL_RATE_DRIFT = "null_rate_drift"
SOURCE_SCHEMA_DRIFT = "source_schema_drift"
# The anonymized copy: blocking, then a warning.
MATCHES_SILVER = "matches_silver"
REIDENTIFICATION_RISK = "reidentification_risk"
OTHER_LOCATIONS_CURRENT = "other_locations_current"
# Gold, blocking.
COUNTS_POSITIVE = "counts_positive"
SUMS_TO_SILVER = "sums_to_silver"
ONE_ROW_PER_LOCATION_AND_TYPE = "one_row_per_location_and_type"
# The history, its changes and daily counts: all blocking.
ONE_CURRENT_VERSION_PER_ID = "one_current_version_per_id"
CURRENT_VERSIONS_MATCH_SILVER = "current_versions_match_silver"
NO_OVERLAPPING_VERSIONS = "no_overlapping_versions"
COUNTS_FOLLOW_CHANGES = "counts_follow_changes"
ONE_CHANGE_PER_DAY_AND_ID = "one_change_per_day_and_id"
SUMS_TO_HISTORY = "sums_to_history"

_SILVER_CHECKS = {
    ID_NOT_NULL: (True, "Every silver row has an id."),
    ID_UNIQUE: (True, "No id appears twice in silver (the whole table as it would be published)."),
    NOT_EMPTY: (True, "Silver holds at least one row."),
    SCHEMA_AND_VALUES: (True, "pandera: column types, brewery_type in the API's list, coordinates within "
                              "range, location and coordinate flags valid."),
    RECONCILES_WITH_BRONZE: (True, "Over the whole table: bronze records = silver rows + duplicates removed + "
                                   "rejected records, and the ids of silver and the quarantine are the snapshot's."),
    OTHER_LOCATIONS_UNCHANGED: (True, "On a partial rebuild, every location not rebuilt keeps exactly its published "
                                      "rows and ids."),
    ROW_VOLUME_CHANGE: (False, "Silver's row count moved by no more than the configured share since the "
                               "previously published table."),
    NULL_RATE_DRIFT: (False, "No column's null rate moved by more than the configured amount since the "
                             "previously published table."),
    SOURCE_SCHEMA_DRIFT: (False, "Bronze holds no field and no brewery_type value beyond the API's known ones."),
}

_ANONYMIZED_CHECKS = {
    MATCHES_SILVER: (True, "Every rebuilt location of the copy has exactly the rows of silver's location (count, "
                           "and pseudonyms equal to silver's ids under the same key), at the silver version it was "
                           "built from."),
    REIDENTIFICATION_RISK: (True, "At most the configured share (default 1 %) of the copy's rows are unique on the "
                                  "columns it keeps in the clear, i.e. point at exactly one public brewery; the "
                                  "metadata has the share, the smallest group and the locations with unique rows."),
    OTHER_LOCATIONS_CURRENT: (False, "Locations the run did not rebuild still match silver; a failure lists the "
                                     "stale ones to rebuild."),
}

_GOLD_CHECKS = {
    COUNTS_POSITIVE: (True, "Every brewery_count is at least 1."),
    SUMS_TO_SILVER: (True, "The counts sum to the silver row count they were computed from."),
    ONE_ROW_PER_LOCATION_AND_TYPE: (True, "One row per (country, state, brewery_type)."),
}

_HISTORY_CHECKS = {
    ONE_CURRENT_VERSION_PER_ID: (True, "Every brewery has at most one current version, and a version is current "
                                       "exactly when valid_to is null."),
    CURRENT_VERSIONS_MATCH_SILVER: (True, "The current versions are exactly silver's rows of the last snapshot day: "
                                          "silver_breweries when its last refresh read that day's bronze snapshot, "
                                          "else that snapshot cleaned the way silver cleans it."),
    NO_OVERLAPPING_VERSIONS: (True, "No two versions of a brewery are valid on the same day, and every version "
                                    "ends after it starts."),
}

_CHANGES_CHECKS = {
    COUNTS_FOLLOW_CHANGES: (True, "For each snapshot day: breweries the day before + appeared - disappeared = "
                                  "breweries that day, with the day's counts taken from the history."),
    ONE_CHANGE_PER_DAY_AND_ID: (True, "At most one change row per (snapshot_date, id)."),
}

_COUNTS_DAILY_CHECKS = {
    SUMS_TO_HISTORY: (True, "Each day's counts sum to the number of breweries the history holds on that day."),
}


# Every check, by the asset that runs it.
CHECKS_BY_ASSET: dict[str, dict[str, tuple[bool, str]]] = {
    asset_names.SILVER: _SILVER_CHECKS,
    asset_names.ANONYMIZED: _ANONYMIZED_CHECKS,
    asset_names.GOLD: _GOLD_CHECKS,
    asset_names.HISTORY: _HISTORY_CHECKS,
    asset_names.CHANGES: _CHANGES_CHECKS,
    asset_names.COUNTS_DAILY: _COUNTS_DAILY_CHECKS,
}
_BLOCKING = {name: blocking for checks in CHECKS_BY_ASSET.values() for name, (blocking, _) in checks.items()}


def result(check_name: str, passed: bool, metadata: dict | None = None, description: str = "") -> CheckOutcome:
    """The outcome of the check named `check_name`, blocking as its declaration says."""
    return CheckOutcome(check_name, bool(passed), _BLOCKING[check_name], description or "", dict(metadata or {}))


def blocking_failures(outcomes: list[CheckOutcome]) -> list[CheckOutcome]:
    """The failed blocking checks among `outcomes`: any of them stops publishing."""
    return [outcome for outcome in outcomes if not outcome.passed and outcome.blocking]
