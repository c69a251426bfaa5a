"""Fixtures of the alert tests: the fake Slack server, the alert environment, Dagster instances."""

import threading
from collections.abc import Iterator

import dagster as dg
import pytest

from brewery_assets.alerts import alert_resources
from brewery_assets.alerts.slack import SlackAlertResource
from brewery_assets_tests.alerts.fake_slack import CHANNEL, TOKEN, FakeSlack, FakeSlackServer


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1, on a free port, for one test."""
    fake = FakeSlack()
    server = FakeSlackServer(fake)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, slack: FakeSlack) -> FakeSlack:
    """The alert environment variables, pointing at the fake Slack."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_ALERT_CHANNEL", CHANNEL)
    monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
    monkeypatch.setenv("DAGSTER_UI_URL", "http://dagster.test:3000")
    monkeypatch.delenv("SLACK_CHECK_SEVERITIES", raising=False)
    return slack


@pytest.fixture
def slack_resources(slack_env: FakeSlack) -> dict:
    """`alert_resources()` as the code location gets it: the token resolved from SLACK_BOT_TOKEN."""
    resources = alert_resources()
    assert isinstance(resources["slack_alerts"], SlackAlertResource)
    return resources


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """A persistent SQLite instance in a temporary folder, like `dagster dev`'s (run-sharded events)."""
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture(params=["sqlite", "in_memory"])
def any_instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """Both storage layouts the check sensor must read: run-sharded SQLite and a single database."""
    if request.param == "sqlite":
        with dg.instance_for_test() as test_instance:
            yield test_instance
    else:
        with dg.DagsterInstance.ephemeral() as test_instance:
            yield test_instance
