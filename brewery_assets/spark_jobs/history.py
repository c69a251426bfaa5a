"""The history job: add snapshot days to silver_brewery_history, audit it, publish it.

The history is a function of the snapshot days it holds, taken in order. Each day's bronze snapshot
is cleaned exactly as silver cleans it (`classify_records`, `silver_rows`), so a day's versions are
that day's silver rows. Adding day D:

- D after every day held (the daily case): the current versions meet D's rows; what changed or
  went is closed on D, what is new or changed opens on D. Only the current versions (partition
  `valid_to` null) are replaced; the versions closed on D are added. Versions closed before D are
  never rewritten: a day costs as much as silver's rows, not as the whole history.
- D before a day held (a backfilled or re-processed day): the versions valid on the day held before
  D are reopened, everything after is dropped, and D and every later day held are replayed from
  their bronze snapshots. Versions closed before D stay as they are. The result is what processing
  the days in order gives.

Which days the history holds, with the bronze version of each, is recorded in the commit that
publishes it (`brewery.history_days`), so the record and the rows cannot disagree. Processing a
day again when nothing changed publishes nothing.

Request: `{"days": ["YYYY-MM-DD", ...], "run_id": id}`.
"""

import datetime as dt
import json

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.ingestion.bronze import published_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.locations import canonical_mapping
from brewery_assets.quality import wap
from brewery_assets.quality.history_audits import audit_history, differences
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.storage import name_of
from brewery_assets.transformations.changes import valid_on_days
from brewery_assets.transformations.history import (
    HISTORY_COLUMNS,
    HISTORY_PARTITION_COLUMNS,
    closed_by,
    open_on,
    rebuild_versions,
    snapshot_versions,
)
from brewery_assets.transformations.silver import (
    classify_records,
    location_frame,
    parse_bronze_lines,
    read_bronze_lines,
    silver_rows,
)

DAYS_KEY = "brewery.history_days"
# What silver's commits record of the bronze snapshot they were built from (`spark_jobs.silver`).
SILVER_BRONZE_VERSION_KEY = "brewery.bronze_version"


class HistoryRecordMissing(RuntimeError):
    """The history table exists but no commit records which snapshot days it holds."""


def processed_days(layout: LakeLayout, version: int | None) -> dict[dt.date, str]:
    """The snapshot days the history holds at `version`, each with the bronze version it was built
    from; empty when there is no table. Read from the newest commit that records them."""
    if version is None:
        return {}
    path = layout.silver_brewery_history
    store = layout.store(path)
    for older in range(version, -1, -1):
        try:
            info = delta_tables.commit_info(store, path, older)
        except FileNotFoundError:
            break  # the log was cleaned up before this commit
        if DAYS_KEY in info:
            return {dt.date.fromisoformat(day): bronze for day, bronze in json.loads(info[DAYS_KEY]).items()}
    raise HistoryRecordMissing(
        f"{path} has no commit recording its snapshot days (a commit made outside the history job?): rebuild it "
        "by moving the table aside and materializing silver_brewery_history over every bronze day")


def _requested_days(request: dict) -> list[dt.date]:
    return sorted({dt.date.fromisoformat(day) for day in request["days"]})


def day_rows(session: SparkSession, layout: LakeLayout, day: dt.date) -> tuple[DataFrame, str] | None:
    """A bronze day's silver rows (`snapshot_versions`) and the bronze version they come from; None
    when the day has no published snapshot."""
    snapshot = published_snapshot(layout, day)
    if snapshot is None:
        return None
    locations = location_frame(session, canonical_mapping(snapshot.manifest["locations"]))
    records = parse_bronze_lines(read_bronze_lines(session, str(snapshot.path)))
    rows = silver_rows(classify_records(records, locations, day.isoformat()))
    return snapshot_versions(rows, day), name_of(snapshot.path)


def _silver_of(session: SparkSession, layout: LakeLayout, day: dt.date, bronze_version: str
               ) -> tuple[DataFrame, str] | None:
    """Published silver and its name, when its last commit was built from `bronze_version` of `day`."""
    path = layout.silver_breweries
    version = delta_tables.table_version(path)
    if version is None:
        return None
    if delta_tables.commit_info(layout.store(path), path, version).get(SILVER_BRONZE_VERSION_KEY) != bronze_version:
        return None  # not refreshed from this snapshot yet (or by a job that did not record it)
    silver = wap.read_published(session, path, version)
    return silver, f"silver_breweries version {version} (snapshot {day}, {bronze_version})"


def same_rows(left: DataFrame, right: DataFrame) -> bool:
    """Whether two frames of the same columns hold the same rows, repeats included."""
    return differences(left, right).limit(1).count() == 0


