"""The silver job: stage the selected locations from the latest bronze snapshot, audit, publish.

Silver is written, audited and published (see `brewery_assets.quality.wap`): the job stages the
new rows and the rejected records in folders of its own, runs every check on the whole table as it
would be published, and publishes both only when no blocking check failed. Otherwise it returns the
check results and a failure, so the published silver stays the current one and nothing downstream
runs.

A partial rebuild replaces only its locations' partitions and must come from the snapshot the rest
of the table was built from: a table mixing two snapshots would reconcile with neither, so such a
request is refused with a message saying to rebuild every location.

Request: `{"locations": [[country, state], ...] | null, "run_id": id, "volume_change_threshold": x,
"null_rate_drift_threshold": y}`; `locations: null` rebuilds the whole table.
"""

import datetime as dt

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.ingestion.bronze import latest_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.locations import canonical_mapping
from brewery_assets.quality import wap
from brewery_assets.quality.silver_audits import (
    DriftThresholds,
    Scope,
    audit_silver,
    bronze_profile,
    location_figures,
    reconcile,
    table_stats,
)
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.storage import name_of
from brewery_assets.transformations.silver import (
    PARTITION_COLUMNS,
    SILVER_COLUMNS,
    classify_records,
    location_frame,
    location_ids,
    parse_bronze_lines,
    read_bronze_lines,
    rejected_rows,
    restrict_to_locations,
    silver_rows,
    suspect_lines,
)

# Publishing is retried (audit again, commit again) this many times when another writer commits
# between the audit and the commit; concurrency pools make that rare.
PUBLISH_ATTEMPTS = 3
PREVIEW_ROWS = 5
_PREVIEW_COLUMNS = ("id", "name", "brewery_type", "city", "postal_code", "phone", "website_url")


def requested_locations(request: dict) -> list[tuple[str, str]] | None:
    """The (country, state) locations the request names, or None for the whole table."""
    locations = request.get("locations")
    return None if locations is None else [(country, state) for country, state in locations]


def _snapshot_mismatch(published: DataFrame, date: str) -> str | None:
    """The snapshot dates of the published table when they are not exactly `date`, else None."""
    dates = sorted(str(row[0]) for row in published.select("ingest_date").distinct().collect())
    return None if dates in ([date], []) else ", ".join(dates)


