"""The daily schedule, the refresh sensor and step retries, evaluated and run against a real instance."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from deltalake import DeltaTable

from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.definitions import ASSETS
from brewery_assets.definitions import defs as code_location
from brewery_assets.jobs import build_ingest_bronze_job, retry_policy
from brewery_assets.lake import LakeLayout
from brewery_assets.partitions import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    ingest_date_partitions,
    location_partitions,
)
from brewery_assets.replay import ReplayServer
from brewery_assets.replay.server import Response
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.schedules import build_daily_ingest_schedule
from brewery_assets.sensors import (
    AFTER_RUN_TAG,
    INGEST_DATE_TAG,
    build_refresh_after_bronze_sensor,
    refresh_decision,
)
from brewery_assets_tests.orchestration.conftest import DAY, lake_definitions, lake_resources

BERLIN = ZoneInfo("Europe/Berlin")


def evaluate(schedule: dg.ScheduleDefinition, instance: dg.DagsterInstance, at: dt.datetime):
    """One scheduler tick at `at`, as the daemon evaluates it (partition tags resolved against the job)."""
    repository = dg.Definitions(
        assets=ASSETS, schedules=[schedule],
        resources=lake_resources("unused", "http://127.0.0.1:9/v1"),
    ).get_repository_def()
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=at, repository_def=repository)
    return schedule.evaluate_tick(context)


def sensor_tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None, defs: dg.Definitions):
    """One sensor tick as the daemon evaluates it; returns the tick's data."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, sensor_name=sensor.name, definitions=defs)
    return sensor.evaluate_tick(context)


def test_the_code_location_has_the_schedule_and_the_sensor_with_documented_defaults():
    schedule = code_location.resolve_schedule_def("daily_ingest")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "ingest_bronze"
    sensor = code_location.resolve_sensor_def("refresh_after_bronze")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert [job.name for job in sensor.jobs] == ["refresh_silver_gold"]
    expected = retry_policy()
    assert expected.backoff == dg.Backoff.EXPONENTIAL and expected.max_retries == 3 and expected.delay == 30
    for name in ("ingest_bronze", "refresh_silver_gold"):
        assert code_location.resolve_job_def(name).op_retry_policy == expected


def test_cron_timezone_and_status_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("BREWERY_SCHEDULE_CRON", "15 4 * * 1-5")
    monkeypatch.setenv("BREWERY_SCHEDULE_TIMEZONE", "America/Chicago")
    monkeypatch.setenv("BREWERY_SCHEDULE_STATUS", "running")
    monkeypatch.setenv("BREWERY_REFRESH_SENSOR_STATUS", "STOPPED")
    schedule = build_daily_ingest_schedule()
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 4 * * 1-5", "America/Chicago")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert build_refresh_after_bronze_sensor().default_status == dg.DefaultSensorStatus.STOPPED

    monkeypatch.setenv("BREWERY_SCHEDULE_STATUS", "sometimes")
    with pytest.raises(ValueError, match="STOPPED or RUNNING"):
        build_daily_ingest_schedule()


def test_each_tick_requests_the_days_bronze_partition_in_utc(instance):
    schedule = build_daily_ingest_schedule(cron="30 0 * * *", timezone="Europe/Berlin")

    # 00:30 in Berlin on the 23rd is still the 22nd in UTC, the bronze partitions' timezone.
    data = evaluate(schedule, instance, dt.datetime(2026, 11, 23, 0, 30, tzinfo=BERLIN))
    assert [(r.partition_key, r.run_key) for r in data.run_requests] == [("2026-11-22", "2026-11-22")]
    assert data.run_requests[0].tags["dagster/partition"] == "2026-11-22"

    data = evaluate(schedule, instance, dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))
    assert [r.partition_key for r in data.run_requests] == ["2026-11-23"]
    # The requested key is a partition of bronze at that moment (the partitions run up to today in UTC).
    assert "2026-11-23" in ingest_date_partitions.get_partition_keys(
        current_time=dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))


