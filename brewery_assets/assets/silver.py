"""silver_breweries: the cleaned, typed, de-duplicated Delta table, partitioned by country and state,
with its quarantine of rejected records and its anonymized copy.

Silver is written, audited and published (see `brewery_assets.quality.wap`): the asset stages the
new rows and the rejected records, runs every check on the table as it would be published, and
publishes both only when no blocking check failed. Otherwise it records the check results and
fails, so the published silver stays the current one and nothing downstream runs.
"""

import dagster as dg
from pydantic import Field
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.ingestion.bronze import latest_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.locations import canonical_mapping, parse_location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.quality import checks, wap
from brewery_assets.quality.hash_key import MissingHashKeyError, hash_key
from brewery_assets.quality.silver_audits import (
    BronzeFields,
    DriftThresholds,
    accounting,
    audit_silver,
    table_stats,
)
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.transformations.anonymize import HASHED_COLUMNS, anonymize
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


def rejected_path(layout: LakeLayout) -> str:
    """The quarantine: bronze records of the published snapshot that are not silver rows."""
    return f"{layout.silver_breweries}_rejected"


def anonymized_path(layout: LakeLayout) -> str:
    """The anonymized copy of silver."""
    return f"{layout.silver_breweries}_anonymized"


class SilverConfig(dg.Config):
    """Thresholds of silver's WARN checks (drift against the previously published table)."""

    volume_change_threshold: float = Field(
        default=0.2, description="Largest share the row count may move by before row_volume_change warns.")
    null_rate_drift_threshold: float = Field(
        default=0.1, description="Largest change of a column's null rate before null_rate_drift warns.")


def _selection(context: dg.AssetExecutionContext, path: str) -> list[tuple[str, str]] | None:
    """The locations to rebuild, or None for the whole table.

    Selecting every registered location rebuilds the whole table, so locations that left the
    source disappear; so does a missing table, or one with other columns than silver's.
    """
    selected = sorted(context.partition_keys)
    registered = set(context.instance.get_dynamic_partitions(location_partitions.name))
    if set(selected) >= registered or set(delta_tables.column_names(path)) != set(SILVER_COLUMNS):
        return None
    return [parse_location_key(key) for key in selected]


def _repeats_an_id(staged) -> bool:
    """Whether some id appears more than once among the staged rows (one aggregate over their files)."""
    row = staged.agg(F.count(F.lit(1)).alias("rows"), F.count_distinct("id").alias("ids")).first()
    return row["rows"] > row["ids"]


