"""The audits of the brewery history and of the changes and daily counts derived from it.

Each runs on the table as it would be published (`wap`), before anything is published.
"""

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from brewery_assets.quality import checks
from brewery_assets.quality.checks import Markdown
from brewery_assets.quality.samples import sample
from brewery_assets.transformations.changes import APPEARED, DISAPPEARED, valid_on_days
from brewery_assets.transformations.history import VERSION_COLUMNS

_SAMPLE_COLUMNS = ("id", "name", "valid_from", "valid_to", "is_current")


def audit_history(candidate: DataFrame, expected_current: DataFrame, compared_with: str) -> list[checks.CheckOutcome]:
    """The history's checks on the whole candidate table; `expected_current` holds the rows (VERSION_COLUMNS)
    its current versions must equal, `compared_with` says where they come from."""
    return [_one_current(candidate), _matches(candidate, expected_current, compared_with), _no_overlaps(candidate)]


def _one_current(candidate: DataFrame) -> checks.CheckOutcome:
    current = F.col("is_current")
    inconsistent = current.isNull() | (current != F.col("valid_to").isNull())
    row = candidate.agg(
        F.count_if(current).alias("current"),
        F.count_distinct(F.when(current, F.col("id"))).alias("ids"),
        F.count_if(inconsistent).alias("inconsistent"),
    ).first()
    rows, ids, bad = int(row["current"]), int(row["ids"]), int(row["inconsistent"])
    metadata: dict = {"current_versions": rows, "current_ids": ids, "repeated": rows - ids, "inconsistent": bad}
    if rows != ids:
        repeated = candidate.where(current).groupBy("id").agg(F.count(F.lit(1)).alias("current_versions"))
        metadata["sample"] = sample(repeated, F.col("current_versions") > 1)
    elif bad:
        metadata["sample"] = sample(candidate, inconsistent, _SAMPLE_COLUMNS)
    passed = rows == ids and bad == 0
    return checks.result(
        check_name=checks.ONE_CURRENT_VERSION_PER_ID, passed=passed, metadata=metadata,
        description=f"{rows:,} current versions for {ids:,} breweries" + (
            "" if passed else f"; {rows - ids:,} repeat a brewery, {bad:,} disagree with valid_to"))


def differences(expected: DataFrame, actual: DataFrame) -> DataFrame:
    """The rows whose count differs between two frames of the same columns, in one pass over both:
    `_difference` is how many more times `actual` holds the row than `expected` (negative: missing)."""
    columns = expected.columns
    both = actual.select(*columns, F.lit(1).alias("_n")).unionByName(expected.select(*columns, F.lit(-1).alias("_n")))
    return both.groupBy(*columns).agg(F.sum("_n").alias("_difference")).where(F.col("_difference") != 0)


def _matches(candidate: DataFrame, expected: DataFrame, compared_with: str) -> checks.CheckOutcome:
    current = candidate.where(F.col("is_current")).select(*VERSION_COLUMNS)
    different = differences(expected.select(*VERSION_COLUMNS), current)
    row = different.agg(F.sum(F.when(F.col("_difference") < 0, -F.col("_difference"))).alias("missing"),
                        F.sum(F.when(F.col("_difference") > 0, F.col("_difference"))).alias("extra")).first()
    missing_rows, extra_rows = int(row["missing"] or 0), int(row["extra"] or 0)
    metadata: dict = {"compared_with": compared_with, "missing": missing_rows, "unexpected": extra_rows}
    if missing_rows or extra_rows:
        metadata["sample"] = sample(different, columns=("_difference", "id", "name", "country", "state"))
    passed = missing_rows == extra_rows == 0
    return checks.result(
        check_name=checks.CURRENT_VERSIONS_MATCH_SILVER, passed=passed, metadata=metadata,
        description=f"the current versions are exactly the rows of {compared_with}" if passed else
        f"{missing_rows:,} rows of {compared_with} have no equal current version; {extra_rows:,} current "
        "versions are not among them")


