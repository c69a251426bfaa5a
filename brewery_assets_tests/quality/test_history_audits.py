"""The history's, changes' and daily counts' audits fail on the faults they exist for, with what to look at."""

import datetime as dt

from brewery_assets.quality import checks
from brewery_assets.quality.history_audits import audit_changes, audit_daily_counts, audit_history, populations
from brewery_assets.transformations.history import HISTORY_COLUMNS, VERSION_COLUMNS

D1, D2, D3 = dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)
VERSION_SCHEMA = ", ".join(
    f"{c} {'double' if c in ('longitude', 'latitude') else 'string'}" for c in VERSION_COLUMNS)
HISTORY_SCHEMA = f"{VERSION_SCHEMA}, valid_from date, valid_to date, is_current boolean, changed_fields array<string>"


def version(brewery: str, name: str, valid_from: dt.date, valid_to: dt.date | None, current: bool | None = None):
    values = {c: None for c in VERSION_COLUMNS} | {"id": brewery, "name": name, "brewery_type": "micro",
                                                     "country": "Ireland", "state": "Laois", "location_id": "ie.l"}
    return (*values.values(), valid_from, valid_to, valid_to is None if current is None else current, None)


def history(spark, versions):
    return spark.createDataFrame(versions, HISTORY_SCHEMA).select(*HISTORY_COLUMNS)


def by_name(results):
    return {result.name: result for result in results}


def test_a_sound_history_passes(spark):
    sound = history(spark, [version("a", "A", D1, D2), version("a", "A2", D2, None), version("b", "B", D1, None)])
    expected = sound.where("is_current").select(*VERSION_COLUMNS)

    results = by_name(audit_history(sound, expected, "the test's rows"))

    assert all(result.passed for result in results.values())
    assert results[checks.NO_OVERLAPPING_VERSIONS].description == "3 versions, none overlapping another of its brewery"


def test_two_current_versions_overlapping_ones_and_a_wrong_flag_fail(spark):
    faulty = history(spark, [
        version("a", "A", D1, None), version("a", "A2", D2, None),  # two current versions that overlap
        version("b", "B", D1, D3), version("b", "B2", D2, D3),  # closed, overlapping
        version("c", "C", D2, D1),  # ends before it starts
        version("d", "D", D1, D2, current=True),  # current with an end
    ])
    expected = history(spark, [version("a", "A2", D2, None)]).select(*VERSION_COLUMNS)

    results = by_name(audit_history(faulty, expected, "the test's rows"))

    current = results[checks.ONE_CURRENT_VERSION_PER_ID]
    assert not current.passed
    assert {k: current.metadata[k] for k in ("current_versions", "current_ids", "repeated", "inconsistent")} == {
        "current_versions": 3, "current_ids": 2, "repeated": 1, "inconsistent": 1}
    overlaps = results[checks.NO_OVERLAPPING_VERSIONS]
    assert not overlaps.passed
    assert (overlaps.metadata["overlapping"], overlaps.metadata["ending_before_start"]) == (2, 1)
    assert "| b    | B2     | 2026-11-21   | 2026-11-22 |" in overlaps.metadata["sample"]
    matches = results[checks.CURRENT_VERSIONS_MATCH_SILVER]
    assert not matches.passed
    assert (matches.metadata["missing"], matches.metadata["unexpected"]) == (0, 2)
    assert matches.description == ("0 rows of the test's rows have no equal current version; 2 current versions are "
                                   "not among them")


def test_changes_that_do_not_add_up_and_repeated_rows_fail(spark):
    changes = spark.createDataFrame(
        [(D2, "a", "appeared"), (D2, "a", "appeared"), (D2, "b", "disappeared"), (D3, "c", "appeared")],
        "snapshot_date date, id string, change string")
    population = {D1: 10, D2: 10, D3: 12}

    results = by_name(audit_changes(changes, [(D2, D1), (D3, D2)], population))

    follows = results[checks.COUNTS_FOLLOW_CHANGES]
    assert not follows.passed  # D2: 10 + 2 - 1 = 11, not 10; D3: 10 + 1 - 0 = 11, not 12
    assert follows.description == "these days do not add up: 2026-11-21, 2026-11-22"
    assert follows.metadata["days_not_adding_up"] == 2
    unique = results[checks.ONE_CHANGE_PER_DAY_AND_ID]
    assert not unique.passed and unique.metadata["repeated"] == 1


def test_daily_counts_must_sum_to_the_historys_breweries_of_each_day(spark):
    versions = history(spark, [version("a", "A", D1, D2), version("a", "A2", D2, None), version("b", "B", D1, D3)])
    population = populations(spark, versions, [D1, D2, D3])
    assert population == {D1: 2, D2: 2, D3: 1}
    counts = spark.createDataFrame([(D1, 2), (D2, 2), (D3, 2)], "snapshot_date date, brewery_count long")

    [result] = audit_daily_counts(counts, population)

    assert not result.passed and result.description == "these days do not sum to the history: 2026-11-22"
