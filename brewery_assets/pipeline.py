"""The main job in process: one day's bronze, then every silver location and gold."""

import datetime as dt

import dagster as dg

from brewery_assets.jobs import ingest_bronze_job, refresh_silver_gold_job
from brewery_assets.partitions import location_partitions


class PipelineFailed(RuntimeError):
    """A run of the main job failed; the message names the run and its failed steps."""


def run_daily_refresh(
    defs: dg.Definitions, instance: dg.DagsterInstance, ingest_date: dt.date
) -> list[dg.ExecuteInProcessResult]:
    """Runs `ingest_bronze` for `ingest_date`, then `refresh_silver_gold` over every location, in process.

    Silver's locations are one run (one Spark job) through a partition range covering all keys.
    Raises `PipelineFailed` on the first failed run.
    """
    bronze = defs.resolve_job_def(ingest_bronze_job.name).execute_in_process(
        partition_key=ingest_date.isoformat(), instance=instance, raise_on_error=False
    )
    _check(bronze)
    keys = instance.get_dynamic_partitions(location_partitions.name)
    if not keys:
        raise PipelineFailed("bronze registered no locations: the snapshot is empty")
    refresh = defs.resolve_job_def(refresh_silver_gold_job.name).execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]},
        raise_on_error=False,
    )
    _check(refresh)
    return [bronze, refresh]


def _check(result: dg.ExecuteInProcessResult) -> None:
    if result.success:
        return
    failures = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip() if event.step_failure_data.error else ''}"
        for event in result.get_step_failure_events()
    ]
    raise PipelineFailed(f"run {result.run_id} ({result.job_def.name}) failed: " + "; ".join(failures))