def _no_overlaps(candidate: DataFrame) -> checks.CheckOutcome:
    by_start = Window.partitionBy("id").orderBy("valid_from", F.col("valid_to").asc_nulls_last())
    previous_end = F.lag("valid_to").over(by_start)
    has_previous = F.lag("valid_from").over(by_start).isNotNull()
    flagged = candidate.select(
        *_SAMPLE_COLUMNS,
        (has_previous & (previous_end.isNull() | (previous_end > F.col("valid_from")))).alias("_overlaps"),
        (F.col("valid_to").isNotNull() & (F.col("valid_to") <= F.col("valid_from"))).alias("_empty"),
    )
    row = flagged.agg(F.count(F.lit(1)).alias("versions"), F.count_if("_overlaps").alias("overlaps"),
                      F.count_if("_empty").alias("empty")).first()
    versions, overlaps, empty = int(row["versions"]), int(row["overlaps"]), int(row["empty"])
    metadata: dict = {"versions": versions, "overlapping": overlaps, "ending_before_start": empty}
    if overlaps or empty:
        metadata["sample"] = sample(flagged, F.col("_overlaps") | F.col("_empty"), _SAMPLE_COLUMNS)
    passed = overlaps == empty == 0
    return checks.result(
        check_name=checks.NO_OVERLAPPING_VERSIONS, passed=passed, metadata=metadata,
        description=f"{versions:,} versions, none overlapping another of its brewery" if passed else
        f"{overlaps:,} versions start before the previous one of their brewery ends; {empty:,} end before they start")


def populations(spark: SparkSession, history: DataFrame, days: Sequence[dt.date]) -> dict[dt.date, int]:
    """How many breweries the history holds on each of `days` (distinct ids of the versions valid then)."""
    rows = valid_on_days(spark, history, days).groupBy("snapshot_date").agg(
        F.count_distinct("id").alias("breweries")).collect()
    found = {row["snapshot_date"]: int(row["breweries"]) for row in rows}
    return {day: found.get(day, 0) for day in days}


def audit_changes(candidate: DataFrame, pairs: Sequence[tuple[dt.date, dt.date]],
                  population: dict[dt.date, int]) -> list[checks.CheckOutcome]:
    """The changes' checks on the recomputed days: each day's counts follow from the day before and its
    changes (`population` from the history), and one row per day and id."""
    by_day = {
        (row["snapshot_date"], row["change"]): int(row["n"])
        for row in candidate.groupBy("snapshot_date", "change").agg(F.count(F.lit(1)).alias("n")).collect()
    }
    table = pd.DataFrame([
        {"snapshot_date": day.isoformat(), "previous": population[previous],
         "appeared": by_day.get((day, APPEARED), 0), "disappeared": by_day.get((day, DISAPPEARED), 0),
         "breweries": population[day]}
        for day, previous in pairs
    ], columns=["snapshot_date", "previous", "appeared", "disappeared", "breweries"])
    wrong = table[table["previous"] + table["appeared"] - table["disappeared"] != table["breweries"]]
    follow = checks.result(
        check_name=checks.COUNTS_FOLLOW_CHANGES, passed=wrong.empty,
        metadata={"days": len(table), "days_not_adding_up": len(wrong),
                  "by_day": Markdown(table.to_markdown(index=False) if len(table) else "(no day)")},
        description=f"{len(table)} days: the day before + appeared - disappeared = the day's breweries"
        if wrong.empty else "these days do not add up: " + ", ".join(wrong["snapshot_date"]))

    row = candidate.agg(F.count(F.lit(1)).alias("rows"),
                        F.count_distinct("snapshot_date", "id").alias("keys")).first()
    rows, keys = int(row["rows"]), int(row["keys"])
    metadata: dict = {"rows": rows, "repeated": rows - keys}
    if rows != keys:
        repeated = candidate.groupBy("snapshot_date", "id").agg(F.count(F.lit(1)).alias("rows"))
        metadata["sample"] = sample(repeated, F.col("rows") > 1)
    unique = checks.result(
        check_name=checks.ONE_CHANGE_PER_DAY_AND_ID, passed=rows == keys, metadata=metadata,
        description=f"{rows:,} change rows, one per day and brewery" if rows == keys
        else f"{rows - keys:,} rows repeat a (snapshot_date, id)")
    return [follow, unique]


def audit_daily_counts(candidate: DataFrame, population: dict[dt.date, int]) -> list[checks.CheckOutcome]:
    """The daily counts' check: each recomputed day sums to the breweries the history holds that day."""
    sums = {row["snapshot_date"]: int(row["total"] or 0) for row in
            candidate.groupBy("snapshot_date").agg(F.sum("brewery_count").alias("total")).collect()}
    table = pd.DataFrame([{"snapshot_date": day.isoformat(), "sum_of_counts": sums.get(day, 0), "history": count}
                          for day, count in sorted(population.items())],
                         columns=["snapshot_date", "sum_of_counts", "history"])
    wrong = table[table["sum_of_counts"] != table["history"]]
    return [checks.result(
        check_name=checks.SUMS_TO_HISTORY, passed=wrong.empty,
        metadata={"days": len(table), "days_not_adding_up": len(wrong),
                  "by_day": Markdown(table.to_markdown(index=False) if len(table) else "(no day)")},
        description=f"{len(table)} days, each summing to the history's breweries of that day" if wrong.empty
        else "these days do not sum to the history: " + ", ".join(wrong["snapshot_date"]))]
