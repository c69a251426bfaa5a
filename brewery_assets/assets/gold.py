"""gold_brewery_counts: brewery counts per location and type, reconciling with silver, with a chart.

The Spark work is the `gold` job of `brewery_assets.spark_jobs` (write, audit, publish); the chart
is redrawn here from the published table.
"""

import base64
import datetime as dt

import dagster as dg
from deltalake import DeltaTable

from brewery_assets import asset_names
from brewery_assets.assets.check_specs import check_specs
from brewery_assets.assets.events import events_of
from brewery_assets.assets.metadata import OWNERS, column_schema
from brewery_assets.assets.silver import silver_breweries
from brewery_assets.lake import LakeLayout
from brewery_assets.resources.job_runners import SparkJobRunner
from brewery_assets.resources.lake import LakeResource
from brewery_assets.transformations.chart import TOP_LOCATIONS, counts_chart_png, top_locations_by_type
from brewery_assets.transformations.gold import GOLD_COLUMN_DOCS

GOLD_SCHEMA = column_schema(GOLD_COLUMN_DOCS)
# The concurrency pool of the gold table's writer (one at a time).
GOLD_POOL = "lake_gold_brewery_counts"


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
    check_specs=check_specs(asset_names.GOLD),
    pool=GOLD_POOL,
    # The daily refresh publishes gold once a day: a day and a half without it means a missed day.
    freshness_policy=dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=36),
                                                    warn_window=dt.timedelta(hours=26)),
    metadata={"dagster/column_schema": GOLD_SCHEMA},
    group_name="gold",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Number of breweries per (country, state, brewery_type), with the bronze snapshot it "
    "was built from, as a Delta table at gold/brewery_counts. Sums to the row count of the silver version "
    "it read. A chart of "
    "the top locations by type is kept at gold/visualizations/.",
)
def gold_brewery_counts(context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkJobRunner):
    """Recomputes every count from the published silver table, audits and publishes them, then redraws the chart.

    The work is the `gold` Spark job (`brewery_assets.spark_jobs.gold`); the chart is drawn here from
    the published table, only after it was published.
    """
    outcome = spark.run(context, "gold", lake.layout, {"run_id": context.run.run_id})
    extra = {}
    if outcome.published:
        image_path, png = write_chart(lake.layout)
        image = base64.b64encode(png).decode("ascii")
        extra = {
            "dagster/column_schema": GOLD_SCHEMA,
            "chart": dg.MetadataValue.md(f"![breweries by type, top locations](data:image/png;base64,{image})"),
            "chart_path": dg.MetadataValue.path(image_path),
        }
    yield from events_of(outcome, extra)
