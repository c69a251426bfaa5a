"""The success summary of `refresh_silver_gold` on stand-in assets: layout, this run's figures, Slack errors.

The summary of a real refresh (the real assets' check metadata, the quarantine table) is in
test_on_real_runs.py.
"""

import dagster as dg
import pytest

from brewery_assets.alerts import alert_sensors
from brewery_assets_tests.alerts.fake_slack import FakeSlack, assert_token_absent
from brewery_assets_tests.alerts.sample_assets import bronze_breweries, lake_defs

UI = "http://dagster.test:3000"


def refresh(instance: dg.DagsterInstance, partition: str, **figures: int) -> dg.ExecuteInProcessResult:
    config = {"config": figures}
    return lake_defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance,
        partition_key=partition,
        run_config={"ops": {"silver_breweries": config, "gold_brewery_counts": config}},
    )


def evaluate(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, resources: dict) -> None:
    sensor = next(sensor for sensor in alert_sensors() if sensor.name == "slack_refresh_summary")
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources=resources,
    )
    sensor(context)


def test_summary_reports_the_figures_of_the_run(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, caplog, capsys
):
    dg.materialize([bronze_breweries], instance=instance, partition_key="2026-01-05",
                   run_config={"ops": {"bronze_breweries": {"config": {"records": 11790}}}})
    dg.materialize([bronze_breweries], instance=instance, partition_key="2026-01-06")
    result = refresh(instance, "United States/Texas", records=11822, table_rows=11650, rejected=160,
                     duplicates_removed=12, breweries=11650)

    evaluate(instance, result, slack_resources)

    assert slack.delivered == [
        "\n".join([
            f":white_check_mark: *Refresh succeeded*: job `refresh_silver_gold`, run `{result.run_id}`",
            "- Records ingested (bronze 2026-01-06): 11,822",
            "- Silver rows: 11,650",
            "- Rejected: 172 (of which duplicates 12)",
            "- Locations rebuilt: 1",
            "- Gold total breweries: 11,650",
            f"<{UI}/runs/{result.run_id}|Open the run in Dagster>",
        ])
    ]
    captured = capsys.readouterr()
    assert_token_absent(slack.requests[0].raw, caplog.text, captured.out, captured.err)


def test_summary_reads_this_runs_figures_not_a_later_runs(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    first = refresh(instance, "Ireland/Dublin", records=103, table_rows=100, rejected=3, breweries=100)
    refresh(instance, "Austria/Wien", records=200, table_rows=200, breweries=200)

    evaluate(instance, first, slack_resources)

    text = slack.delivered[0]
    assert "- Records ingested: 103" in text  # no bronze materialization here: no bronze day to name
    assert "- Silver rows: 100\n- Rejected: 3 (of which duplicates 0)" in text
    assert "- Gold total breweries: 100" in text


def test_a_run_without_silver_figures_says_so(instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack):
    result = lake_defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key="Ireland/Dublin", asset_selection=[dg.AssetKey("gold_brewery_counts")]
    )

    evaluate(instance, result, slack_resources)

    text = slack.delivered[0]
    assert "- Records ingested: n/a\n- Silver rows: n/a\n- Rejected: n/a\n- Locations rebuilt: n/a" in text


@pytest.mark.parametrize("error", ["invalid_auth", "ratelimited"])
def test_summary_post_failure_is_logged_not_raised(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, error: str, caplog, capsys
):
    slack.default_outcome = error
    result = refresh(instance, "Ireland/Dublin")

    evaluate(instance, result, slack_resources)

    assert slack.delivered == []
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    assert f"failed: {error}" in logs
    assert_token_absent(logs)
