"""silver_breweries: the cleaned, typed, de-duplicated Delta table, one partition per location,
with its quarantine of rejected records and its anonymized copy.

The assets choose what to rebuild; the Spark work is `brewery_assets.spark_jobs` (write, audit,
publish), run in this process or elsewhere by the `spark` resource.

One writer per table: each asset is in a concurrency pool named after the table it writes, and
both instances (`dagster.yaml`, `deploy/dagster.yaml`) limit every pool to one step at a time, so
runs that write the same table wait for each other whatever launched them (UI, backfill,
schedule, sensor, CLI). The job's own commit check (`quality.wap`) backs that up.
"""

import os

import dagster as dg
from pydantic import Field

from brewery_assets import settings
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.metadata import OWNERS
from brewery_assets.assets.outcomes import add_location_metadata, events_of, preview_table
from brewery_assets.locations import parse_location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.quality import checks
from brewery_assets.quality.hash_key import SECRET_ID_ENV
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.spark_jobs import SparkJobRunner

# Concurrency pools: one per Delta table (the silver step also writes the quarantine).
SILVER_POOL = "lake_silver_breweries"
ANONYMIZED_POOL = "lake_silver_breweries_anonymized"


class SilverConfig(dg.Config):
    """Thresholds of silver's WARN checks (drift against the previously published table)."""

    volume_change_threshold: float = Field(
        default=0.2, description="Largest share the row count may move by before row_volume_change warns.")
    null_rate_drift_threshold: float = Field(
        default=0.1, description="Largest change of a column's null rate before null_rate_drift warns.")


def selected_locations(context: dg.AssetExecutionContext) -> list[list[str]] | None:
    """The run's locations as [country, state] pairs, or None when the run selects every registered one.

    Selecting every registered location rebuilds the whole table, so locations that left the
    source disappear.
    """
    selected = sorted(context.partition_keys)
    registered = set(context.instance.get_dynamic_partitions(location_partitions.name))
    if set(selected) >= registered:
        return None
    return [list(parse_location_key(key)) for key in selected]


@dg.asset(
    partitions_def=location_partitions,
    # Silver reads the newest complete bronze snapshot, which is normally today's partition.
    deps=[dg.AssetDep(bronze_breweries, partition_mapping=dg.LastPartitionMapping())],
    # Many locations in one run are one Spark job, not one job per location.
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=checks.SILVER_CHECK_SPECS,
    pool=SILVER_POOL,
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Breweries cleaned, typed and de-duplicated (one row per id), as a Delta table at "
    "silver/breweries with one physical partition per location (location_id); one Dagster partition per "
    "location. Records that cannot enter it are kept in silver/breweries_rejected with a reason. Published "
    "only when every blocking check passes on the whole table.",
)
def silver_breweries(
    context: dg.AssetExecutionContext, config: SilverConfig, lake: LakeResource, spark: SparkJobRunner
):
    """Rebuilds the selected locations from the latest bronze snapshot with write-audit-publish.

    The work is the `silver` Spark job (`brewery_assets.spark_jobs.silver`), run wherever the
    `spark` resource runs jobs. A failed blocking check records every check result and fails the
    step; the published table stays as it was.
    """
    request = {
        "locations": selected_locations(context),
        "run_id": context.run.run_id,
        "volume_change_threshold": config.volume_change_threshold,
        "null_rate_drift_threshold": config.null_rate_drift_threshold,
    }
    outcome = spark.run(context, "silver", lake.layout, request)
    if outcome.published:
        add_location_metadata(context, outcome, lambda entry: {
            "dagster/row_count": entry.get("rows", 0),
            "rejected": entry.get("rejected", 0),
            "duplicates_removed": entry.get("duplicates_removed", 0),
            "preview": preview_table(entry.get("preview", [])),
        })
    yield from events_of(outcome)


@dg.asset(
    partitions_def=location_partitions,
    deps=[silver_breweries],
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=checks.ANONYMIZED_CHECK_SPECS,
    pool=ANONYMIZED_POOL,
    # The copy follows silver: locations rebuilt without it (a silver-only backfill) are rebuilt by
    # the automation sensor, so the copy never keeps rows silver no longer has.
    automation_condition=dg.AutomationCondition.eager(),
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="silver_breweries for wider access: name, phone, address lines and website replaced by "
    "HMAC-SHA256 under a secret key (BREWERY_ANONYMIZATION_KEY), same partitions, at "
    "silver/breweries_anonymized. Reads one published silver version; each rebuilt location must hold "
    "exactly silver's rows. Rebuilt automatically after silver locations rebuilt without it.",
)
def silver_breweries_anonymized(context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkJobRunner):
    """Rebuilds the selected locations of the anonymized copy from the published silver table."""
    request = {
        "locations": selected_locations(context),
        "run_id": context.run.run_id,
        # The job may run elsewhere: it needs this deployment's rules and, on EMR, where the key is kept.
        "deployment": settings.deployment(),
        "key_secret_id": os.environ.get(SECRET_ID_ENV) or None,
    }
    outcome = spark.run(context, "anonymized", lake.layout, request)
    if outcome.published:
        add_location_metadata(context, outcome, lambda entry: {"dagster/row_count": entry.get("rows", 0)})
    if outcome.metadata.get("development_key"):
        context.log.warning("anonymized with the public development key: set BREWERY_ANONYMIZATION_KEY")
    yield from events_of(outcome)
