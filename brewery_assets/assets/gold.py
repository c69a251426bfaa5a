"""gold_brewery_counts: brewery counts per location and type, reconciling with silver."""

import dagster as dg
from pyspark.sql import functions as F

from brewery_assets import delta_tables
from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.assets.silver import silver_breweries
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.transformations.gold import count_breweries


@dg.asset(
    deps=[silver_breweries],
    group_name="gold",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Number of breweries per (country, state, brewery_type), with the bronze snapshot it "
    "was built from, as a Delta table at gold/brewery_counts. Sums to the silver row count.",
)
def gold_brewery_counts(lake: LakeResource, spark: SparkConnectResource) -> dg.MaterializeResult:
    """Recomputes every count from the whole silver table."""
    session = spark.spark_session
    silver = session.read.format("delta").load(lake.layout.silver_breweries)
    path = lake.layout.gold_brewery_counts
    delta_tables.overwrite_table(count_breweries(silver), path)

    gold = session.read.format("delta").load(path)
    totals = gold.agg(F.count(F.lit(1)).alias("rows"), F.sum("brewery_count").alias("breweries")).first()
    top = gold.orderBy(F.desc("brewery_count"), "country", "state", "brewery_type").limit(10).toPandas()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": totals["rows"],
            "breweries": int(totals["breweries"] or 0),
            "locations": gold.select("country", "state").distinct().count(),
            "delta_version": delta_tables.table_version(path),
            "path": dg.MetadataValue.path(path),
            "top_counts": preview(top),
        }
    )
