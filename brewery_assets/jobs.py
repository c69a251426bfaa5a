"""Jobs: what the CLI, the UI and (later) the schedule launch."""

import dagster as dg

from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.gold import gold_brewery_counts
from brewery_assets.assets.silver import silver_breweries

# Bronze is partitioned by day and silver by location, and one run holds one kind of partition,
# so a refresh is two runs: the day's ingestion, then silver (any set of locations) and gold.
ingest_bronze_job = dg.define_asset_job(
    "ingest_bronze",
    selection=[bronze_breweries],
    description="Ingest one day's bronze snapshot and register new locations.",
)

refresh_silver_gold_job = dg.define_asset_job(
    "refresh_silver_gold",
    selection=[silver_breweries, gold_brewery_counts],
    description="Rebuild the selected silver locations from the latest bronze snapshot, then gold.",
)
