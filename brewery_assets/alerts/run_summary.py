"""The success summary: after `refresh_silver_gold` succeeds, the day's figures in one short message.

    records ingested    `bronze_records` of silver's reconciles_with_bronze evaluation in the run
                        (else `records` of the latest bronze_breweries materialization)
    silver rows         `silver_rows` of that evaluation
    rejected            its `rejected` + `duplicates_removed`: the quarantine table's rows
    locations rebuilt   silver_breweries partitions materialized by the run
    gold total          `breweries` of gold_brewery_counts

Silver's figures are the whole run's, from its check evaluation (see `brewery_assets.run_figures`):
silver's materializations are one per location. Everything comes from the run's own events, so a
later run never changes what this run reports; only gold falls back to the latest
materialization when the run has none.
"""

from collections.abc import Sequence

import dagster as dg

from brewery_assets import asset_names
from brewery_assets.alerts.messages import RunSummary, run_summary_text
from brewery_assets.alerts.slack import SlackAlertResource
from brewery_assets.run_figures import SilverFigures, metadata_int, run_materializations, silver_figures

BRONZE = dg.AssetKey(asset_names.BRONZE)
SILVER = dg.AssetKey(asset_names.SILVER)
GOLD = dg.AssetKey(asset_names.GOLD)


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.AssetMaterialization | None:
    """The newest materialization of an asset, any partition."""
    records = instance.fetch_materializations(key, limit=1).records
    return records[0].asset_materialization if records else None


def summarize_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunSummary:
    """The summary figures of a successful refresh run."""
    own = run_materializations(instance, run.run_id)
    figures = silver_figures(instance, run.run_id) or SilverFigures(None, None, None, None, None)
    gold = own[GOLD][-1] if GOLD in own else latest_materialization(instance, GOLD)
    bronze = latest_materialization(instance, BRONZE)
    records = figures.bronze_records
    if records is None and bronze is not None:
        records = metadata_int(bronze.metadata, "records")
    return RunSummary(
        run_id=run.run_id,
        job_name=run.job_name,
        records_ingested=records,
        bronze_partition=bronze.partition if bronze else None,
        silver_rows=figures.silver_rows,
        rejected=figures.quarantined,
        duplicates=figures.duplicates_removed,
        locations_rebuilt=len({m.partition for m in own[SILVER]}) if SILVER in own else None,
        gold_total=metadata_int(gold.metadata, "breweries") if gold else None,
    )


def build_run_summary_sensor(
    ui_url: str,
    monitored_jobs: Sequence,
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
