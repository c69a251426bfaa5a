"""The alert sensors and their resource, as definitions merged into the code location's.

These functions read the environment (see `brewery_assets.alerts.config`). Without `SLACK_BOT_TOKEN`
and `SLACK_ALERT_CHANNEL` they return nothing, so a local run needs no Slack; with both set the
sensors start RUNNING (`DefaultSensorStatus.RUNNING`), since alerting that must first be switched on
in the UI tends to stay off. They can still be stopped from the UI.

    slack_on_run_failure           every failed run of the code location
    slack_on_asset_check_failure   failed asset checks of the chosen severities, batched, once each
    slack_refresh_summary          each successful `refresh_silver_gold` run
"""

import dagster as dg

from brewery_assets.alerts.check_failures import build_check_failure_sensor
from brewery_assets.alerts.config import alert_settings_from_env, slack_configured
from brewery_assets.alerts.run_failure import build_run_failure_sensor
from brewery_assets.alerts.run_summary import build_run_summary_sensor
from brewery_assets.alerts.slack import slack_alert_resource_from_env

SLACK_RESOURCE_KEY = "slack_alerts"


def alert_sensors() -> list:
    """The three Slack sensors, RUNNING by default, or [] when Slack is not configured."""
    if not slack_configured():
        return []
    # Imported here: the jobs module loads the Spark assets, which the alert modules do not need.
    from brewery_assets.jobs import refresh_silver_gold_job

    settings = alert_settings_from_env()
    running = dg.DefaultSensorStatus.RUNNING
    return [
        build_run_failure_sensor(settings.ui_url, default_status=running),
        build_check_failure_sensor(settings.ui_url, settings.check_severities, default_status=running),
        build_run_summary_sensor(settings.ui_url, [refresh_silver_gold_job], default_status=running),
    ]


def alert_resources() -> dict:
    """`{"slack_alerts": SlackAlertResource}` configured from the environment, or {} without Slack."""
    if not slack_configured():
        return {}
    return {SLACK_RESOURCE_KEY: slack_alert_resource_from_env()}


def alert_definitions() -> dg.Definitions:
    """The Slack sensors and their resource, or empty definitions when Slack is not configured."""
    return dg.Definitions(sensors=alert_sensors(), resources=alert_resources())
