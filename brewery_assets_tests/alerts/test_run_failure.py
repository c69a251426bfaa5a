"""The run-failure sensor: exact message for a failed partitioned run, dg.Failure, Slack errors."""

import dagster as dg
import pytest

from brewery_assets.alerts import alert_sensors
from brewery_assets.alerts.run_failure import run_partition
from brewery_assets_tests.alerts.fake_slack import CHANNEL, TOKEN, FakeSlack, assert_token_absent
from brewery_assets_tests.alerts.sample_assets import broken_bronze, broken_silver

UI = "http://dagster.test:3000"
WHAT_TO_DO = (
    "*What to do:* read the error in the run's logs, fix the cause (data, configuration or code), "
    'then use "Re-execute from failure" on the run page.'
)


def sensor_named(name: str) -> dg.SensorDefinition:
    return next(sensor for sensor in alert_sensors() if sensor.name == name)


def evaluate(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, resources: dict) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name="slack_on_run_failure",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources=resources,
    ).for_run_failure()
    sensor_named("slack_on_run_failure")(context)


def test_failed_partitioned_run_is_posted_with_error_lines_and_link(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, caplog, capsys
):
    result = dg.materialize(
        [broken_silver], instance=instance, partition_key="United States/Texas", raise_on_error=False
    )
    assert not result.success

    evaluate(instance, result, slack_resources)

    run_id = result.run_id
    assert slack.delivered == [
        "\n".join([
            ":rotating_light: *Run failed*: job `__ephemeral_asset_job__`",
            f"*Run:* `{run_id}`",
            "*Failed assets:* `broken_silver`",
            "*Partition:* `United States/Texas`",
            "*Error* in step `broken_silver`:",
            "```ValueError: silver rebuild failed: 3 rows without id &lt;raw&gt;",
            "second line",
            "third line",
            "fourth line",
            "...```",
            f"*Logs:* <{UI}/runs/{run_id}|{UI}/runs/{run_id}>",
            WHAT_TO_DO,
        ])
    ]
    request = slack.requests[0]
    assert request.path == "/api/chat.postMessage"
    assert request.body["channel"] == CHANNEL
    assert request.authorization == f"Bearer {TOKEN}"
    captured = capsys.readouterr()
    assert_token_absent(request.raw, caplog.text, captured.out, captured.err)


def test_failure_description_is_the_error_of_a_dg_failure(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    result = dg.materialize([broken_bronze], instance=instance, partition_key="2026-01-06", raise_on_error=False)

    evaluate(instance, result, slack_resources)

    (text,) = slack.delivered
    assert "*Failed assets:* `broken_bronze`" in text
    assert "*Partition:* `2026-01-06`" in text
    assert (
        "```Failure: no complete bronze snapshot under /lake/bronze: materialize bronze first```" in text
    )


@pytest.mark.parametrize("error", ["invalid_auth", "channel_not_found"])
def test_slack_error_is_logged_and_the_sensor_does_not_raise(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, error: str, caplog, capsys
):
    slack.default_outcome = error
    result = dg.materialize(
        [broken_silver], instance=instance, partition_key="Ireland/Dublin", raise_on_error=False
    )

    evaluate(instance, result, slack_resources)

    assert slack.delivered == []
    assert len(slack.requests) == 1
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    assert f"Slack chat.postMessage to {CHANNEL} failed: {error} (HTTP 200)" in logs
    assert_token_absent(logs)


def test_rate_limited_post_waits_for_retry_after_then_succeeds(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    slack.script = ["ratelimited"]
    result = dg.materialize([broken_silver], instance=instance, partition_key="Austria/Wien", raise_on_error=False)

    evaluate(instance, result, slack_resources)

    assert [request.status for request in slack.requests] == [429, 200]
    assert len(slack.delivered) == 1
    assert "*Partition:* `Austria/Wien`" in slack.delivered[0]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"dagster/partition": "Ireland/Dublin"}, "Ireland/Dublin"),
        (
            {"dagster/asset_partition_range_start": "Austria/Wien",
             "dagster/asset_partition_range_end": "United States/Texas"},
            "Austria/Wien...United States/Texas",
        ),
        (
            {"dagster/asset_partition_range_start": "2026-01-05",
             "dagster/asset_partition_range_end": "2026-01-05"},
            "2026-01-05",
        ),
        ({}, None),
    ],
)
def test_run_partition_from_tags(tags: dict, expected: str | None):
    assert run_partition(tags) == expected