def publish_history(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Adds the requested snapshot days to the history (rebuilding from the earliest one onward),
    audits the whole table, and publishes it when no blocking check fails."""
    path = layout.silver_brewery_history
    requested = _requested_days(request)
    read_version = delta_tables.table_version(path)
    try:
        recorded = processed_days(layout, read_version)
    except HistoryRecordMissing as error:
        return JobOutcome(failure=str(error))
    days = sorted(set(recorded) | set(requested))
    relayout = read_version is not None and not delta_tables.has_layout(
        path, HISTORY_COLUMNS, HISTORY_PARTITION_COLUMNS)
    # A table of an older layout is rebuilt whole, from its first day.
    first = days[0] if relayout else min(requested)
    replayed = [day for day in days if day >= first]
    previous_day = max((day for day in days if day < first), default=None)

    snapshots, bronze_versions = None, {}
    for day in replayed:
        found = day_rows(session, layout, day)
        if found is None:
            return JobOutcome(failure=(
                f"no complete bronze snapshot of {day} under {layout.bronze_root}: materialize bronze_breweries "
                f"{day} first" + ("" if day in requested else
                                  f" (the history holds {day}, and adding {first} replays every later day)")),
                metadata={"rebuilt_from": first.isoformat()})
        rows, bronze_versions[day] = found
        snapshots = rows if snapshots is None else snapshots.unionByName(rows)

    published = wap.read_published(session, path, read_version)
    keep_previous = published is not None and previous_day is not None
    versions = rebuild_versions(
        session, snapshots, replayed, previous_day,
        open_on(published, previous_day) if keep_previous else None,
        closed_by(published, previous_day) if keep_previous else None,
    )
    stage_name = wap.stage_id(request.get("run_id"))
    staged = wap.stage(versions.select(*HISTORY_COLUMNS), path, stage_name, HISTORY_PARTITION_COLUMNS)
    candidate = staged.rows if not keep_previous else closed_by(published, previous_day).unionByName(staged.rows)

    last_day = replayed[-1]
    silver = _silver_of(session, layout, last_day, bronze_versions[last_day])
    if silver is None:
        expected, compared_with = snapshots.where(F.col("snapshot_date") == F.lit(last_day)), (
            f"the snapshot of {last_day} cleaned as silver cleans it")
    else:
        expected, compared_with = silver
    results = audit_history(candidate, expected, compared_with)
    blocked = blocked_by_checks("silver_brewery_history", results, staged.path, rebuilt_from=first.isoformat())
    if blocked:
        return blocked

    by_day = _day_figures(staged.rows, replayed)
    totals = candidate.agg(F.count(F.lit(1)).alias("versions"), F.count_if("is_current").alias("current")).first()
    record = {**recorded, **bronze_versions}
    # Processing held days again from the same snapshots: publish nothing when the rows are the same.
    unchanged = record == recorded and not relayout and same_rows(
        staged.rows, published.where(F.col("valid_to").isNull() | (F.col("valid_to") >= F.lit(first))))
    store = layout.store(path)
    if unchanged:
        version = read_version
        store.delete_tree(staged.path)
    else:
        try:
            version = wap.publish(
                staged, read_version, ("valid_to", [None, *(day.isoformat() for day in replayed)]),
                {DAYS_KEY: json.dumps({day.isoformat(): name for day, name in sorted(record.items())}),
                 "brewery.job": stage_name})
        except delta_tables.PublishConflict:
            return JobOutcome(failure="silver_brewery_history changed while this run audited it; nothing was "
                                      "published. Run it again.", retryable=True)
        wap.release(staged, store)
    return JobOutcome(
        metadata={
            "dagster/row_count": int(totals["versions"]),
            "current_versions": int(totals["current"]),
            "snapshot_days": len(days),
            "first_day": days[0].isoformat(),
            "last_day": days[-1].isoformat(),
            "rebuilt_from": first.isoformat(),
            "rebuilt_days": [day.isoformat() for day in replayed],
            "bronze_versions": {day.isoformat(): name for day, name in sorted(bronze_versions.items())},
            "by_day": by_day,
            "unchanged": unchanged,
            "delta_version": version,
            "path": path,
        },
        checks=results,
    )


def _day_figures(rows: DataFrame, days: list[dt.date]) -> dict[str, dict[str, int]]:
    """Per replayed day: versions opened and closed on it, and the breweries it holds."""
    opened = {r["valid_from"]: int(r["n"]) for r in rows.groupBy("valid_from").agg(F.count(F.lit(1)).alias("n"))
              .where(F.col("valid_from").isin(days)).collect()}
    closed = {r["valid_to"]: int(r["n"]) for r in rows.groupBy("valid_to").agg(F.count(F.lit(1)).alias("n"))
              .where(F.col("valid_to").isin(days)).collect()}
    held = {r["snapshot_date"]: int(r["n"]) for r in valid_on_days(rows.sparkSession, rows, days)
            .groupBy("snapshot_date").agg(F.count(F.lit(1)).alias("n")).collect()}
    return {day.isoformat(): {"opened": opened.get(day, 0), "closed": closed.get(day, 0), "breweries": held.get(day, 0)}
            for day in days}
