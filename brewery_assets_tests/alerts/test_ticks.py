"""The sensors evaluated as the daemon does (`evaluate_tick`): cursors, job matching, resource injection."""

import dagster as dg

from brewery_assets.alerts import alert_resources
from brewery_assets.alerts.check_failures import build_check_failure_sensor
from brewery_assets.alerts.config import alert_settings_from_env
from brewery_assets.alerts.run_failure import build_run_failure_sensor
from brewery_assets.alerts.run_summary import build_run_summary_sensor
from brewery_assets_tests.alerts.fake_slack import FakeSlack, assert_token_absent
from brewery_assets_tests.alerts.sample_assets import (
    broken_silver,
    bronze_breweries,
    checked_silver,
    gold_brewery_counts,
    refresh_silver_gold,
    silver_breweries,
)


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None, defs: dg.Definitions):
    """One daemon-style evaluation; returns the tick's data (cursor, skip message)."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, sensor_name=sensor.name, definitions=defs, resources=alert_resources()
    )
    return sensor.evaluate_tick(context)


def test_all_three_sensors_through_tick_evaluation(instance: dg.DagsterInstance, slack_env: FakeSlack):
    settings = alert_settings_from_env()
    running = dg.DefaultSensorStatus.RUNNING
    sensors = [
        build_run_failure_sensor(settings.ui_url, default_status=running),
        build_check_failure_sensor(settings.ui_url, settings.check_severities, default_status=running),
        build_run_summary_sensor(settings.ui_url, [refresh_silver_gold], default_status=running),
    ]
    defs = dg.Definitions(
        assets=[bronze_breweries, silver_breweries, gold_brewery_counts, broken_silver, checked_silver],
        jobs=[refresh_silver_gold],
        sensors=sensors,
        resources=alert_resources(),
    )

    # First ticks only set the cursors: nothing that happened before a sensor existed is posted.
    cursors = {sensor.name: tick(sensor, instance, None, defs).cursor for sensor in sensors}
    assert slack_env.requests == []

    dg.materialize([broken_silver], instance=instance, partition_key="Ireland/Dublin", raise_on_error=False)
    dg.materialize([checked_silver], instance=instance, partition_key="United States/Texas")
    dg.materialize([bronze_breweries], instance=instance, partition_key="2026-01-06")
    defs.resolve_job_def("refresh_silver_gold").execute_in_process(instance=instance, partition_key="Austria/Wien")

    for sensor in sensors:
        data = tick(sensor, instance, cursors[sensor.name], defs)
        cursors[sensor.name] = data.cursor
    texts = slack_env.delivered
    assert len(texts) == 3
    assert texts[0].startswith(":rotating_light: *Run failed*") and "`Ireland/Dublin`" in texts[0]
    assert texts[1].startswith(":warning: *2 asset checks failed*")
    assert texts[2].startswith(":white_check_mark: *Refresh succeeded*: job `refresh_silver_gold`")

    # Ticks after that post nothing more.
    for sensor in sensors:
        tick(sensor, instance, cursors[sensor.name], defs)
    assert len(slack_env.requests) == 3
    assert_token_absent(*texts, *(cursor or "" for cursor in cursors.values()))
