"""The Slack resource and the wiring functions: posting, 429 recovery, errors, token hygiene, configuration."""

import logging
import socket
import time

import dagster as dg
import pytest

from brewery_assets.alerts import alert_resources, alert_sensors
from brewery_assets.alerts.config import parse_severities
from brewery_assets.alerts.slack import SlackAlertResource, sdk_logger
from brewery_assets_tests.alerts.fake_slack import CHANNEL, TOKEN, FakeSlack, assert_token_absent

log = logging.getLogger("brewery_assets_tests.alerts")


def resource(slack_resources: dict) -> SlackAlertResource:
    # EnvVar fields resolve when Dagster builds the resource, as it does for a sensor.
    with dg.build_resources(slack_resources) as built:
        return built.slack_alerts


def test_post_sends_the_text_to_the_channel_with_the_bot_token(slack_resources: dict, slack: FakeSlack):
    outcome = resource(slack_resources).post("hello <world>", log)

    assert outcome.ok
    (request,) = slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.authorization == f"Bearer {TOKEN}"
    assert request.body["channel"] == CHANNEL
    assert request.body["text"] == "hello <world>"
    assert_token_absent(request.raw)


def test_429_waits_retry_after_then_retries_once(slack_resources: dict, slack: FakeSlack, caplog):
    slack.script = ["ratelimited"]
    caplog.set_level(logging.WARNING)

    started = time.monotonic()
    outcome = resource(slack_resources).post("after a pause", log)

    assert outcome.ok
    assert time.monotonic() - started >= 1.0
    assert [request.status for request in slack.requests] == [429, 200]
    assert slack.delivered == ["after a pause"]
    assert "Slack API rate limited (HTTP 429): retrying in 1 s" in caplog.text


def test_a_long_retry_after_is_capped(slack: FakeSlack, monkeypatch):
    slack.script = ["ratelimited"]
    waits: list[float] = []
    monkeypatch.setattr("brewery_assets.alerts.slack.time.sleep", waits.append)
    capped = SlackAlertResource(token=TOKEN, channel=CHANNEL, base_url=slack.base_url, max_retry_after_seconds=0.5)

    assert capped.post("x", log).ok
    assert waits == [0.5]


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        ("invalid_auth", "invalid_auth (HTTP 200): check SLACK_BOT_TOKEN"),
        ("channel_not_found", "channel_not_found (HTTP 200): check SLACK_ALERT_CHANNEL and invite the bot"),
    ],
)
def test_api_errors_are_logged_without_the_token(
    slack_resources: dict, slack: FakeSlack, caplog, error: str, detail: str
):
    slack.default_outcome = error

    outcome = resource(slack_resources).post("lost", log)

    assert not outcome.ok
    assert outcome.detail.startswith(detail)
    assert f"Slack chat.postMessage to {CHANNEL} failed: {detail}" in caplog.text
    assert_token_absent(caplog.text, outcome.detail)


def test_unreachable_slack_is_a_failed_outcome_not_an_exception(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    dead = SlackAlertResource(token=TOKEN, channel=CHANNEL, base_url=f"http://127.0.0.1:{port}/api/")

    outcome = dead.post("nobody home", log)

    assert not outcome.ok
    assert "failed: URLError" in caplog.text
    assert_token_absent(caplog.text, outcome.detail)


def test_debug_logs_of_slack_sdk_never_show_the_token(slack_resources: dict, slack: FakeSlack, caplog):
    caplog.set_level(logging.DEBUG, logger="brewery_assets.alerts.slack_sdk")

    assert resource(slack_resources).post("debug me", log).ok

    assert "Sending a request" in caplog.text
    assert_token_absent(caplog.text)


def test_tokens_logged_through_the_sdk_logger_are_redacted(caplog):
    caplog.set_level(logging.DEBUG, logger="brewery_assets.alerts.slack_sdk")

    sdk_logger.debug("body_params: %s, headers: %s", {"token": TOKEN}, {"Authorization": f"Bearer {TOKEN}"})

    assert caplog.messages == ["body_params: {'token': '[redacted]'}, headers: {'Authorization': 'Bearer [redacted]'}"]


def test_nothing_is_defined_without_token_and_channel(monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_ALERT_CHANNEL", CHANNEL)
    assert alert_sensors() == []
    assert alert_resources() == {}

    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("SLACK_ALERT_CHANNEL")
    assert alert_sensors() == []
    assert alert_resources() == {}


def test_configured_sensors_run_by_default_and_load_with_the_lake(slack_env: FakeSlack, tmp_path):
    from brewery_assets.definitions import ASSETS
    from brewery_assets.jobs import ingest_bronze_job, refresh_silver_gold_job
    from brewery_assets.resources.lake import LakeResource
    from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
    from brewery_assets.resources.spark import SparkConnectResource

    sensors = alert_sensors()
    resources = alert_resources()

    assert [sensor.name for sensor in sensors] == [
        "slack_on_run_failure", "slack_on_asset_check_failure", "slack_refresh_summary",
    ]
    assert {sensor.default_status for sensor in sensors} == {dg.DefaultSensorStatus.RUNNING}
    assert list(resources) == ["slack_alerts"]
    # The token is referenced by name only; its value is not part of the definitions.
    token = resources["slack_alerts"].token
    assert isinstance(token, dg.EnvVar) and token.env_var_name == "SLACK_BOT_TOKEN"
    assert_token_absent(repr(resources))
    defs = dg.Definitions(
        assets=ASSETS,
        jobs=[ingest_bronze_job, refresh_silver_gold_job],
        sensors=sensors,
        resources={
            "lake": LakeResource(root=str(tmp_path)),
            "spark": SparkConnectResource(),
            "openbrewerydb": OpenBreweryDBResource(),
            **resources,
        },
    )
    dg.Definitions.validate_loadable(defs)


def test_severities_parse_case_insensitively_and_reject_typos():
    assert parse_severities("error, Warn") == {dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN}
    assert parse_severities("ERROR") == {dg.AssetCheckSeverity.ERROR}
    with pytest.raises(ValueError, match="FATAL"):
        parse_severities("ERROR,FATAL")
