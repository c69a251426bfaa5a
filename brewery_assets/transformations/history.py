"""Silver rows of successive snapshot days -> the versions of each brewery (slowly changing dimension, type 2).

A version is a brewery's silver row as it stood over a run of consecutive snapshot days:
`valid_from` is the first of them, `valid_to` the first snapshot day on which the row no longer held
(the brewery changed or was gone), null while it still holds, so a version is valid on the days
`valid_from <= day < valid_to`. `changed_fields` names the columns that differ from the brewery's
previous version: null for its first version, possibly empty for a brewery that came back as it was.

Only the snapshot days processed count: a day missing between two others is not a day of absence.
The same rules give every day's versions, whether the days come one at a time or all at once, so a
history rebuilt from a day onward equals one built in order (`rebuild_versions`).
"""

import datetime as dt
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from brewery_assets.transformations.silver import SILVER_COLUMN_DOCS, SILVER_COLUMNS

# What a version holds: silver's columns without the snapshot date, which valid_from/valid_to replace.
VERSION_COLUMNS: tuple[str, ...] = tuple(c for c in SILVER_COLUMNS if c != "ingest_date")
# The columns whose change makes a new version: `location_id` follows country and state.
TRACKED_COLUMNS: tuple[str, ...] = tuple(c for c in VERSION_COLUMNS if c not in ("id", "location_id"))
HISTORY_COLUMNS: tuple[str, ...] = (*VERSION_COLUMNS, "valid_from", "valid_to", "is_current", "changed_fields")
HISTORY_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    **{name: SILVER_COLUMN_DOCS[name] for name in VERSION_COLUMNS},
    "valid_from": ("date", "the first snapshot day this version held"),
    "valid_to": ("date", "the first snapshot day it no longer held (changed or gone); null while current"),
    "is_current": ("boolean", "valid_to is null: the brewery is in the last snapshot day, as this row"),
    "changed_fields": ("array<string>", "columns that differ from the brewery's previous version; null for its "
                                        "first, empty for a brewery back as it was"),
}
# Closed versions are grouped by the day they were closed, current ones (null) together: a new day
# replaces only the current versions and adds the day's closed ones, and a rebuild from a day
# replaces only the versions closed on or after it.
HISTORY_PARTITION_COLUMNS: tuple[str, ...] = ("valid_to",)

_DAYS_SCHEMA = "snapshot_date date, _index int, _next_day date"


def changed_fields(current: dict[str, Column], previous: dict[str, Column]) -> Column:
    """The names of the tracked columns whose value differs between two rows (nulls compare equal)."""
    flags = [F.when(~current[name].eqNullSafe(previous[name]), F.lit(name)) for name in TRACKED_COLUMNS]
    return F.filter(F.array(*flags), lambda name: name.isNotNull())


def snapshot_versions(silver: DataFrame, day: dt.date) -> DataFrame:
    """One snapshot's silver rows as the history compares them: the version columns and `snapshot_date`."""
    return silver.select(*VERSION_COLUMNS, F.lit(day).alias("snapshot_date"))


def open_on(history: DataFrame, day: dt.date) -> DataFrame:
    """The versions valid on `day`."""
    return history.where((F.col("valid_from") <= F.lit(day))
                         & (F.col("valid_to").isNull() | (F.col("valid_to") > F.lit(day))))


def closed_by(history: DataFrame, day: dt.date) -> DataFrame:
    """The versions closed on or before `day`: what a rebuild from a later day keeps as it is."""
    return history.where(F.col("valid_to").isNotNull() & (F.col("valid_to") <= F.lit(day)))


