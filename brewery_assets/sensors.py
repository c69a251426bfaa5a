"""`refresh_after_bronze`: after bronze ingests a day, rebuild every silver location and gold in one run.

Bronze (daily partitions) and silver (location partitions) cannot share a run, so the daily
refresh is two runs chained by this sensor: a successful run that materialized bronze_breweries
(the `daily_ingest` schedule's, the `ingest_bronze` job's, or bronze materialized from the UI)
requests `refresh_silver_gold` over all registered locations as one run (a partition range from
the first to the last key), so silver is one Spark job and a full rewrite, and gold follows.

Runs of a bronze backfill (several days) do not trigger it: silver reads only the newest
snapshot, so refreshing after each backfilled day would rebuild the same table many times. After
a day backfill, launch `refresh_silver_gold` (docs/operations.md, Backfill days) if the newest day changed.

The sensor starts RUNNING (`BREWERY_REFRESH_SENSOR_STATUS=STOPPED` changes that), so turning the
schedule on in the UI is enough for the whole daily refresh.
"""

import os

import dagster as dg

from brewery_assets import asset_names
from brewery_assets.jobs import refresh_silver_gold_job
from brewery_assets.partitions import all_locations_tags, location_partitions
from brewery_assets.schedules import default_status_from

STATUS_ENV = "BREWERY_REFRESH_SENSOR_STATUS"
SENSOR_NAME = "refresh_after_bronze"
BRONZE = dg.AssetKey(asset_names.BRONZE)

# Tags on the refresh run, so an operator can find which bronze run caused it.
AFTER_RUN_TAG = "brewery/after_bronze_run"
INGEST_DATE_TAG = "brewery/ingest_date"


def bronze_materialization(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.AssetMaterialization | None:
    """The bronze_breweries materialization of `run`, whatever launched it (schedule, job, asset page)."""
    # An empty selection means the whole job, so only a non-empty one without bronze rules a run out.
    if run.asset_selection and BRONZE not in run.asset_selection:
        return None
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        if entry.asset_materialization is not None and entry.asset_materialization.asset_key == BRONZE:
            return entry.asset_materialization
    return None


def refresh_decision(instance: dg.DagsterInstance, bronze_run: dg.DagsterRun) -> tuple[dg.RunRequest | None, str]:
    """The `refresh_silver_gold` request that follows a successful run (None when there is none), and why."""
    if bronze_materialization(instance, bronze_run) is None:
        return None, f"run {bronze_run.run_id} ({bronze_run.job_name}) did not ingest bronze"
    if "dagster/backfill" in bronze_run.tags:
        return None, f"run {bronze_run.run_id} is part of backfill {bronze_run.tags['dagster/backfill']}"
    keys = instance.get_dynamic_partitions(location_partitions.name)
    if not keys:
        return None, f"run {bronze_run.run_id}: no location partitions are registered (an empty snapshot)"
    request = dg.RunRequest(
        # One refresh per bronze run, however often the sensor is evaluated.
        run_key=f"after-{bronze_run.run_id}",
        tags={
            **all_locations_tags(keys),
            AFTER_RUN_TAG: bronze_run.run_id,
            INGEST_DATE_TAG: bronze_run.tags.get("dagster/partition", ""),
        },
    )
    return request, f"run {bronze_run.run_id} ingested bronze: refreshing {len(keys)} locations and gold"


def build_refresh_after_bronze_sensor(default_status: str | None = None) -> dg.RunStatusSensorDefinition:
    """The sensor; an unset `default_status` comes from `BREWERY_REFRESH_SENSOR_STATUS`, else RUNNING."""
    status = default_status_from(default_status or os.environ.get(STATUS_ENV), "RUNNING")

    @dg.run_status_sensor(
        name=SENSOR_NAME,
        run_status=dg.DagsterRunStatus.SUCCESS,
        # Every job of this code location: bronze materialized from the UI runs as an asset job,
        # not as `ingest_bronze`; `refresh_decision` keeps only the runs that ingested bronze.
        request_job=refresh_silver_gold_job,
        default_status=dg.DefaultSensorStatus[status],
        description="After a successful bronze ingestion (not a backfill), requests refresh_silver_gold over "
        "every registered location as one run.",
    )
    def refresh_after_bronze(context: dg.RunStatusSensorContext) -> dg.RunRequest | None:
        """Requests the silver and gold refresh that follows a successful bronze run."""
        # Never a SkipReason: one tick may see several runs, and Dagster fails a tick that mixes a
        # SkipReason with a RunRequest or holds two SkipReasons. The reason goes to the tick's log.
        request, reason = refresh_decision(context.instance, context.dagster_run)
        context.log.info(reason)
        return request

    return refresh_after_bronze


refresh_after_bronze_sensor = build_refresh_after_bronze_sensor()