def test_the_schedule_chains_the_refresh_and_skips_an_ingested_day(api, tmp_path, instance):
    """Tick -> bronze run -> sensor tick -> one refresh run over every location -> silver and gold."""
    layout = LakeLayout(str(tmp_path / "lake"))
    defs = lake_definitions(layout.root, api.url)
    schedule = build_daily_ingest_schedule()
    sensor = build_refresh_after_bronze_sensor()
    cursor = sensor_tick(sensor, instance, None, defs).cursor  # the first tick only starts the cursor

    tick_time = dt.datetime.combine(DAY, dt.time(6, 0), tzinfo=dt.UTC)
    [request] = evaluate(schedule, instance, tick_time).run_requests
    bronze = defs.resolve_job_def("ingest_bronze").execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags)
    assert bronze.success

    data = sensor_tick(sensor, instance, cursor, defs)
    [refresh] = data.run_requests
    keys = instance.get_dynamic_partitions(location_partitions.name)
    assert len(keys) == 82
    assert refresh.run_key == f"after-{bronze.run_id}"
    assert refresh.tags[PARTITION_RANGE_START_TAG] == keys[0]
    assert refresh.tags[PARTITION_RANGE_END_TAG] == keys[-1]
    assert refresh.tags[AFTER_RUN_TAG] == bronze.run_id and refresh.tags[INGEST_DATE_TAG] == DAY.isoformat()

    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(instance=instance, tags=refresh.tags)
    assert result.success
    silver_events = [e for e in result.get_asset_materialization_events()
                     if e.asset_key == dg.AssetKey("silver_breweries")]
    assert sorted(e.partition for e in silver_events) == sorted(keys)  # one run, every location
    silver = DeltaTable(layout.silver_breweries).to_pandas()
    gold = DeltaTable(layout.gold_brewery_counts).to_pandas()
    assert len(silver[["country", "state"]].drop_duplicates()) == 82
    assert gold["brewery_count"].sum() == len(silver) > 250

    # The refresh run itself does not trigger another refresh, and the day is not ingested twice.
    assert sensor_tick(sensor, instance, data.cursor, defs).run_requests == []
    skipped = evaluate(schedule, instance, tick_time + dt.timedelta(hours=1))
    assert skipped.run_requests == [] and "already materialized" in skipped.skip_message


def test_one_tick_over_several_runs_requests_one_refresh_per_ingestion(api, tmp_path, instance):
    """A backfill's bronze run, an asset-page bronze run and a refresh run, all seen by one tick."""
    defs = lake_definitions(str(tmp_path / "lake"), api.url)
    sensor = build_refresh_after_bronze_sensor()
    cursor = sensor_tick(sensor, instance, None, defs).cursor

    backfilled = defs.resolve_job_def("ingest_bronze").execute_in_process(
        instance=instance, partition_key="2026-11-18", tags={"dagster/backfill": "abcdefgh"})
    # Materializing bronze from its asset page runs an asset job, not `ingest_bronze`: still a refresh.
    asset_run = dg.materialize(
        [bronze_breweries], instance=instance, partition_key="2026-11-19",
        resources={"lake": LakeResource(root=str(tmp_path / "lake")),
                   "openbrewerydb": OpenBreweryDBResource(base_url=api.url)})
    refresh = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key=instance.get_dynamic_partitions(location_partitions.name)[0])
    assert backfilled.success and asset_run.success and refresh.success

    data = sensor_tick(sensor, instance, cursor, defs)
    assert [request.tags[AFTER_RUN_TAG] for request in data.run_requests] == [asset_run.run_id]
    reasons = {run.run_id: refresh_decision(instance, instance.get_run_by_id(run.run_id))[1]
               for run in (backfilled, refresh)}
    assert reasons[backfilled.run_id].endswith("is part of backfill abcdefgh")
    assert reasons[refresh.run_id].endswith("(refresh_silver_gold) did not ingest bronze")


def test_an_outage_longer_than_the_clients_retries_is_retried_by_the_step_policy(catalogue, tmp_path):
    """The API answers 503 to the first two requests; the client's one retry is not enough, the step's is.

    The client retries each request (here once, quickly); what outlasts that fails the step, and the
    job's RetryPolicy runs it again. A rejected request (a 4xx) is not retried: it would fail again.
    """

    def outage(request, response: Response) -> Response:
        return Response(503, b'{"message": "Service Unavailable"}') if request.number <= 2 else response

    job = build_ingest_bronze_job(retry_policy(max_retries=2, delay=0.2))
    with ReplayServer(catalogue, before_response=outage) as server:
        defs = dg.Definitions(
            assets=[bronze_breweries], jobs=[job],
            resources={"lake": LakeResource(root=str(tmp_path / "lake")),
                       "openbrewerydb": OpenBreweryDBResource(base_url=server.url)})
        result = defs.resolve_job_def("ingest_bronze").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), partition_key=DAY.isoformat(),
            run_config={"ops": {"bronze_breweries": {"config": {"max_retries": 1, "backoff_seconds": 0.05}}}})

    assert result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 1
    assert "HTTP 503" in str(retries[0].event_specific_data.error)  # the reason is kept on the event
    assert result.asset_materializations_for_node("bronze_breweries")[0].metadata["records"].value == len(catalogue)
