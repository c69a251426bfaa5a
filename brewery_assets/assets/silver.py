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

from brewery_assets import asset_names, settings
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.check_specs import check_specs
from brewery_assets.assets.events import add_location_metadata, events_of, preview_table
from brewery_assets.assets.metadata import OWNERS, column_schema
from brewery_assets.locations import parse_location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.quality.anonymization_key import SECRET_ID_ENV
from brewery_assets.resources.job_runners import SparkJobRunner
from brewery_assets.resources.lake import LakeResource
from brewery_assets.transformations.anonymize import ANONYMIZED_COLUMN_DOCS
from brewery_assets.transformations.silver import IDENTIFYING_COLUMNS, SILVER_COLUMN_DOCS

SILVER_SCHEMA = column_schema(SILVER_COLUMN_DOCS, IDENTIFYING_COLUMNS)
ANONYMIZED_SCHEMA = column_schema(ANONYMIZED_COLUMN_DOCS)

# Concurrency pools: one per Delta table (the silver step also writes the quarantine).
SILVER_POOL = "lake_silver_breweries"
ANONYMIZED_POOL = "lake_silver_breweries_anonymized"


class SilverConfig(dg.Config):
    """Thresholds of silver's WARN checks (drift against the previously published table)."""

    volume_change_threshold: float = Field(
        default=0.2, description="Largest share the row count may move by before row_volume_change warns.")
    null_rate_drift_threshold: float = Field(
        default=0.1, description="Largest change of a column's null rate before null_rate_drift warns.")


class AnonymizedConfig(dg.Config):
    """How coarse the anonymized copy is and how much it may still reveal. Unset, each setting comes
    from its environment variable, else its built-in default (docs/anonymized-copy.md)."""

    min_group_size: int | None = Field(
        default=None, description="k: a brewery type or map cell is shown only when at least this many breweries "
        "of the location share it (BREWERY_ANONYMIZED_MIN_GROUP_SIZE, default 5; 1 withholds nothing).")
    grid_degrees: float | None = Field(
        default=None, description="Width of a map cell in degrees (BREWERY_ANONYMIZED_GRID_DEGREES, default 1.0).")
    max_unique_share: float | None = Field(
        default=None, description="Largest share of rows unique on the columns kept in the clear before "
        "reidentification_risk blocks publishing (BREWERY_ANONYMIZED_MAX_UNIQUE_SHARE, default 0.01).")


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
    check_specs=check_specs(asset_names.SILVER),
    pool=SILVER_POOL,
    metadata={"dagster/column_schema": SILVER_SCHEMA},
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
    yield from events_of(outcome, {"dagster/column_schema": SILVER_SCHEMA})


@dg.asset(
    partitions_def=location_partitions,
    deps=[silver_breweries],
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=check_specs(asset_names.ANONYMIZED),
    pool=ANONYMIZED_POOL,
    metadata={"dagster/column_schema": ANONYMIZED_SCHEMA},
    # The copy follows silver: locations rebuilt without it (a silver-only backfill) are rebuilt by
    # the automation sensor, so the copy never keeps rows silver no longer has.
    automation_condition=dg.AutomationCondition.eager(),
    group_name="silver",
    kinds={"spark", "delta"},
    owners=OWNERS,
    description="silver_breweries for wider access, at silver/breweries_anonymized, same partitions: the id "
    "replaced by brewery_key (HMAC-SHA256 under BREWERY_ANONYMIZATION_KEY), only country, state, brewery type "
    "and a coarse map cell kept, type and cell withheld where fewer than k breweries of the location share "
    "them; names, addresses, phones, websites, cities, postal codes and exact coordinates left out. Reads one "
    "published silver version; each rebuilt location must hold exactly silver's rows, and at most 1 % (by "
    "default) of rows may be unique on the columns kept in the clear. Rebuilt automatically after silver "
    "locations rebuilt without it.",
)
def silver_breweries_anonymized(
    context: dg.AssetExecutionContext, config: AnonymizedConfig, lake: LakeResource, spark: SparkJobRunner
):
    """Rebuilds the selected locations of the anonymized copy from the published silver table.

    Each location's materialization has its rows, the rows unique on the columns kept in the clear
    and its smallest group; the `table_*` figures and the `reidentification_risk` check are the
    whole copy's.
    """
    request = {
        "locations": selected_locations(context),
        "run_id": context.run.run_id,
        # The job may run elsewhere: it needs this deployment's rules and, on EMR, where the key is kept.
        "deployment": settings.deployment(),
        "key_secret_id": os.environ.get(SECRET_ID_ENV) or None,
    }
    try:
        request.update(settings.anonymized_settings(config.model_dump()))
    except ValueError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None
    outcome = spark.run(context, "anonymized", lake.layout, request)
    if outcome.published:
        add_location_metadata(context, outcome, lambda entry: {
            "dagster/row_count": entry.get("rows", 0),
            "unique_rows": entry.get("unique_rows", 0),
            "unique_row_share": entry.get("unique_row_share", 0.0),
            # An emptied location has no group at all.
            **({"smallest_group": entry["smallest_group"]} if "smallest_group" in entry else {}),
            "brewery_type_shown": entry.get("brewery_type_shown", 0),
            "cell_shown": entry.get("cell_shown", 0),
        })
    if outcome.metadata.get("development_key"):
        context.log.warning("anonymized with the public development key: set BREWERY_ANONYMIZATION_KEY")
    yield from events_of(outcome, {"dagster/column_schema": ANONYMIZED_SCHEMA})
