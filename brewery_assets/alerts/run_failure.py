"""The run-failure alert: which run, job, assets and partition failed, the error's first lines, a link.

Built on `dg.run_failure_sensor` with the `SlackAlertResource` rather than dagster-slack's
`make_slack_on_run_failure_sensor`, because the latter takes the token as a plain string at
definition time and always posts to Slack's public URL.
"""

from collections.abc import Mapping

import dagster as dg

from brewery_assets.alerts.messages import RunFailure, StepError, run_failure_text
from brewery_assets.alerts.slack import SlackAlertResource
from brewery_assets.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG

PARTITION_TAG = "dagster/partition"
WILL_RETRY_TAG = "dagster/will_retry"

_FAILURE_EVENTS = {
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
}


def run_partition(tags: Mapping[str, str] | None) -> str | None:
    """The run's partition from its tags: one key, `start...end` for a range, or None."""
    tags = tags or {}
    if tags.get(PARTITION_TAG):
        return tags[PARTITION_TAG]
    start, end = tags.get(PARTITION_RANGE_START_TAG), tags.get(PARTITION_RANGE_END_TAG)
    if start and end:
        return start if start == end else f"{start}...{end}"
    return None


def error_text(error: object, description: str | None = None) -> str:
    """The readable part of a step error (Dagster's serializable error info): a `dg.Failure`'s description, else
    the user's exception.

    Dagster wraps exceptions raised in an asset in `DagsterExecutionStepExecutionError`, whose own
    message only says which op failed; the exception that explains the failure is its cause.
    """
    if description:
        return f"Failure: {description}"
    if error is None:
        return "no error recorded"
    if error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return error.message


def describe_run_failure(
    instance: dg.DagsterInstance, run: dg.DagsterRun, failure_event: dg.DagsterEvent | None
) -> RunFailure:
    """Gathers what the alert says from the run's event log.

    Failed assets are those planned by the failed steps and not materialized; when no step failed
    (the run worker died, the run was killed), every planned asset not materialized.
    """
    planned: dict[dg.AssetKey, str | None] = {}
    materialized: set[dg.AssetKey] = set()
    errors: list[StepError] = []
    for entry in instance.all_logs(run.run_id, of_type=_FAILURE_EVENTS):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            description = data.user_failure_data.description if data.user_failure_data else None
            errors.append(StepError(event.step_key, error_text(data.error, description)))
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            if event.asset_key is not None:
                planned.setdefault(event.asset_key, event.step_key)
        elif event.asset_key is not None:
            materialized.add(event.asset_key)

    failed_steps = {error.step_key for error in errors}
    failed = [
        key for key, step in planned.items()
        if key not in materialized and (not failed_steps or step in failed_steps)
    ]
    if not failed and not planned:
        failed = sorted(run.asset_selection or [], key=lambda key: key.to_user_string())

    if not errors and failure_event is not None:
        run_error = getattr(failure_event.event_specific_data, "error", None)
        errors.append(StepError(None, error_text(run_error) if run_error else failure_event.message or ""))

    return RunFailure(
        run_id=run.run_id,
        job_name=run.job_name,
        asset_keys=failed,
        partition=run_partition(run.tags),
        errors=errors,
    )


def build_run_failure_sensor(
    ui_url: str,
    name: str = "slack_on_run_failure",
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
) -> dg.RunStatusSensorDefinition:
    """A run-failure sensor over the code location's jobs that posts each failed run to the alert channel."""

    @dg.run_failure_sensor(
        name=name,
        default_status=default_status,
        description="Posts each failed run to Slack: run, job, failed assets and partition, error, link.",
    )
    def slack_on_run_failure(context: dg.RunFailureSensorContext, slack_alerts: SlackAlertResource) -> None:
        """Posts the failed run; a Slack error is logged and does not fail the sensor."""
        run = context.dagster_run
        # With automatic run retries on, only the attempt that will not be retried is worth a message.
        if run.tags.get(WILL_RETRY_TAG) == "true":
            context.log.info(f"run {run.run_id} will be retried; no alert for this attempt")
            return
        failure = describe_run_failure(context.instance, run, context.failure_event)
        outcome = slack_alerts.post(run_failure_text(failure, ui_url), context.log)
        if outcome.ok:
            context.log.info(f"posted the failure of run {run.run_id} to Slack")

    return slack_on_run_failure
