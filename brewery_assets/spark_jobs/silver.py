"""The silver job: stage the selected locations from the latest bronze snapshot, audit, publish.

Silver is written, audited and published (see `brewery_assets.quality.wap`): the job stages the
new rows and the rejected records, runs every check on the table as it would be published, and
publishes both only when no blocking check failed. Otherwise it returns the check results and a
failure, so the published silver stays the current one and nothing downstream runs.

Request: `{"locations": [[country, state], ...] | null, "locations_rebuilt": n,
"volume_change_threshold": x, "null_rate_drift_threshold": y}`; `locations: null` rebuilds the
whole table.
"""

import dagster as dg
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.assets.metadata import preview
from brewery_assets.ingestion.bronze import latest_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.locations import canonical_mapping
from brewery_assets.quality import wap
from brewery_assets.quality.silver_audits import (
    BronzeFields,
    DriftThresholds,
    accounting,
    audit_silver,
    table_stats,
)
from brewery_assets.spark_jobs.outcome import JobOutcome, blocked_by_checks
from brewery_assets.transformations.silver import (
    PARTITION_COLUMNS,
    SILVER_COLUMNS,
    bronze_fields,
    classify_records,
    parse_bronze_lines,
    read_bronze_lines,
    rejected_rows,
    restrict_to_locations,
    silver_rows,
    suspect_lines,
)


def selected_locations(request: dict, path: str) -> list[tuple[str, str]] | None:
    """The locations to rebuild, or None for the whole table.

    A missing table, or one with other columns than silver's, is rebuilt whole whatever was asked.
    """
    locations = request.get("locations")
    if locations is None or set(delta_tables.column_names(path)) != set(SILVER_COLUMNS):
        return None
    return [(country, state) for country, state in locations]


def _repeats_an_id(staged: DataFrame) -> bool:
    """Whether some id appears more than once among the staged rows (one aggregate over their files)."""
    row = staged.agg(F.count(F.lit(1)).alias("rows"), F.count_distinct("id").alias("ids")).first()
    return row["rows"] > row["ids"]


def publish_silver(session: SparkSession, layout: LakeLayout, request: dict) -> JobOutcome:
    """Stages, audits and (when no blocking check fails) publishes silver and its quarantine.

    A full rebuild replaces the whole table; a subset replaces only its partitions with
    `replaceWhere`, leaving the others untouched. The rejected table always holds the rejected
    records of the snapshot silver was last published from.
    """
    snapshot = latest_snapshot(layout)
    if snapshot is None:
        return JobOutcome(failure=f"no complete bronze snapshot under {layout.bronze_root}: materialize bronze first")

    path, quarantine = layout.silver_breweries, layout.silver_rejected
    mapping = canonical_mapping(snapshot.manifest["locations"])
    locations = session.createDataFrame(
        [(row["country_raw"], row["state_raw"], row["country"], row["state"]) for row in mapping],
        "country_raw string, state_raw string, country string, state string",
    )
    lines = read_bronze_lines(session, str(snapshot.path))
    date = snapshot.ingest_date.isoformat()
    classified = classify_records(parse_bronze_lines(lines), locations, date)
    chosen = selected_locations(request, path)

    # Write: the candidate rows and the rejected records, aside from the published tables. Ids
    # almost never repeat, so a full rebuild is first staged without the de-duplication sort; if the
    # staged rows show a repeated id, it is staged again with it. A partial rebuild always sorts: an
    # id may repeat across a selected and an unselected location, which its staged rows cannot show.
    def stage_silver(has_duplicates: bool) -> DataFrame:
        rows = silver_rows(classified, has_duplicates)
        return wap.stage(rows if chosen is None else restrict_to_locations(rows, chosen), path, PARTITION_COLUMNS)

    staged = stage_silver(has_duplicates=chosen is not None)
    has_duplicates = chosen is not None or _repeats_an_id(staged)
    if has_duplicates and chosen is None:
        staged = stage_silver(has_duplicates=True)
    # Without repeated ids only the lines that may be rejected need classifying.
    suspects = classified if has_duplicates else classify_records(
        parse_bronze_lines(suspect_lines(lines)), locations, date)
    staged_rejected = wap.stage(rejected_rows(suspects, has_duplicates), quarantine)

    # Audit: the table as it would be published, against the one it would replace.
    candidate = wap.candidate(session, staged, path, chosen)
    stats = table_stats(candidate)
    published_columns = delta_tables.column_names(path)
    previous = table_stats(session.read.format("delta").load(path)) if published_columns else None
    staged_rows = stats.rows if chosen is None else staged.count()
    books = accounting(snapshot.manifest, mapping, staged_rows, staged_rejected, chosen)
    thresholds = DriftThresholds(request["volume_change_threshold"], request["null_rate_drift_threshold"])
    fields = BronzeFields(bronze_fields(lines), parse_bronze_lines(lines))
    results = audit_silver(candidate, stats, previous, books, fields, thresholds)

    blocked = blocked_by_checks("silver", results, path, snapshot=date)
    if blocked:
        return blocked

    # Publish: silver and its quarantine together.
    version = wap.publish(staged, path, PARTITION_COLUMNS, chosen)
    wap.publish(staged_rejected, quarantine)

    table = session.read.format("delta").load(path)
    metadata = {
        "snapshot": date,
        "locations_rebuilt": request["locations_rebuilt"],
        "full_rebuild": chosen is None,
        "table_rows": stats.rows,
        "dagster/row_count": stats.rows,
        **books.metadata(),
        "delta_version": version,
        "path": dg.MetadataValue.path(path),
        "rejected_path": dg.MetadataValue.path(quarantine),
        "preview": preview(table.orderBy("country", "state", "name", "id").limit(10).toPandas()),
    }
    if chosen is None:
        metadata["table_locations"] = table.select(*PARTITION_COLUMNS).distinct().count()
    else:
        metadata["rows_rebuilt"] = staged_rows
    return JobOutcome(metadata=metadata, checks=results)
