"""Every alert on the real assets: a real refresh through the code location's definitions, a real lake,
then each sensor on that run, posting to the fake Slack over HTTP.

The stand-in tests next to this one cover message layout, cursors and Slack errors quickly; these
make sure the figures the sensors read are the ones the real assets write.
"""

import datetime as dt

import dagster as dg
from deltalake import DeltaTable

from brewery_assets.alerts import alert_sensors
from brewery_assets_tests.alerts.fake_slack import FakeSlack
from brewery_assets_tests.quality.lake_runs import definitions, refresh_all, register_locations, write_bronze
from brewery_assets_tests.transformations.edge_records import BROKEN_LINES, EDGE_RECORDS

DAY = dt.date(2026, 11, 22)
UI = "http://dagster.test:3000"


def sensor_named(name: str) -> dg.SensorDefinition:
    return next(sensor for sensor in alert_sensors() if sensor.name == name)


def real_refresh(layout, instance: dg.DagsterInstance, **bronze) -> dg.ExecuteInProcessResult:
    """Bronze of the edge records (unreadable lines, missing ids, repeated ids), then the real refresh."""
    manifest = write_bronze(layout, DAY, EDGE_RECORDS, BROKEN_LINES, **bronze)
    register_locations(instance, manifest)
    return refresh_all(definitions(layout), instance)


def test_summary_of_a_real_refresh_counts_the_quarantine_table(
    layout, instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    result = real_refresh(layout, instance)
    assert result.success
    quarantine = DeltaTable(layout.silver_rejected).to_pandas()
    duplicates = int((quarantine["reject_reason"] == "duplicate_id").sum())
    assert len(quarantine) > duplicates > 0  # the snapshot has both kinds of rejected records

    sensor = sensor_named("slack_refresh_summary")
    sensor(dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=result.get_run_success_event(), dagster_instance=instance,
        dagster_run=result.dagster_run, resources=slack_resources,
    ))

    (text,) = slack.delivered
    silver_rows = len(DeltaTable(layout.silver_breweries).to_pandas())
    gold_total = int(DeltaTable(layout.gold_brewery_counts).to_pandas()["brewery_count"].sum())
    locations = len(instance.get_dynamic_partitions("brewery_locations"))
    assert text.splitlines()[1:-1] == [
        f"- Records ingested: {len(EDGE_RECORDS) + len(BROKEN_LINES)}",
        f"- Silver rows: {silver_rows}",
        f"- Rejected: {len(quarantine)} (of which duplicates {duplicates})",
        f"- Locations rebuilt: {locations}",
        f"- Gold total breweries: {gold_total}",
    ]


def test_a_real_blocking_check_failure_is_posted_by_the_run_and_check_sensors(
    layout, instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    # A manifest counting one record more than its pages hold: reconciles_with_bronze fails and blocks.
    counted = len(EDGE_RECORDS) + len(BROKEN_LINES) + 1
    result = real_refresh(layout, instance, manifest_records=counted)
    assert not result.success

    run_sensor = sensor_named("slack_on_run_failure")
    run_sensor(dg.build_run_status_sensor_context(
        sensor_name=run_sensor.name, dagster_event=result.get_run_failure_event(), dagster_instance=instance,
        dagster_run=result.dagster_run, resources=slack_resources,
    ).for_run_failure())
    check_context = dg.build_sensor_context(instance=instance, cursor="0", resources=slack_resources)
    sensor_named("slack_on_asset_check_failure")(check_context)

    run_text, check_text = slack.delivered
    assert run_text.startswith(":rotating_light: *Run failed*: job `refresh_silver_gold`")
    assert "*Failed assets:* `silver_breweries`" in run_text
    assert "silver not published: blocking checks failed (reconciles_with_bronze" in run_text

    # The blocking ERROR check, and the WARN one the edge records' unknown fields and types fail.
    header, error_line, warn_line = check_text.splitlines()
    assert header == ":warning: *2 asset checks failed* (ERROR: 1, WARN: 1)"
    assert error_line.startswith("- *ERROR* `silver_breweries` partition ")
    assert "check `reconciles_with_bronze`" in error_line
    assert f"bronze_records={counted}" in error_line
    assert warn_line.startswith("- *WARN* `silver_breweries` partition ")
    assert "check `source_schema_drift`" in warn_line
    assert all(f"<{UI}/runs/{result.run_id}|run>" in line for line in (error_line, warn_line))
