"""Slack alerts: failed runs, failed asset checks, and a summary after each successful refresh.

    config.py          environment variables and their defaults
    slack.py           SlackAlertResource: base URL, channel, bounded Retry-After, posts that never raise
    messages.py        message texts from plain data
    run_failure.py     slack_on_run_failure            (dg.run_failure_sensor)
    check_failures.py  slack_on_asset_check_failure    (dg.sensor over the check evaluations of ended runs)
    run_summary.py     slack_refresh_summary           (dg.run_status_sensor on SUCCESS of refresh_silver_gold)
    definitions.py     alert_definitions() (sensors and resource), empty unless Slack is configured

Sensors are RUNNING by default once `SLACK_BOT_TOKEN` and `SLACK_ALERT_CHANNEL` are set.
"""

from brewery_assets.alerts.definitions import SLACK_RESOURCE_KEY, alert_definitions, alert_resources, alert_sensors

__all__ = ["SLACK_RESOURCE_KEY", "alert_definitions", "alert_resources", "alert_sensors"]