@dg.asset(
    partitions_def=location_partitions,
    # Silver reads the newest complete bronze snapshot, which is normally today's partition.
    deps=[dg.AssetDep(bronze_breweries, partition_mapping=dg.LastPartitionMapping())],
    # Many locations in one run are one Spark job, not one job per location.
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=checks.SILVER_CHECK_SPECS,
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Breweries cleaned, typed and de-duplicated (one row per id), as a Delta table at "
    "silver/breweries physically partitioned by country and state; one Dagster partition per location. "
    "Records that cannot enter it are kept in silver/breweries_rejected with a reason. Published only "
    "when every blocking check passes.",
)
def silver_breweries(
    context: dg.AssetExecutionContext, config: SilverConfig, lake: LakeResource, spark: SparkConnectResource
):
    """Stages the selected locations from the latest bronze snapshot, audits them, and publishes them.

    A full rebuild replaces the whole table; a subset replaces only its partitions with
    `replaceWhere`, leaving the others untouched. The rejected table always holds the rejected
    records of the snapshot silver was last published from.
    """
    layout = lake.layout
    snapshot = latest_snapshot(layout)
    if snapshot is None:
        raise dg.Failure(f"no complete bronze snapshot under {layout.bronze_root}: materialize bronze first")

    session = spark.spark_session
    path, quarantine = layout.silver_breweries, rejected_path(layout)
    mapping = canonical_mapping(snapshot.manifest["locations"])
    locations = session.createDataFrame(
        [(row["country_raw"], row["state_raw"], row["country"], row["state"]) for row in mapping],
        "country_raw string, state_raw string, country string, state string",
    )
    lines = read_bronze_lines(session, str(snapshot.path))
    date = snapshot.ingest_date.isoformat()
    classified = classify_records(parse_bronze_lines(lines), locations, date)
    chosen = _selection(context, path)

    # Write: the candidate rows and the rejected records, aside from the published tables. Ids
    # almost never repeat, so a full rebuild is first staged without the de-duplication sort; if the
    # staged rows show a repeated id, it is staged again with it. A partial rebuild always sorts: an
    # id may repeat across a selected and an unselected location, which its staged rows cannot show.
    def stage_silver(has_duplicates: bool):
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
    thresholds = DriftThresholds(config.volume_change_threshold, config.null_rate_drift_threshold)
    fields = BronzeFields(bronze_fields(lines), parse_bronze_lines(lines))
    results = audit_silver(candidate, stats, previous, books, fields, thresholds)

    failed = checks.blocking_failures(results)
    if failed:
        yield from results
        # A data failure: retrying the step would give the same verdict.
        raise dg.Failure(
            allow_retries=False,
            description=f"silver not published: blocking checks failed ({', '.join(r.check_name for r in failed)}); "
            f"the published table is unchanged, the candidate is at {wap.staging_path(path)}",
            metadata={"snapshot": snapshot.ingest_date.isoformat(), "staged": dg.MetadataValue.path(
                wap.staging_path(path))},
        )

    # Publish: silver and its quarantine together.
    version = wap.publish(staged, path, PARTITION_COLUMNS, chosen)
    wap.publish(staged_rejected, quarantine)

    table = session.read.format("delta").load(path)
    metadata = {
        "snapshot": snapshot.ingest_date.isoformat(),
        "locations_rebuilt": len(context.partition_keys),
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
    yield dg.MaterializeResult(metadata=metadata, check_results=results)


@dg.asset(
    partitions_def=location_partitions,
    deps=[silver_breweries],
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="silver_breweries for wider access: name, phone, address lines and website replaced by "
    "HMAC-SHA256 under a secret key (BREWERY_ANONYMIZATION_KEY), same partitions, at "
    "silver/breweries_anonymized. Reads published silver only.",
)
def silver_breweries_anonymized(
    context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkConnectResource
) -> dg.MaterializeResult:
    """Rebuilds the selected locations of the anonymized copy from the published silver table."""
    try:
        key, development_key = hash_key()
    except MissingHashKeyError as error:
        # Configuration, not data: retrying cannot help.
        raise dg.Failure(description=str(error), allow_retries=False) from error
    layout = lake.layout
    if not delta_tables.table_exists(layout.silver_breweries):
        raise dg.Failure("silver_breweries has not been published yet: materialize it first")
    session = spark.spark_session
    silver = session.read.format("delta").load(layout.silver_breweries)
    path = anonymized_path(layout)
    chosen = _selection(context, path)
    if chosen is None:
        delta_tables.overwrite_table(anonymize(silver, key), path, PARTITION_COLUMNS)
    else:
        delta_tables.replace_locations(anonymize(restrict_to_locations(silver, chosen), key), path, chosen)
    if development_key:
        context.log.warning("anonymized with the public development key: set BREWERY_ANONYMIZATION_KEY")

    table = session.read.format("delta").load(path)
    rows = table.count()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "hashed_columns": dg.MetadataValue.json(list(HASHED_COLUMNS)),
            "development_key": development_key,
            "full_rebuild": chosen is None,
            "rows_rebuilt": rows if chosen is None else restrict_to_locations(table, chosen).count(),
            "delta_version": delta_tables.table_version(path),
            "path": dg.MetadataValue.path(path),
        }
    )
