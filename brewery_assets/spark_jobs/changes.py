"""The jobs of gold_brewery_changes and gold_brewery_counts_daily: per snapshot day, from one history version.

Both recompute the requested days and every later day the history holds (a backfilled day changes
what the next day is compared with), replace those days' partitions in one commit, and publish
nothing when the rows are the same. Request: `{"days": ["YYYY-MM-DD", ...], "run_id": id}`.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.lake import LakeLayout
from brewery_assets.quality import wap
from brewery_assets.quality.history_audits import audit_changes, audit_daily_counts, populations
from brewery_assets.spark_jobs.history import HistoryRecordMissing, processed_days, same_rows
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.spark_jobs.silver import PUBLISH_ATTEMPTS
from brewery_assets.transformations.changes import (
    CHANGE_KINDS,
    CHANGES_COLUMNS,
    DAILY_COUNTS_COLUMNS,
    DAILY_PARTITION_COLUMNS,
    daily_changes,
    daily_counts,
    day_pairs,
    touching,
)


@dataclass(frozen=True)
class HistoryDays:
    """The days a job recomputes, from one version of the history."""

    history: DataFrame  # the versions touching those days
    version: int
    processed: list[dt.date]
    days: list[dt.date]  # the requested days and every later processed day


def _history_days(session: SparkSession, layout: LakeLayout, request: dict) -> HistoryDays | str:
    """The days to recompute, or why there are none."""
    path = layout.silver_brewery_history
    version = delta_tables.table_version(path)
    if version is None:
        return "silver_brewery_history has not been published yet: materialize it first"
    try:
        processed = sorted(processed_days(layout, version))
    except HistoryRecordMissing as error:
        return str(error)
    requested = sorted({dt.date.fromisoformat(day) for day in request["days"]})
    missing = [day.isoformat() for day in requested if day not in processed]
    if missing:
        return (f"silver_brewery_history does not hold {', '.join(missing)}: materialize silver_brewery_history "
                "for those days first")
    days = [day for day in processed if day >= requested[0]]
    history = touching(wap.read_published(session, path, version), days[0])
    return HistoryDays(history, version, processed, days)


def _publish_days(table: str, path: str, store, found: HistoryDays, rows: DataFrame, request: dict,
                  audit: Callable[[DataFrame], list], figures: Callable[[DataFrame], dict]) -> JobOutcome:
    """Stages `rows` (the recomputed days), audits them, and replaces those days' partitions in one
    commit; publishes nothing when those days already hold the same rows. `figures` of the candidate
    join the metadata."""
    staged = wap.stage(rows, path, wap.stage_id(request.get("run_id")), DAILY_PARTITION_COLUMNS)
    results = audit(staged.rows)
    blocked = blocked_by_checks(table, results, staged.path)
    if blocked:
        return blocked
    for _ in range(PUBLISH_ATTEMPTS):
        # The rows depend on the history version only: another commit in between changes nothing they
        # were audited against, so publishing against the newer version is safe.
        read_version = delta_tables.table_version(path)
        published = wap.read_published(staged.rows.sparkSession, path, read_version)
        unchanged = published is not None and delta_tables.has_layout(
            path, rows.columns, DAILY_PARTITION_COLUMNS) and same_rows(
            published.where(F.col("snapshot_date").isin(found.days)), staged.rows)
        if unchanged:
            version = read_version
            break
        try:
            version = wap.publish(staged, read_version, ("snapshot_date", [day.isoformat() for day in found.days]))
            break
        except delta_tables.PublishConflict:
            continue
    else:
        return JobOutcome(failure=f"{table} kept changing under this run; nothing was published", retryable=True)
    metadata = {
        **figures(staged.rows),
        "recomputed_days": [day.isoformat() for day in found.days],
        "history_version": found.version,
        "unchanged": unchanged,
        "delta_version": version,
        "path": path,
    }
    if unchanged:
        store.delete_tree(staged.path)
    else:
        wap.release(staged, store)
    return JobOutcome(metadata=metadata, checks=results)


def publish_changes(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Recomputes the changes of the requested days (and later ones) from the history and publishes them."""
    found = _history_days(session, layout, request)
    if isinstance(found, str):
        return JobOutcome(failure=found)
    pairs = day_pairs(found.days, found.processed)
    population = populations(session, found.history, sorted({previous for _, previous in pairs} | set(found.days)))

    def figures(candidate: DataFrame) -> dict:
        counts = {(r["snapshot_date"], r["change"]): int(r["n"]) for r in
                  candidate.groupBy("snapshot_date", "change").agg(F.count(F.lit(1)).alias("n")).collect()}
        by_day = {day.isoformat(): {kind: counts.get((day, kind), 0) for kind in CHANGE_KINDS}
                  | {"breweries": population[day]} for day in found.days}
        return {"dagster/row_count": sum(counts.values()), "by_day": by_day}

    rows = daily_changes(session, found.history, pairs).select(*CHANGES_COLUMNS)
    path = layout.gold_brewery_changes
    return _publish_days("gold_brewery_changes", path, layout.store(path), found, rows, request,
                         lambda candidate: audit_changes(candidate, pairs, population), figures)


def publish_counts_daily(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Recomputes the counts of the requested days (and later ones) from the history and publishes them."""
    found = _history_days(session, layout, request)
    if isinstance(found, str):
        return JobOutcome(failure=found)
    population = populations(session, found.history, found.days)

    def figures(candidate: DataFrame) -> dict:
        return {"dagster/row_count": candidate.count(),
                "by_day": {day.isoformat(): {"breweries": population[day]} for day in found.days}}

    rows = daily_counts(session, found.history, found.days).select(*DAILY_COUNTS_COLUMNS)
    path = layout.gold_brewery_counts_daily
    return _publish_days("gold_brewery_counts_daily", path, layout.store(path), found, rows, request,
                         lambda candidate: audit_daily_counts(candidate, population), figures)
