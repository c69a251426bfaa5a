"""silver_breweries: the cleaned, typed, de-duplicated Delta table, partitioned by country and state,
with its quarantine of rejected records and its anonymized copy.

The assets choose what to rebuild; the Spark work is `brewery_assets.spark_jobs` (write, audit,
publish), run in this process or elsewhere by the `spark` resource.
"""

import os

import dagster as dg
from pydantic import Field

from brewery_assets import settings
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.metadata import OWNERS
from brewery_assets.assets.outcomes import events_of
from brewery_assets.locations import parse_location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.quality import checks
from brewery_assets.quality.hash_key import SECRET_ID_ENV
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.spark_jobs import SparkJobRunner


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
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="Breweries cleaned, typed and de-duplicated (one row per id), as a Delta table at "
    "silver/breweries physically partitioned by country and state; one Dagster partition per location. "
    "Records that cannot enter it are kept in silver/breweries_rejected with a reason. Published only "
    "when every blocking check passes.",
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
        "locations_rebuilt": len(context.partition_keys),
        "volume_change_threshold": config.volume_change_threshold,
        "null_rate_drift_threshold": config.null_rate_drift_threshold,
    }
    outcome = spark.run_job(context, "silver", lake.layout, request)
    yield from events_of(outcome)


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
def silver_breweries_anonymized(context: dg.AssetExecutionContext, lake: LakeResource, spark: SparkJobRunner):
    """Rebuilds the selected locations of the anonymized copy from the published silver table."""
    request = {
        "locations": selected_locations(context),
        # The job may run elsewhere: it needs this deployment's rules and, on EMR, where the key is kept.
        "deployment": settings.deployment(),
        "key_secret_id": os.environ.get(SECRET_ID_ENV) or None,
    }
    outcome = spark.run_job(context, "anonymized", lake.layout, request)
    if outcome.metadata.get("development_key"):
        context.log.warning("anonymized with the public development key: set BREWERY_ANONYMIZATION_KEY")
    yield from events_of(outcome)