def publish_silver(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Stages, audits and (when no blocking check fails) publishes silver and its quarantine."""
    snapshot = latest_snapshot(layout)
    if snapshot is None:
        return JobOutcome(failure=f"no complete bronze snapshot under {layout.bronze_root}: materialize bronze first")

    path, quarantine = layout.silver_breweries, layout.silver_rejected
    store = layout.store(path)
    mapping = canonical_mapping(snapshot.manifest["locations"])
    locations = location_frame(session, mapping)
    lines = read_bronze_lines(session, str(snapshot.path))
    date = snapshot.ingest_date.isoformat()
    classified = classify_records(parse_bronze_lines(lines), locations, date)

    read_version = delta_tables.table_version(path)
    chosen = requested_locations(request)
    if chosen is not None and not delta_tables.has_layout(path, SILVER_COLUMNS, PARTITION_COLUMNS):
        chosen = None  # no table yet, or an older layout: rebuilt whole whatever was asked
    if chosen is not None:
        mismatch = _snapshot_mismatch(wap.read_published(session, path, read_version), date)
        if mismatch:
            return JobOutcome(failure=(
                f"silver holds snapshot {mismatch} and the newest bronze snapshot is {date}: rebuilding only "
                f"{len(chosen)} locations would mix two snapshots in one table. Rebuild every location instead "
                "(refresh_silver_gold over all locations, or scripts/backfill_locations.py --all --with-gold)."),
                metadata={"snapshot": date, "published_snapshot": mismatch})
    rebuilt_ids = None if chosen is None else location_ids(chosen)

    # Write: the candidate rows and the rejected records, in folders private to this job. Ids
    # almost never repeat, so a full rebuild is first staged without the de-duplication sort; if the
    # staged rows show a repeated id, it is staged again with it. A partial rebuild always sorts: an
    # id may repeat across a selected and an unselected location, which its staged rows cannot show.
    name = wap.stage_id(request.get("run_id"))

    def stage_silver(has_duplicates: bool) -> wap.Staged:
        rows = silver_rows(classified, has_duplicates)
        return wap.stage(rows if chosen is None else restrict_to_locations(rows, chosen), path, name, PARTITION_COLUMNS)

    staged = stage_silver(has_duplicates=chosen is not None)
    # One aggregate over the staged files gives every figure of a full rebuild's audit, and tells
    # whether an id repeats.
    staged_stats = table_stats(staged.rows) if chosen is None else None
    has_duplicates = chosen is not None or staged_stats.distinct_ids < staged_stats.rows - staged_stats.nulls["id"]
    if has_duplicates and chosen is None:
        staged = stage_silver(has_duplicates=True)
        staged_stats = table_stats(staged.rows)
    # Without repeated ids only the lines that may be rejected need classifying.
    suspects = classified if has_duplicates else classify_records(
        parse_bronze_lines(suspect_lines(lines)), locations, date)
    staged_rejected = wap.stage(rejected_rows(suspects, has_duplicates), quarantine, name)
    bronze = bronze_profile(lines, snapshot.manifest)
    thresholds = DriftThresholds(request["volume_change_threshold"], request["null_rate_drift_threshold"])

    # Audit the table as it would be published against the version read; publish against that
    # version only. Another writer's commit in between means auditing again.
    for _ in range(PUBLISH_ATTEMPTS):
        published = wap.read_published(session, path, read_version)
        if chosen is None or published is None:
            candidate, scope = staged.rows, Scope()
        else:
            kept = published.where(~F.col("location_id").isin(rebuilt_ids))
            candidate = wap.candidate(staged, published, kept)
            scope = Scope(frozenset(rebuilt_ids), location_figures(published), location_figures(candidate))
        stats = staged_stats if chosen is None else table_stats(candidate)
        previous = table_stats(published) if published is not None else None
        books = reconcile(bronze, stats, staged_rejected.rows)
        results = audit_silver(candidate, stats, previous, books, bronze, scope, thresholds)
        blocked = blocked_by_checks("silver", results, staged.path, snapshot=date)
        if blocked:
            return blocked
        try:
            version = wap.publish(staged, read_version, None if chosen is None else ("location_id", rebuilt_ids),
                                  {"brewery.snapshot": date, "brewery.bronze_version": name_of(snapshot.path),
                                   "brewery.job": name})
            break
        except delta_tables.PublishConflict:
            read_version = delta_tables.table_version(path)
            if chosen is not None and _snapshot_mismatch(wap.read_published(session, path, read_version), date):
                return JobOutcome(failure=f"silver was republished from another snapshot while this run audited "
                                          f"{date}; nothing was published. Run the rebuild again.", retryable=True)
    else:
        return JobOutcome(failure=f"silver kept changing under this run ({PUBLISH_ATTEMPTS} audits, each outdated by "
                                  "another writer's commit); nothing was published", retryable=True)

    # The quarantine is replaced whole: the rejected records of the snapshot silver was published from.
    quarantine_version = _publish_whole(staged_rejected, quarantine)

    # Figures true of every rebuilt location alike; each location's own figures are in `by_location`
    # and the whole table's in the check results.
    metadata = {
        "snapshot": date,
        "full_rebuild": chosen is None,
        "delta_version": version,
        "rejected_delta_version": quarantine_version,
        "path": path,
        "rejected_path": quarantine,
    }
    by_location = location_report(staged.rows, staged_rejected.rows, chosen)
    wap.release(staged, store)
    wap.release(staged_rejected, store)
    return JobOutcome(metadata=metadata, checks=results, by_location=by_location)


def _publish_whole(staged: wap.Staged, path: str) -> int:
    """Replaces a table whole with a staged candidate, auditing nothing more (its rows were audited
    with silver); a concurrent commit only means publishing against the newer version."""
    for _ in range(PUBLISH_ATTEMPTS):
        try:
            return wap.publish(staged, delta_tables.table_version(path))
        except delta_tables.PublishConflict:
            continue
    raise delta_tables.PublishConflict(f"{path} kept changing; the quarantine was not replaced")


def location_report(staged: DataFrame, rejected: DataFrame, chosen: list[tuple[str, str]] | None) -> list[dict]:
    """Per rebuilt location: its rows, rejected records and duplicates removed, and its first rows.

    Plain values (no Dagster types), one entry per location that has rows or rejected records; a
    requested location with neither has no entry. One query over the staged rows (counts and first
    rows together) and one over the rejected records.
    """
    location = Window.partitionBy("country", "state")
    first_rows = (
        staged.select(*_PREVIEW_COLUMNS, "country", "state",
                      F.row_number().over(location.orderBy(F.col("name").asc_nulls_last(), "id")).alias("_n"),
                      F.count(F.lit(1)).over(location).alias("_rows"))
        .where(F.col("_n") <= PREVIEW_ROWS)
        .collect()
    )
    counts: dict[tuple[str, str], int] = {}
    previews: dict[tuple[str, str], list] = {}
    for row in sorted(first_rows, key=lambda r: (r["country"], r["state"], r["_n"])):
        counts[(row["country"], row["state"])] = int(row["_rows"])
        previews.setdefault((row["country"], row["state"]), []).append({c: _plain(row[c]) for c in _PREVIEW_COLUMNS})
    scoped = rejected.where(F.col("country").isNotNull())
    if chosen is not None:
        scoped = restrict_to_locations(scoped, chosen)
    rejects: dict[tuple[str, str], dict[str, int]] = {}
    for row in scoped.groupBy("country", "state", "reject_reason").agg(F.count(F.lit(1)).alias("n")).collect():
        rejects.setdefault((row["country"], row["state"]), {})[row["reject_reason"]] = int(row["n"])
    report = []
    for country, state in sorted(counts.keys() | rejects.keys()):
        by_reason = rejects.get((country, state), {})
        report.append({
            "country": country,
            "state": state,
            "rows": counts.get((country, state), 0),
            "duplicates_removed": by_reason.pop("duplicate_id", 0),
            "rejected": sum(by_reason.values()),
            "preview": previews.get((country, state), []),
        })
    return report


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value
