"""Alert settings read from the environment.

    SLACK_BOT_TOKEN       bot token (secret): only its presence is tested here; the value reaches the
                          Slack resource through `dg.EnvVar`, so it is never part of any definition
    SLACK_ALERT_CHANNEL   channel to post to, e.g. `#data-alerts` or a channel id
    SLACK_API_BASE_URL    Slack Web API base URL (default https://slack.com/api/), for proxies and tests
    DAGSTER_UI_URL        base URL of the Dagster UI used in links (default http://127.0.0.1:3000)
    SLACK_CHECK_SEVERITIES  failed asset-check severities to post, comma separated (default ERROR,WARN)
"""

import os
from dataclasses import dataclass

import dagster as dg

TOKEN_ENV = "SLACK_BOT_TOKEN"
CHANNEL_ENV = "SLACK_ALERT_CHANNEL"
API_BASE_URL_ENV = "SLACK_API_BASE_URL"
UI_URL_ENV = "DAGSTER_UI_URL"
CHECK_SEVERITIES_ENV = "SLACK_CHECK_SEVERITIES"

DEFAULT_API_BASE_URL = "https://slack.com/api/"
DEFAULT_UI_URL = "http://127.0.0.1:3000"
DEFAULT_CHECK_SEVERITIES = "ERROR,WARN"


@dataclass(frozen=True)
class AlertSettings:
    """What the alert messages need besides the Slack connection: where links point, what to post."""

    ui_url: str = DEFAULT_UI_URL
    check_severities: frozenset[dg.AssetCheckSeverity] = frozenset(
        {dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN}
    )


def parse_severities(value: str) -> frozenset[dg.AssetCheckSeverity]:
    """`"ERROR, warn"` -> {ERROR, WARN}; raises ValueError on an unknown severity, so a typo is not silent."""
    names = {part.strip().upper() for part in value.split(",") if part.strip()}
    unknown = names - {severity.value for severity in dg.AssetCheckSeverity}
    if unknown:
        raise ValueError(f"{CHECK_SEVERITIES_ENV}: unknown severities {sorted(unknown)}, use ERROR and/or WARN")
    return frozenset(dg.AssetCheckSeverity(name) for name in names)


def alert_settings_from_env() -> AlertSettings:
    """The settings from `DAGSTER_UI_URL` and `SLACK_CHECK_SEVERITIES`, with their defaults."""
    return AlertSettings(
        ui_url=(os.environ.get(UI_URL_ENV) or DEFAULT_UI_URL).rstrip("/"),
        check_severities=parse_severities(os.environ.get(CHECK_SEVERITIES_ENV) or DEFAULT_CHECK_SEVERITIES),
    )


def slack_api_base_url() -> str:
    """`SLACK_API_BASE_URL`, else Slack's public Web API."""
    return os.environ.get(API_BASE_URL_ENV) or DEFAULT_API_BASE_URL


def slack_configured() -> bool:
    """True when both the bot token and the channel are set (non-empty)."""
    return bool(os.environ.get(TOKEN_ENV)) and bool(os.environ.get(CHANNEL_ENV))
