"""The main job in process: one day's bronze, then every silver location and gold, then the day's history."""

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable

import dagster as dg

from brewery_assets.dead_runs import fail_dead_runs
from brewery_assets.jobs import ingest_bronze_job, refresh_silver_gold_job, update_history_job
from brewery_assets.partitions import all_locations_tags, location_partitions
from brewery_assets.progress import RunProgress

# Bronze's run config that ingests a day again even when it already has a complete snapshot.
BRONZE_REFETCH = {"ops": {"bronze_breweries": {"config": {"if_complete": "force"}}}}


class PipelineFailed(RuntimeError):
    """A run of the main job failed; the message names the run and its failed steps."""


def console_log_config(level: str) -> dict:
    """Run config setting the level of Dagster's console log (the instance keeps every event whatever it is)."""
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def run_daily_refresh(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    ingest_date: dt.date,
    progress: Callable[[str], None] | None = None,
    console_level: str | None = None,
    refetch: bool = False,
) -> list[dg.ExecuteInProcessResult]:
    """Runs `ingest_bronze` for `ingest_date`, `refresh_silver_gold` over every location, then
    `update_history` for `ingest_date`, in process.

    Silver's locations are one run (one Spark job) through a partition range covering all keys.
    `progress`, when given, receives a short line per run and per step as they happen;
    `console_level` sets Dagster's console log level (its default prints every DEBUG event).
    A day that already has a complete bronze snapshot keeps it unless `refetch` is set.
    Raises `PipelineFailed` on the first failed run.
    """
    run_config = console_log_config(console_level) if console_level else None
    bronze_config = {**(run_config or {}), **(BRONZE_REFETCH if refetch else {})} or None
    # A run killed earlier without recording its end would hold the lake's pools for ever.
    for run_id in fail_dead_runs(instance):
        if progress:
            progress(f"run {run_id} had died without recording its end: marked failed")
    bronze = _execute(defs, ingest_bronze_job.name, instance, progress, f"day {ingest_date.isoformat()}",
                      partition_key=ingest_date.isoformat(), run_config=bronze_config)
    keys = instance.get_dynamic_partitions(location_partitions.name)
    if not keys:
        raise PipelineFailed("bronze registered no locations: the snapshot is empty")
    # Dagster records a planned materialization per location and asset before the first step starts.
    scope = (f"{len(keys):,} locations in one run; Dagster records the run's plan first "
             "(a few seconds per hundred locations)")
    refresh = _execute(defs, refresh_silver_gold_job.name, instance, progress, scope,
                       tags=all_locations_tags(keys),
                       run_config=run_config)
    # After silver, so that the history's current versions are compared with silver's published rows.
    history = _execute(defs, update_history_job.name, instance, progress, f"day {ingest_date.isoformat()}",
                       partition_key=ingest_date.isoformat(), run_config=run_config)
    return [bronze, refresh, history]


def _execute(defs: dg.Definitions, job_name: str, instance: dg.DagsterInstance,
             progress: Callable[[str], None] | None, scope: str, **options) -> dg.ExecuteInProcessResult:
    run_id = str(uuid.uuid4())
    if progress:
        progress(f"{job_name}, run {run_id}: {scope} ...")
    watching = RunProgress(instance, run_id, progress) if progress else contextlib.nullcontext()
    with watching:
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, run_id=run_id, raise_on_error=False, **options)
    _check(result)
    return result


def failure_cause(event: dg.DagsterEvent) -> str:
    """What a failed step says went wrong: its `Failure` description, else the first line of its error."""
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description.strip()
    message = data.error.message.strip() if data.error else "no error recorded"
    return message.splitlines()[0] if message else message


def _check(result: dg.ExecuteInProcessResult) -> None:
    if result.success:
        return
    failures = [f"{event.step_key}: {failure_cause(event)}" for event in result.get_step_failure_events()]
    raise PipelineFailed(f"run {result.run_id} ({result.job_def.name}) failed: "
                         + ("; ".join(failures) or "the run failed before any step ran"))
