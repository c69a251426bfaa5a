"""The success summary: after `refresh_silver_gold` succeeds, the day's figures in one short message.

    records ingested    `records` of the latest bronze_breweries materialization (any day)
    silver rows         `table_rows` of silver_breweries
    rejected rows       `rejected_rows` of silver_breweries, 0 when silver does not report it
    locations rebuilt   `locations_rebuilt` of silver_breweries
    gold total          `breweries` of gold_brewery_counts

Silver and gold are read from the run's own materializations (a later run must not change what
this run reports), falling back to the instance's latest when the run has none.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import dagster as dg

from brewery_assets.alerts.messages import RunSummary, run_summary_text
from brewery_assets.alerts.slack import SlackAlertResource

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

BRONZE = dg.AssetKey("bronze_breweries")
SILVER = dg.AssetKey("silver_breweries")
GOLD = dg.AssetKey("gold_brewery_counts")


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.AssetMaterialization | None:
    """The newest materialization of an asset, any partition."""
    records = instance.fetch_materializations(key, limit=1).records
    return records[0].asset_materialization if records else None


def run_materializations(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetKey, dg.AssetMaterialization]:
    """The last materialization of each asset within one run."""
    found: dict[dg.AssetKey, dg.AssetMaterialization] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is not None:
            found[materialization.asset_key] = materialization
    return found


def metadata_int(materialization: dg.AssetMaterialization | None, name: str) -> int | None:
    """An integer metadata value (ints, and floats without a fraction), or None when absent."""
    if materialization is None or name not in materialization.metadata:
        return None
    value = materialization.metadata[name].value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def summarize_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunSummary:
    """The summary figures of a successful refresh run."""
    own: Mapping[dg.AssetKey, dg.AssetMaterialization] = run_materializations(instance, run.run_id)
    silver = own.get(SILVER) or latest_materialization(instance, SILVER)
    gold = own.get(GOLD) or latest_materialization(instance, GOLD)
    bronze = latest_materialization(instance, BRONZE)
    return RunSummary(
        run_id=run.run_id,
        job_name=run.job_name,
        records_ingested=metadata_int(bronze, "records"),
        bronze_partition=bronze.partition if bronze else None,
        silver_rows=metadata_int(silver, "table_rows"),
        rejected_rows=metadata_int(silver, "rejected_rows") or 0,
        locations_rebuilt=metadata_int(silver, "locations_rebuilt"),
        gold_total=metadata_int(gold, "breweries"),
    )


def build_run_summary_sensor(
    ui_url: str,
    monitored_jobs: Sequence["dg.JobDefinition | UnresolvedAssetJobDefinition"],
    name: str = "slack_refresh_summary",
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.RunStatusSensorDefinition:
    """A sensor posting the summary of each successful run of `monitored_jobs` (the refresh job)."""

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=list(monitored_jobs),
        name=name,
        default_status=default_status,
        description="Posts a short summary to Slack after each successful refresh of silver and gold.",
    )
    def slack_refresh_summary(context: dg.RunStatusSensorContext, slack_alerts: SlackAlertResource) -> None:
        """Posts the run's summary; a Slack error is logged and does not fail the sensor."""
        summary = summarize_run(context.instance, context.dagster_run)
        outcome = slack_alerts.post(run_summary_text(summary, ui_url), context.log)
        if outcome.ok:
            context.log.info(f"posted the summary of run {summary.run_id} to Slack")

    return slack_refresh_summary
