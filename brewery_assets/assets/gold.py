"""gold_brewery_counts: brewery counts per location and type, reconciling with silver, with a chart.

Gold is written, audited and published like silver (see `brewery_assets.quality.wap`): it reads
the published silver table only, stages its counts, and publishes them (and redraws the chart)
only when every blocking check passes.
"""

import base64

import dagster as dg
from deltalake import DeltaTable
from pyspark.sql import functions as F

from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.assets.silver import silver_breweries
from brewery_assets.lake import LakeLayout
from brewery_assets.quality import checks, wap
from brewery_assets.quality.gold_audits import audit_gold
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.transformations.chart import TOP_LOCATIONS, counts_chart_png, top_locations_by_type
from brewery_assets.transformations.gold import count_breweries


def write_chart(layout: LakeLayout) -> tuple[str, bytes]:
    """Draws the published gold table's top locations by type; writes the PNG next to gold (`layout.gold_chart`)."""
    gold = DeltaTable(layout.gold_brewery_counts).to_pandas()
    snapshot = gold["ingest_date"].max() if len(gold) else "-"
    png = counts_chart_png(
        top_locations_by_type(gold),
        f"Breweries by type, top {TOP_LOCATIONS} locations (snapshot {snapshot})",
    )
    # Replaced whole: readers never see a half-written image.
    layout.store(layout.gold_chart).write_bytes(layout.gold_chart, png)
    return layout.gold_chart, png


@dg.asset(
    deps=[silver_breweries],
    check_specs=checks.GOLD_CHECK_SPECS,
    group_name="gold",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Number of breweries per (country, state, brewery_type), with the bronze snapshot it "
    "was built from, as a Delta table at gold/brewery_counts. Sums to the silver row count. A chart of "
    "the top locations by type is kept at gold/visualizations/.",
)
def gold_brewery_counts(lake: LakeResource, spark: SparkConnectResource):
    """Recomputes every count from the published silver table, audits them, and publishes them."""
    session = spark.spark_session
    layout = lake.layout
    silver = session.read.format("delta").load(layout.silver_breweries)
    path = layout.gold_brewery_counts

    staged = wap.stage(count_breweries(silver), path)
    silver_rows = silver.count()
    results = audit_gold(staged, silver_rows)
    failed = checks.blocking_failures(results)
    if failed:
        yield from results
        # A data failure: retrying the step would give the same verdict.
        raise dg.Failure(
            allow_retries=False,
            description=f"gold not published: blocking checks failed ({', '.join(r.check_name for r in failed)}); "
            f"the published table is unchanged, the candidate is at {wap.staging_path(path)}",
        )
    version = wap.publish(staged, path)
    image_path, png = write_chart(layout)

    gold = session.read.format("delta").load(path)
    totals = gold.agg(F.count(F.lit(1)).alias("rows"), F.sum("brewery_count").alias("breweries")).first()
    top = gold.orderBy(F.desc("brewery_count"), "country", "state", "brewery_type").limit(10).toPandas()
    image = base64.b64encode(png).decode("ascii")
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": totals["rows"],
            "breweries": int(totals["breweries"] or 0),
            "locations": gold.select("country", "state").distinct().count(),
            "delta_version": version,
            "path": dg.MetadataValue.path(path),
            "top_counts": preview(top),
            "chart": dg.MetadataValue.md(f"![breweries by type, top locations](data:image/png;base64,{image})"),
            "chart_path": dg.MetadataValue.path(image_path),
        },
        check_results=results,
    )
