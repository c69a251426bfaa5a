"""The daily schedule: ingest today's bronze snapshot; the `refresh_after_bronze` sensor then refreshes silver and gold.

Configured from the environment, no code change needed:

    BREWERY_SCHEDULE_CRON      cron of the ingestion          default `0 6 * * *` (06:00 every day)
    BREWERY_SCHEDULE_TIMEZONE  timezone the cron is read in   default `UTC`
    BREWERY_SCHEDULE_STATUS    STOPPED or RUNNING             default STOPPED

The schedule starts STOPPED so that a laptop running `make dev` does not start ingesting on its own;
production sets `BREWERY_SCHEDULE_STATUS=RUNNING`, and it can always be switched in the UI.

The ingested day is the tick's date in UTC, the bronze partitions' timezone, so the requested
partition always exists (they run up to today in UTC) whatever the schedule's own timezone.
"""

import datetime as dt
import os

import dagster as dg

from brewery_assets import asset_names
from brewery_assets.jobs import ingest_bronze_job
from brewery_assets.partitions import ingest_date_at

CRON_ENV = "BREWERY_SCHEDULE_CRON"
TIMEZONE_ENV = "BREWERY_SCHEDULE_TIMEZONE"
STATUS_ENV = "BREWERY_SCHEDULE_STATUS"

DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"

SCHEDULE_NAME = "daily_ingest"
BRONZE = dg.AssetKey(asset_names.BRONZE)


def default_status_from(value: str | None, fallback: str) -> str:
    """`value` upper-cased when it is STOPPED or RUNNING, `fallback` when unset; anything else is an error."""
    status = (value or fallback).strip().upper()
    if status not in ("STOPPED", "RUNNING"):
        raise ValueError(f"a default status is STOPPED or RUNNING, got {value!r}")
    return status


def ingest_date_for(tick_time: dt.datetime) -> str:
    """The bronze partition a tick at `tick_time` ingests: its calendar date in the partitions' timezone (UTC)."""
    return ingest_date_at(tick_time).isoformat()


def day_is_ingested(instance: dg.DagsterInstance, day: str) -> bool:
    """Whether bronze_breweries has a materialization for partition `day` (a complete snapshot)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=BRONZE, asset_partitions=[day]), limit=1
    ).records
    return bool(records)


def build_daily_ingest_schedule(
    cron: str | None = None, timezone: str | None = None, default_status: str | None = None
) -> dg.ScheduleDefinition:
    """The daily schedule of `ingest_bronze`; unset arguments come from the environment, then the defaults."""
    cron = cron or os.environ.get(CRON_ENV) or DEFAULT_CRON
    timezone = timezone or os.environ.get(TIMEZONE_ENV) or DEFAULT_TIMEZONE
    status = default_status_from(default_status or os.environ.get(STATUS_ENV), "STOPPED")

    @dg.schedule(
        name=SCHEDULE_NAME,
        cron_schedule=cron,
        execution_timezone=timezone,
        job=ingest_bronze_job,
        default_status=dg.DefaultScheduleStatus[status],
        description=f"Ingests today's bronze snapshot ({cron}, {timezone}); the refresh_after_bronze sensor "
        "then rebuilds every silver location and gold in one run.",
    )
    def daily_ingest(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        """Requests today's `ingest_bronze` partition once per day; skips a day that is already ingested."""
        day = ingest_date_for(context.scheduled_execution_time)
        # A day already ingested (by hand, or by an earlier tick) is not fetched again: the API
        # would be asked for the same catalogue twice and the refresh would run twice.
        if day_is_ingested(context.instance, day):
            return dg.SkipReason(f"bronze_breweries {day} is already materialized")
        # The run key makes a second tick on the same day (a cron with several times a day, a
        # restarted daemon catching up) a no-op instead of a second snapshot of the same day.
        return dg.RunRequest(run_key=day, partition_key=day)

    return daily_ingest


daily_ingest_schedule = build_daily_ingest_schedule()
