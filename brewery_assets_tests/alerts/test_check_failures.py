"""The asset-check sensor on stand-in assets: exact messages, cursor, batching, severity filter, Slack outages.

The same sensor on the real assets' check results is in test_on_real_runs.py.
"""

import dagster as dg
import pytest

from brewery_assets.alerts import alert_sensors
from brewery_assets.alerts.check_failures import Cursor, latest_run_end
from brewery_assets_tests.alerts.fake_slack import FakeSlack, assert_token_absent
from brewery_assets_tests.alerts.sample_assets import checked_silver, wide_table

UI = "http://dagster.test:3000"


def check_sensor() -> dg.SensorDefinition:
    return next(sensor for sensor in alert_sensors() if sensor.name == "slack_on_asset_check_failure")


def tick(instance: dg.DagsterInstance, cursor: str | None, resources: dict) -> tuple[str, str]:
    """One evaluation of the sensor: its skip message and the cursor it leaves."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    result = check_sensor()(context)
    assert isinstance(result, dg.SkipReason)
    return result.skip_message or "", context.cursor


def materialize_checked(instance: dg.DagsterInstance, partition: str, **config: bool) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        [checked_silver],
        instance=instance,
        partition_key=partition,
        run_config={"ops": {"checked_silver": {"config": config}}},
    )
    assert result.success  # non-blocking checks never fail the run: that is why they need this sensor
    return result


def check_line(severity: str, check: str, partition: str, details: str, run_id: str) -> str:
    return (
        f"- *{severity}* `checked_silver` partition `{partition}`: check `{check}` - {details} "
        f"(<{UI}/assets/checked_silver?view=checks&checkDetail={check}|check> | <{UI}/runs/{run_id}|run>)"
    )


def test_failed_checks_are_posted_once_then_only_new_ones(
    any_instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, caplog, capsys
):
    texas = materialize_checked(any_instance, "United States/Texas")

    message, cursor = tick(any_instance, "0", slack_resources)

    assert slack.delivered == [
        "\n".join([
            ":warning: *2 asset checks failed* (ERROR: 1, WARN: 1)",
            check_line(
                "ERROR", "no_duplicate_ids", "United States/Texas",
                "3 ids appear more than once - duplicate_ids=3, worst_id=5128df48-79fc", texas.run_id,
            ),
            check_line(
                "WARN", "volume_drift", "United States/Texas",
                "drift_pct=42.5, previous_rows=100, rows=58", texas.run_id,
            ),
        ])
    ]
    assert message == "1 runs ended, 2 evaluations read, 2 failures posted, 0 passed, filtered by severity or " \
        "already posted"
    assert Cursor.parse(cursor) == Cursor(latest_run_end(any_instance))

    # Nothing new: nothing posted, cursor unchanged.
    message, second_cursor = tick(any_instance, cursor, slack_resources)
    assert message == "no run ended since the last tick"
    assert second_cursor == cursor
    assert len(slack.requests) == 1

    # A new failure after that: only it is posted.
    dublin = materialize_checked(any_instance, "Ireland/Dublin", fail_warn=False)
    message, third_cursor = tick(any_instance, second_cursor, slack_resources)
    assert slack.delivered[1:] == [
        "\n".join([
            ":warning: *1 asset check failed* (ERROR: 1)",
            check_line(
                "ERROR", "no_duplicate_ids", "Ireland/Dublin",
                "3 ids appear more than once - duplicate_ids=3, worst_id=5128df48-79fc", dublin.run_id,
            ),
        ])
    ]
    assert message == "1 runs ended, 2 evaluations read, 1 failures posted, 1 passed, filtered by severity or " \
        "already posted"
    assert Cursor.parse(third_cursor).after > Cursor.parse(second_cursor).after

    captured = capsys.readouterr()
    assert_token_absent(*(request.raw for request in slack.requests), caplog.text, captured.out, captured.err)
    assert_token_absent(cursor, second_cursor, third_cursor, message)


def test_first_tick_starts_after_existing_evaluations(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    materialize_checked(instance, "United States/Texas")

    message, cursor = tick(instance, None, slack_resources)

    assert slack.requests == []
    assert message == f"starting after run end event {Cursor.parse(cursor).after}; earlier runs are not alerted"
    materialize_checked(instance, "Austria/Wien", fail_error=False)
    tick(instance, cursor, slack_resources)
    assert len(slack.delivered) == 1
    assert "partition `Austria/Wien`: check `volume_drift`" in slack.delivered[0]
    assert "United States/Texas" not in slack.delivered[0]


def test_25_failures_make_two_messages_of_20_and_5(
    any_instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    dg.materialize([wide_table], instance=any_instance)

    message, _ = tick(any_instance, "0", slack_resources)

    assert len(slack.delivered) == 2
    first, second = (text.splitlines() for text in slack.delivered)
    assert first[0] == ":warning: *20 asset checks failed* (ERROR: 20, message 1/2)"
    assert second[0] == ":warning: *5 asset checks failed* (ERROR: 5, message 2/2)"
    assert len(first) == 21 and len(second) == 6
    assert "check `rule_00` - violations=0" in first[1]
    assert "check `rule_24` - violations=24" in second[-1]
    assert message.startswith("1 runs ended, 25 evaluations read, 25 failures posted")


@pytest.mark.parametrize(("severities", "posted"), [("ERROR", "no_duplicate_ids"), ("warn", "volume_drift")])
def test_severity_filter_skips_other_severities_for_good(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, monkeypatch, severities, posted
):
    monkeypatch.setenv("SLACK_CHECK_SEVERITIES", severities)
    materialize_checked(instance, "United States/Texas")

    message, cursor = tick(instance, "0", slack_resources)
    tick(instance, cursor, slack_resources)

    assert len(slack.delivered) == 1
    assert slack.delivered[0].splitlines()[0].startswith(":warning: *1 asset check failed*")
    assert f"check `{posted}`" in slack.delivered[0]
    assert "1 failures posted, 1 passed, filtered by severity" in message


def test_passed_checks_are_not_posted_but_the_cursor_moves(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    materialize_checked(instance, "United States/Texas", fail_error=False, fail_warn=False)

    message, cursor = tick(instance, "0", slack_resources)

    assert slack.requests == []
    assert message.startswith("1 runs ended, 2 evaluations read, 0 failures posted, 2 passed")
    assert Cursor.parse(cursor).after > 0


def test_invalid_auth_keeps_the_cursor_so_the_alert_is_posted_later(
    any_instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack, caplog, capsys
):
    materialize_checked(any_instance, "United States/Texas")
    slack.default_outcome = "invalid_auth"

    message, cursor = tick(any_instance, "0", slack_resources)

    assert Cursor.parse(cursor) == Cursor(0)
    assert slack.delivered == []
    assert message == (
        "1 runs ended, 2 evaluations read, 0 failures posted, 0 passed, filtered by severity or already posted; "
        "2 kept for the next tick: invalid_auth (HTTP 200): check SLACK_BOT_TOKEN"
    )
    captured = capsys.readouterr()
    logs = caplog.text + captured.out + captured.err
    assert "invalid_auth" in logs
    assert_token_absent(logs, message, cursor)

    slack.default_outcome = "ok"
    tick(any_instance, cursor, slack_resources)
    assert len(slack.delivered) == 1
    assert slack.delivered[0].startswith(":warning: *2 asset checks failed*")


def test_a_batch_refused_midway_is_retried_alone(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    run = dg.materialize([wide_table], instance=instance)
    slack.script = ["ok", "channel_not_found"]

    message, cursor = tick(instance, "0", slack_resources)

    assert len(slack.delivered) == 1
    assert "5 kept for the next tick: channel_not_found" in message
    # The cursor stays in the run, after its first 20 failures.
    assert Cursor.parse(cursor) == Cursor(0, run.run_id, 20)

    tick(instance, cursor, slack_resources)
    assert len(slack.delivered) == 2
    lines = slack.delivered[1].splitlines()
    assert lines[0] == ":warning: *5 asset checks failed* (ERROR: 5)"
    assert [line.split("check `")[1].split("`")[0] for line in lines[1:]] == [
        f"rule_{number}" for number in range(20, 25)
    ]



def test_a_refused_batch_spanning_two_runs_resumes_inside_the_first(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    wide = dg.materialize([wide_table], instance=instance)
    texas = materialize_checked(instance, "United States/Texas")
    slack.script = ["ok", "channel_not_found"]

    message, cursor = tick(instance, "0", slack_resources)
    assert "7 kept for the next tick" in message
    assert Cursor.parse(cursor) == Cursor(0, wide.run_id, 20)

    message, cursor = tick(instance, cursor, slack_resources)
    assert message.startswith("2 runs ended, 27 evaluations read, 7 failures posted, 20 passed")
    lines = slack.delivered[1].splitlines()
    assert lines[0] == ":warning: *7 asset checks failed* (ERROR: 6, WARN: 1)"
    assert [line.split("check `")[1].split("`")[0] for line in lines[1:]] == [
        *(f"rule_{number}" for number in range(20, 25)), "no_duplicate_ids", "volume_drift"
    ]
    assert all(texas.run_id in line for line in lines[-2:])
    # Everything is posted once: a further tick has nothing to read.
    assert tick(instance, cursor, slack_resources)[0] == "no run ended since the last tick"
    assert len(slack.delivered) == 2

def test_rate_limited_batch_is_retried_once_after_retry_after(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    materialize_checked(instance, "United States/Texas")
    slack.script = ["ratelimited"]

    message, _ = tick(instance, "0", slack_resources)

    assert [request.status for request in slack.requests] == [429, 200]
    assert len(slack.delivered) == 1
    assert "2 failures posted" in message


def test_still_rate_limited_after_the_retry_keeps_the_cursor(
    instance: dg.DagsterInstance, slack_resources: dict, slack: FakeSlack
):
    materialize_checked(instance, "United States/Texas")
    slack.script = ["ratelimited", "ratelimited"]

    message, cursor = tick(instance, "0", slack_resources)

    assert Cursor.parse(cursor) == Cursor(0)
    assert [request.status for request in slack.requests] == [429, 429]
    assert "ratelimited (HTTP 429, Retry-After 1 s)" in message
