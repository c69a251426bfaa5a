"""Brewery history -> what changed on each snapshot day, and how many breweries there were.

Both read only the versions that can matter for the days asked (`touching`): a version valid on or
after a day, or opened or closed on it, is current or was closed on or after that day.
"""

import datetime as dt
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

APPEARED, DISAPPEARED, CHANGED = "appeared", "disappeared", "changed"
CHANGE_KINDS: tuple[str, ...] = (APPEARED, DISAPPEARED, CHANGED)
CHANGES_COLUMNS: tuple[str, ...] = (
    "snapshot_date", "previous_snapshot_date", "id", "change", "changed_fields",
    "name", "brewery_type", "city", "country", "state", "location_id",
)
# Taken from the new version, or from the closed one for a brewery that disappeared.
_DESCRIBING = ("name", "brewery_type", "city", "country", "state", "location_id")
CHANGES_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "snapshot_date": ("date", "the snapshot day of the change"),
    "previous_snapshot_date": ("date", "the snapshot day before it, which it is compared with"),
    "id": ("string", "Open Brewery DB id"),
    "change": ("string", "appeared, disappeared or changed"),
    "changed_fields": ("array<string>", "what changed; for a brewery that appeared again, what differs from its "
                                        "last version (null for a new one); null when it disappeared"),
    "name": ("string", "the brewery's name (of the new version; of the last one when it disappeared)"),
    "brewery_type": ("string", "brewery type, likewise"),
    "city": ("string", "city, likewise"),
    "country": ("string", "country, likewise"),
    "state": ("string", "state or province, likewise"),
    "location_id": ("string", "the location's id, likewise"),
}
DAILY_COUNTS_COLUMNS: tuple[str, ...] = ("snapshot_date", "country", "state", "brewery_type", "brewery_count")
DAILY_COUNTS_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "snapshot_date": ("date", "the snapshot day counted"),
    "country": ("string", "country, as in silver that day"),
    "state": ("string", "state or province, as in silver that day"),
    "brewery_type": ("string", "brewery type, as in silver that day"),
    "brewery_count": ("long", "breweries of this location and type that day; a day's counts sum to its breweries"),
}
# One partition per snapshot day: recomputing days replaces only theirs.
DAILY_PARTITION_COLUMNS: tuple[str, ...] = ("snapshot_date",)


def touching(history: DataFrame, first_day: dt.date) -> DataFrame:
    """The versions that are current or were closed on or after `first_day` (a read of few partitions)."""
    return history.where(F.col("valid_to").isNull() | (F.col("valid_to") >= F.lit(first_day)))


def day_pairs(days: Sequence[dt.date], processed: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """(day, the processed day before it) for each of `days` that has one; the first day is the baseline."""
    ordered = sorted(processed)
    return [(day, ordered[ordered.index(day) - 1]) for day in sorted(days) if ordered.index(day) > 0]


def daily_changes(spark: SparkSession, history: DataFrame, pairs: Sequence[tuple[dt.date, dt.date]]) -> DataFrame:
    """For each (day, previous day) pair, one row per brewery that appeared, disappeared or changed.

    On a day, a version that opens while another of the same id closes is a change; one that opens
    alone appeared (new, or back after an absence: then `changed_fields` compares it with the
    version it had); one that closes alone disappeared.
    """
    calendar = spark.createDataFrame(list(pairs), "snapshot_date date, previous_snapshot_date date")
    opened = history.join(calendar, history["valid_from"] == calendar["snapshot_date"]).select(
        "id", "snapshot_date", "previous_snapshot_date", "changed_fields", *_DESCRIBING)
    closed = history.join(calendar, history["valid_to"] == calendar["snapshot_date"]).select(
        "id", "snapshot_date", "previous_snapshot_date", *_DESCRIBING)
    new, old = opened.alias("new"), closed.alias("old")
    both = new.join(old, on=[F.col("new.id") == F.col("old.id"),
                             F.col("new.snapshot_date") == F.col("old.snapshot_date")], how="full")
    has_new, has_old = F.col("new.id").isNotNull(), F.col("old.id").isNotNull()
    change = F.when(has_new & has_old, F.lit(CHANGED)).when(has_new, F.lit(APPEARED)).otherwise(F.lit(DISAPPEARED))

    def side(column: str):
        return F.when(has_new, F.col(f"new.{column}")).otherwise(F.col(f"old.{column}")).alias(column)

    return both.select(
        side("snapshot_date"), side("previous_snapshot_date"), side("id"), change.alias("change"),
        F.when(has_new, F.col("new.changed_fields")).alias("changed_fields"), *(side(c) for c in _DESCRIBING),
    )


def valid_on_days(spark: SparkSession, history: DataFrame, days: Sequence[dt.date]) -> DataFrame:
    """Each version once for every one of `days` it is valid on (`snapshot_date` added)."""
    calendar = spark.createDataFrame([(day,) for day in days], "snapshot_date date")
    valid = (history["valid_from"] <= calendar["snapshot_date"]) & (
        history["valid_to"].isNull() | (history["valid_to"] > calendar["snapshot_date"]))
    return history.join(calendar, valid)


def daily_counts(spark: SparkSession, history: DataFrame, days: Sequence[dt.date]) -> DataFrame:
    """Breweries per (snapshot_date, country, state, brewery_type) on each of `days`, from the versions valid then."""
    return (
        valid_on_days(spark, history, days)
        .groupBy("snapshot_date", "country", "state", "brewery_type")
        .agg(F.count(F.lit(1)).alias("brewery_count"))
        .select(*DAILY_COUNTS_COLUMNS)
    )