def rebuild_versions(
    spark: SparkSession,
    snapshots: DataFrame,
    days: Sequence[dt.date],
    previous_day: dt.date | None = None,
    open_versions: DataFrame | None = None,
    closed: DataFrame | None = None,
) -> DataFrame:
    """Every version from `previous_day` on, given the snapshots of the later `days` (HISTORY_COLUMNS).

    `snapshots` holds the rows of each of `days` (`snapshot_versions`, one row per id and day), in
    ascending order of days with none processed in between. `open_versions` are the versions valid on
    `previous_day`, the last day processed before them: they continue with their own `valid_from`
    and `changed_fields`, or close. `closed` (the versions closed by then) only serves to tell what
    changed for a brewery that comes back. Without a previous day the history starts with `days`.

    Each brewery's rows are read in day order: a row starts a new version when the brewery was absent
    on the previous processed day or any tracked column changed; a version ends at the first
    processed day after its last row (null when that row is on the last day).

    One day (the daily case, and the first load) takes a join of the open versions with the day's
    rows instead of ordering every brewery's rows by day: the same versions at a fraction of the cost.
    """
    days = sorted(days)
    if len(days) == 1:
        return _one_day_versions(snapshots, days[0], open_versions if previous_day is not None else None, closed)
    indexed = [(previous_day, 0, days[0])] if previous_day is not None else []
    indexed += [(day, index, days[index] if index < len(days) else None) for index, day in enumerate(days, 1)]
    calendar = spark.createDataFrame(indexed, _DAYS_SCHEMA)

    observed = snapshots.select(*VERSION_COLUMNS, "snapshot_date",
                                F.lit(None).cast("date").alias("_from"),
                                F.lit(None).cast("array<string>").alias("_changed"),
                                F.lit(False).alias("_continued"))
    if open_versions is not None and previous_day is not None:
        observed = open_versions.select(
            *VERSION_COLUMNS, F.lit(previous_day).alias("snapshot_date"), F.col("valid_from").alias("_from"),
            F.col("changed_fields").alias("_changed"), F.lit(True).alias("_continued"),
        ).unionByName(observed)
    observed = observed.join(calendar, on="snapshot_date")

    by_day = Window.partitionBy("id").orderBy("_index")
    previous = F.lag(F.struct(*TRACKED_COLUMNS, F.col("_index").alias("_index"))).over(by_day)
    observed = observed.withColumn("_previous", previous)
    differs = F.size(changed_fields({c: F.col(c) for c in TRACKED_COLUMNS},
                                    {c: F.col(f"_previous.{c}") for c in TRACKED_COLUMNS})) > 0
    starts = F.col("_previous").isNull() | (F.col("_previous._index") != F.col("_index") - 1) | differs
    observed = observed.withColumn("_version", F.sum(starts.cast("int")).over(
        by_day.rowsBetween(Window.unboundedPreceding, Window.currentRow)))

    start_columns = [*VERSION_COLUMNS, "snapshot_date", "_from", "_changed", "_continued", "_previous"]
    versions = observed.groupBy("id", "_version").agg(
        F.min_by(F.struct(*start_columns), "_index").alias("_start"),
        F.max_by("_next_day", "_index").alias("valid_to"),
    ).select(*(F.col(f"_start.{c}").alias(c) for c in start_columns), "valid_to")

    here = {c: F.col(c) for c in TRACKED_COLUMNS}

    def against(other: str) -> Column:
        return changed_fields(here, {c: F.col(f"{other}.{c}") for c in TRACKED_COLUMNS})

    changed = F.when(F.col("_continued"), F.col("_changed")).when(F.col("_previous").isNotNull(), against("_previous"))
    if closed is not None:
        # A brewery back after an absence longer than the replayed days: compare with its last closed version.
        returning = versions.where(~F.col("_continued") & F.col("_previous").isNull())
        versions = versions.join(_last_versions(closed, returning), on="id", how="left")
        changed = changed.when(F.col("_last").isNotNull(), against("_last"))
    return versions.select(
        *VERSION_COLUMNS,
        F.when(F.col("_continued"), F.col("_from")).otherwise(F.col("snapshot_date")).alias("valid_from"),
        "valid_to",
        F.col("valid_to").isNull().alias("is_current"),
        changed.alias("changed_fields"),
    )


def _one_day_versions(
    snapshot: DataFrame, day: dt.date, open_versions: DataFrame | None, closed: DataFrame | None
) -> DataFrame:
    """`rebuild_versions` for a single day: the open versions continue when the day holds their brewery
    unchanged and close on the day otherwise; the day's other rows open versions.

    One pass over the day's rows: each row of the join of the open versions with them gives its one
    or two versions (an array, exploded), so the snapshot is read and cleaned once.
    """
    new = snapshot.select(*VERSION_COLUMNS)
    none = F.lit(None).cast("date")
    if open_versions is None:
        return new.select(*VERSION_COLUMNS, F.lit(day).alias("valid_from"), none.alias("valid_to"),
                          F.lit(True).alias("is_current"), F.lit(None).cast("array<string>").alias("changed_fields"))
    old = open_versions.select(*(F.col(c).alias(f"_old_{c}") for c in (*VERSION_COLUMNS, "valid_from",
                                                                         "changed_fields")))
    both = old.join(new, on=F.col("_old_id") == F.col("id"), how="full")
    here = {c: F.col(c) for c in TRACKED_COLUMNS}
    was_open, is_here = F.col("_old_id").isNotNull(), F.col("id").isNotNull()
    differs = changed_fields(here, {c: F.col(f"_old_{c}") for c in TRACKED_COLUMNS})
    kept = was_open & is_here & (F.size(differs) == 0)
    changed = F.when(was_open, differs)
    if closed is not None:
        # A brewery back after an absence: compare with its last closed version. Only breweries with
        # no open version can come back, so only their closed versions are looked at.
        absent = closed.join(open_versions.select("id"), on="id", how="left_anti")
        both = both.join(_latest_closed(absent), on="id", how="left")
        changed = changed.when(F.col("_last").isNotNull(),
                               changed_fields(here, {c: F.col(f"_last.{c}") for c in TRACKED_COLUMNS}))
    continued = F.struct(
        *(F.col(f"_old_{c}").alias(c) for c in VERSION_COLUMNS),
        F.col("_old_valid_from").alias("valid_from"),
        F.when(kept, none).otherwise(F.lit(day)).alias("valid_to"),
        kept.alias("is_current"),
        F.col("_old_changed_fields").alias("changed_fields"),
    )
    opened = F.struct(*VERSION_COLUMNS, F.lit(day).alias("valid_from"), none.alias("valid_to"),
                      F.lit(True).alias("is_current"), changed.alias("changed_fields"))
    versions = F.array(F.when(was_open, continued), F.when(is_here & ~kept, opened))
    return (both.select(F.explode(versions).alias("_version")).where(F.col("_version").isNotNull())
            .select(*(F.col(f"_version.{c}").alias(c) for c in HISTORY_COLUMNS)))


def _latest_closed(closed: DataFrame) -> DataFrame:
    """For each id of `closed`, the tracked columns of its latest version (`_last`)."""
    return closed.groupBy("id").agg(F.max_by(F.struct(*TRACKED_COLUMNS), "valid_from").alias("_last"))


def _last_versions(closed: DataFrame, returning: DataFrame) -> DataFrame:
    """For each id of `returning`, the tracked columns of its latest closed version (`_last`)."""
    return _latest_closed(closed.join(returning.select("id").distinct(), on="id", how="left_semi"))
