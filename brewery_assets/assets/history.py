"""silver_brewery_history, gold_brewery_changes and gold_brewery_counts_daily: the lake over time.

All three are partitioned by bronze's days: partition D of the history means "the history holds
bronze's snapshot of D", and partition D of the changes and daily counts means "they are computed
for D from the history". The Spark work is in `brewery_assets.spark_jobs` (`history`, `changes`,
`counts_daily`), written, audited and published like silver's.

They follow bronze by themselves: the `history_follows_bronze` automation sensor requests a day
of the history once bronze has that day (a new day or a backfilled one), and its changes and
counts with it. Days processed out of order give the same tables as days processed in order: a
day before the last one held rebuilds the history from that day onward, and the changes and
counts of every later day are recomputed with it.
"""

import base64
from collections.abc import Callable

import dagster as dg
from deltalake import DeltaTable

from brewery_assets import asset_names
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.check_specs import check_specs
from brewery_assets.assets.events import add_partition_metadata, events_of
from brewery_assets.assets.metadata import OWNERS, column_schema
from brewery_assets.lake import LakeLayout
from brewery_assets.partitions import ingest_date_partitions
from brewery_assets.resources.job_runners import SparkJobRunner
from brewery_assets.resources.lake import LakeResource
from brewery_assets.spark_jobs import JobOutcome
from brewery_assets.transformations.changes import CHANGES_COLUMN_DOCS, DAILY_COUNTS_COLUMN_DOCS
from brewery_assets.transformations.history import HISTORY_COLUMN_DOCS
from brewery_assets.transformations.silver import IDENTIFYING_COLUMNS
from brewery_assets.transformations.trend import totals_by_type, trend_chart_png

# Concurrency pools: one writer per Delta table.
HISTORY_POOL = "lake_silver_brewery_history"
CHANGES_POOL = "lake_gold_brewery_changes"
COUNTS_DAILY_POOL = "lake_gold_brewery_counts_daily"

HISTORY_SCHEMA = column_schema(HISTORY_COLUMN_DOCS, IDENTIFYING_COLUMNS)
CHANGES_SCHEMA = column_schema(CHANGES_COLUMN_DOCS, IDENTIFYING_COLUMNS)
COUNTS_DAILY_SCHEMA = column_schema(DAILY_COUNTS_COLUMN_DOCS)

# Every day whose upstream day is updated, not only the latest: a backfilled bronze day must reach
# the history too. A day without its upstream (no bronze snapshot) is never requested.
FOLLOWS_UPSTREAM = dg.AutomationCondition.eager().without(dg.AutomationCondition.in_latest_time_window())


def day_events(context: dg.AssetExecutionContext, outcome: JobOutcome, figures: Callable[[dict], dict],
               extra_metadata: dict | None = None):
    """The events of a daily job: each materialized day gets its own figures (`figures` of the job's
    `by_day` entry for it), the materialization the job's other metadata."""
    by_day = outcome.metadata.pop("by_day", None) or {}
    if outcome.published:
        add_partition_metadata(context, by_day, figures)
    yield from events_of(outcome, extra_metadata)


def _request(context: dg.AssetExecutionContext) -> dict:
    return {"days": sorted(context.partition_keys), "run_id": context.run.run_id}


@dg.asset(
    partitions_def=ingest_date_partitions,
    deps=[bronze_breweries],
    # Many days in one run are one rebuild from the earliest of them.
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=check_specs(asset_names.HISTORY),
    pool=HISTORY_POOL,
    metadata={"dagster/column_schema": HISTORY_SCHEMA},
    automation_condition=FOLLOWS_UPSTREAM,
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Every version of every brewery over bronze's snapshot days (slowly changing dimension, type 2), "
    "as a Delta table at silver/brewery_history partitioned by valid_to: silver's columns, valid_from and valid_to "
    "(snapshot days; valid_to null while current), is_current, and changed_fields (what differs from the previous "
    "version). One partition per bronze day held. A day before the last one held rebuilds the history from it.",
)
def silver_brewery_history(context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkJobRunner):
    """Adds the selected bronze days to the history, rebuilding from the earliest of them when later days
    are held already; published only when every blocking check passes."""
    outcome = spark.run(context, "history", lake.layout, _request(context))
    yield from day_events(context, outcome, lambda day: {
        "opened": day.get("opened", 0), "closed": day.get("closed", 0), "breweries": day.get("breweries", 0)},
        {"dagster/column_schema": HISTORY_SCHEMA})


@dg.asset(
    partitions_def=ingest_date_partitions,
    deps=[silver_brewery_history],
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=check_specs(asset_names.CHANGES),
    pool=CHANGES_POOL,
    metadata={"dagster/column_schema": CHANGES_SCHEMA},
    automation_condition=FOLLOWS_UPSTREAM,
    group_name="gold",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Per snapshot day, every brewery that appeared, disappeared or changed since the snapshot day "
    "before it (change, changed_fields, name, type, city, country, state), as a Delta table at gold/brewery_changes "
    "partitioned by snapshot_date. The first day held is the baseline and has no rows.",
)
def gold_brewery_changes(context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkJobRunner):
    """Recomputes the changes of the selected days and of every later day held from the published history."""
    outcome = spark.run(context, "changes", lake.layout, _request(context))
    yield from day_events(context, outcome, lambda day: {
        "appeared": day.get("appeared", 0), "disappeared": day.get("disappeared", 0),
        "changed": day.get("changed", 0), "breweries": day.get("breweries", 0)},
        {"dagster/column_schema": CHANGES_SCHEMA})


def write_trend_chart(layout: LakeLayout) -> tuple[str, bytes]:
    """Draws the published daily counts by type over the days; writes the PNG beside gold's chart."""
    counts = DeltaTable(layout.gold_brewery_counts_daily).to_pandas()
    days = sorted(counts["snapshot_date"].unique())
    span = f"{days[0]} to {days[-1]}" if days else "no day"
    png = trend_chart_png(totals_by_type(counts), f"Breweries by type per snapshot day ({span})")
    layout.store(layout.gold_trend_chart).write_bytes(layout.gold_trend_chart, png)
    return layout.gold_trend_chart, png


@dg.asset(
    partitions_def=ingest_date_partitions,
    deps=[silver_brewery_history],
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=check_specs(asset_names.COUNTS_DAILY),
    pool=COUNTS_DAILY_POOL,
    metadata={"dagster/column_schema": COUNTS_DAILY_SCHEMA},
    automation_condition=FOLLOWS_UPSTREAM,
    group_name="gold",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Number of breweries per (snapshot_date, country, state, brewery_type) on every snapshot day the "
    "history holds, as a Delta table at gold/brewery_counts_daily partitioned by snapshot_date, with a chart of the "
    "trend by type at gold/visualizations/.",
)
def gold_brewery_counts_daily(context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkJobRunner):
    """Recomputes the selected days' counts (and every later day's) from the history, then redraws the trend."""
    outcome = spark.run(context, "counts_daily", lake.layout, _request(context))
    extra = {}
    if outcome.published:
        image_path, png = write_trend_chart(lake.layout)
        image = base64.b64encode(png).decode("ascii")
        extra = {
            "dagster/column_schema": COUNTS_DAILY_SCHEMA,
            "trend": dg.MetadataValue.md(f"![breweries by type per day](data:image/png;base64,{image})"),
            "trend_path": dg.MetadataValue.path(image_path),
        }
    yield from day_events(context, outcome, lambda day: {"breweries": day.get("breweries", 0)}, extra)
