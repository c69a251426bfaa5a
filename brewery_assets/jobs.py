"""Jobs: what the CLI, the UI, the daily schedule and the refresh sensor launch.

Bronze is partitioned by day and silver by location, and one run holds one kind of partition, so a
refresh is two runs: the day's ingestion (`ingest_bronze`), then silver over any set of locations
and gold (`refresh_silver_gold`). The `refresh_after_bronze` sensor chains them. The history, its
changes and daily counts (`update_history`, partitioned by day like bronze) follow bronze through
the `history_follows_bronze` automation sensor, or in a run of this job.

Both jobs retry a failed step with exponential backoff: an API outage, a dropped connection or a
restarted Spark Connect server usually passes within minutes. Failures a retry cannot fix (a blocking
check, a schema error, a bad value) fail at once instead (`dg.Failure(allow_retries=False)`). Ingestion
and the lake's writes are idempotent (a snapshot is published whole, a commit replaces whole
partitions), so a retried step never duplicates anything. Runs writing the same table wait for each
other through the assets' concurrency pools (`brewery_assets.assets.silver`).
"""

import dagster as dg

from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.gold import gold_brewery_counts
from brewery_assets.assets.history import gold_brewery_changes, gold_brewery_counts_daily, silver_brewery_history
from brewery_assets.assets.silver import silver_breweries, silver_breweries_anonymized

RETRY_MAX_RETRIES = 3
RETRY_DELAY_SECONDS = 30.0


def retry_policy(max_retries: int = RETRY_MAX_RETRIES, delay: float = RETRY_DELAY_SECONDS) -> dg.RetryPolicy:
    """The step retry policy of the lake's jobs: `max_retries` retries, waiting `delay` s, then doubling.

    With the defaults a failing step is retried after about 30 s, 60 s and 120 s (plus or minus a
    random jitter, so that several failed steps do not hit the API at the same moment).
    """
    return dg.RetryPolicy(
        max_retries=max_retries, delay=delay, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
    )


def build_ingest_bronze_job(policy: dg.RetryPolicy | None = None):
    """`ingest_bronze`: one day's bronze snapshot (one run per day), retried with `policy`."""
    return dg.define_asset_job(
        "ingest_bronze",
        selection=[bronze_breweries],
        description="Ingest one day's bronze snapshot and register new locations.",
        op_retry_policy=policy or retry_policy(),
    )


def build_refresh_silver_gold_job(policy: dg.RetryPolicy | None = None):
    """`refresh_silver_gold`: silver over a range of locations, its anonymized copy and gold, in one run."""
    return dg.define_asset_job(
        "refresh_silver_gold",
        selection=[silver_breweries, silver_breweries_anonymized, gold_brewery_counts],
        description="Rebuild the selected silver locations from the latest bronze snapshot, then their "
        "anonymized copy and gold.",
        op_retry_policy=policy or retry_policy(),
    )


def build_update_history_job(policy: dg.RetryPolicy | None = None):
    """`update_history`: bronze days into the history, then their changes and daily counts, in one run."""
    return dg.define_asset_job(
        "update_history",
        selection=[silver_brewery_history, gold_brewery_changes, gold_brewery_counts_daily],
        description="Add the selected bronze days to the brewery history (rebuilding from the earliest of them "
        "when later days are held), then recompute their changes and daily counts.",
        op_retry_policy=policy or retry_policy(),
    )


ingest_bronze_job = build_ingest_bronze_job()
refresh_silver_gold_job = build_refresh_silver_gold_job()
update_history_job = build_update_history_job()
