"""The brewery_assets code location.

    Open Brewery DB API --> bronze_breweries --> silver_breweries --> gold_brewery_counts
                            (JSON lines,         (Delta, country/     (Delta, counts per
                             daily snapshots)     state partitions)    location and type)
                                   |
                                   +--> silver_brewery_history --> gold_brewery_changes
                                        (Delta, a version per      gold_brewery_counts_daily
                                         brewery and change)       (Delta, per snapshot day)

Slack alert sensors (failed runs, failed asset checks, a summary of each refresh) are added
when `SLACK_BOT_TOKEN` and `SLACK_ALERT_CHANNEL` are set, and then start RUNNING.

Resources are chosen by the environment, never by editing code: `DAGSTER_DEPLOYMENT` selects the
local or the production set (`brewery_assets.deployments`), whose settings come from environment
variables; the local defaults need no cloud, no JVM and no Docker.
"""

import dagster as dg

from brewery_assets import settings
from brewery_assets.alerts import alert_definitions
from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.assets.gold import gold_brewery_counts
from brewery_assets.assets.history import gold_brewery_changes, gold_brewery_counts_daily, silver_brewery_history
from brewery_assets.assets.silver import silver_breweries, silver_breweries_anonymized
from brewery_assets.dead_runs import fail_dead_runs_sensor
from brewery_assets.deployments import deployment_resources
from brewery_assets.jobs import ingest_bronze_job, refresh_silver_gold_job, update_history_job
from brewery_assets.schedules import daily_ingest_schedule
from brewery_assets.sensors import refresh_after_bronze_sensor

ASSETS = [
    bronze_breweries, silver_breweries, gold_brewery_counts, silver_breweries_anonymized,
    silver_brewery_history, gold_brewery_changes, gold_brewery_counts_daily,
]

# The anonymized copy follows silver (`AutomationCondition.eager()` on the copy): locations rebuilt
# without their copy, by a silver-only materialization or backfill, get theirs rebuilt next.
copy_follows_silver_sensor = dg.AutomationConditionSensorDefinition(
    "anonymized_copy_follows_silver",
    target=[silver_breweries_anonymized],
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds the locations of silver_breweries_anonymized whose silver was rebuilt without them.",
)

# The history follows bronze day by day, whatever launched bronze (schedule, UI, backfill, CLI), and
# its changes and daily counts follow the history.
history_follows_bronze_sensor = dg.AutomationConditionSensorDefinition(
    "history_follows_bronze",
    target=[silver_brewery_history, gold_brewery_changes, gold_brewery_counts_daily],
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Adds each bronze day to silver_brewery_history once bronze has it, then recomputes that day's "
    "gold_brewery_changes and gold_brewery_counts_daily.",
)


def lake_definitions(resources: dict) -> dg.Definitions:
    """The lake's assets, jobs, schedule and sensors, bound to a set of resources."""
    return dg.Definitions(
        assets=ASSETS,
        jobs=[ingest_bronze_job, refresh_silver_gold_job, update_history_job],
        schedules=[daily_ingest_schedule],
        # The daily refresh's second run (silver and gold after each bronze ingestion), and the tables
        # that follow others by declarative automation.
        sensors=[refresh_after_bronze_sensor, copy_follows_silver_sensor, history_follows_bronze_sensor],
        resources=resources,
    )


def local_definitions() -> dg.Definitions:
    """What only a local deployment runs: runs are processes of this machine only there, so a dead one
    can be told from a live one (`fail_dead_runs`)."""
    return dg.Definitions(sensors=[fail_dead_runs_sensor] if settings.deployment() == settings.LOCAL_DEPLOYMENT
                          else [])


def build_definitions(resources: dict) -> dg.Definitions:
    """The code location's definitions bound to a set of resources (tests pass their own): the lake's,
    the local ones, and the Slack alerts when SLACK_BOT_TOKEN and SLACK_ALERT_CHANNEL are set."""
    return dg.Definitions.merge(lake_definitions(resources), local_definitions(), alert_definitions())


defs = build_definitions(deployment_resources())
