"""silver_breweries: the cleaned, typed, de-duplicated Delta table, partitioned by country and state."""

import dagster as dg
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.ingestion.bronze import latest_snapshot
from brewery_assets.locations import parse_location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.transformations.silver import (
    PARTITION_COLUMNS,
    build_silver,
    read_bronze,
    records_without_id,
    restrict_to_locations,
)


@dg.asset(
    partitions_def=location_partitions,
    # Silver reads the newest complete bronze snapshot, which is normally today's partition.
    deps=[dg.AssetDep(bronze_breweries, partition_mapping=dg.LastPartitionMapping())],
    # Many locations in one run are one Spark job, not one job per location.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Breweries cleaned, typed and de-duplicated (one row per id), as a Delta table at "
    "silver/breweries physically partitioned by country and state; one Dagster partition per location.",
)
def silver_breweries(
    context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkConnectResource
) -> dg.MaterializeResult:
    """Rebuilds the selected locations from the latest bronze snapshot.

    Selecting every registered location rewrites the whole table (dropping locations that left the
    source); a subset rewrites only its partitions with `replaceWhere`, leaving the others untouched.
    """
    layout = lake.layout
    snapshot = latest_snapshot(layout)
    if snapshot is None:
        raise dg.Failure(f"no complete bronze snapshot under {layout.bronze_root}: materialize bronze first")

    session = spark.spark_session
    raw = read_bronze(session, str(snapshot.path))
    locations = session.createDataFrame(
        [(row["country_raw"], row["state_raw"], row["country"], row["state"])
         for row in snapshot.manifest["locations"]],
        "country_raw string, state_raw string, country string, state string",
    )
    silver = build_silver(raw, locations, snapshot.ingest_date.isoformat())

    selected = sorted(context.partition_keys)
    registered = set(context.instance.get_dynamic_partitions(location_partitions.name))
    path = layout.silver_breweries
    full_rebuild = set(selected) >= registered or not delta_tables.table_exists(path)
    if full_rebuild:
        delta_tables.overwrite_table(silver, path, PARTITION_COLUMNS)
    else:
        chosen = [parse_location_key(key) for key in selected]
        delta_tables.replace_locations(restrict_to_locations(silver, chosen), path, chosen)

    table = session.read.format("delta").load(path)
    table_rows = table.count()
    metadata = {
        "snapshot": snapshot.ingest_date.isoformat(),
        "locations_rebuilt": len(selected),
        "full_rebuild": full_rebuild,
        "table_rows": table_rows,
        "dagster/row_count": table_rows,
        "delta_version": delta_tables.table_version(path),
        "path": dg.MetadataValue.path(path),
        "preview": preview(table.orderBy("country", "state", "name").limit(10).toPandas()),
    }
    if full_rebuild:
        without_id = records_without_id(raw)
        metadata.update({
            "bronze_records": snapshot.manifest["records"],
            "records_without_id": without_id,
            "duplicates_removed": snapshot.manifest["records"] - without_id - table_rows,
            "table_locations": table.select(*PARTITION_COLUMNS).distinct().count(),
        })
    else:
        metadata["rows_rebuilt"] = table.where(
            F.expr(delta_tables.locations_sql([parse_location_key(k) for k in selected]))
        ).count()
    return dg.MaterializeResult(metadata=metadata)
