"""The asset-check alert: failed check evaluations posted to Slack in batches, each exactly once.

dagster-slack only alerts on run failures, and a failed WARN (or non-blocking ERROR) check does not
fail its run, so this sensor reads the check evaluations of every run that ended:

    cursor --> runs that ended after it (succeeded, failed or canceled), oldest first
        each run's evaluations: passed, or severity not in SLACK_CHECK_SEVERITIES --> skipped
                                failed --> batches of `batch_size`, one message each
    a batch Slack refused --> the cursor stops at its first failure (run and position in the run),
                              so it and the rest are posted on the next tick, and nothing twice

The cursor (`{"after": <storage id of a run's end event>}`, plus `"run_id"` and `"posted"` when a
run was only partly posted) is persisted by Dagster with the sensor, so daemon restarts neither
lose nor repeat an alert. A sensor with no cursor yet (first tick after it is turned on) starts
after the newest run instead of replaying the whole history.

Public APIs only: `DagsterInstance.fetch_run_status_changes` finds the runs, the run's event log
(`DagsterInstance.get_records_for_run`) gives its evaluations. A `dg.run_status_sensor` would
watch one status only and move its cursor past a run even when Slack refused the post, losing
the alert, hence a plain sensor with its own cursor.

Not seen: evaluations recorded outside a run (checks reported through Dagster's REST API or
`report_runless_asset_event`), since no run ends for them. Every check of this code location is
evaluated inside its asset's step, so all of them are seen.
"""

import json
from dataclasses import dataclass

import dagster as dg

from brewery_assets.alerts.messages import CheckFailure, check_failures_text, metadata_figures
from brewery_assets.alerts.run_failure import run_partition
from brewery_assets.alerts.slack import SlackAlertResource

BATCH_SIZE = 20
FETCH_LIMIT = 100

# The end of a run, whatever its outcome: a failed blocking check fails its run.
RUN_END_EVENTS = (
    dg.DagsterEventType.RUN_SUCCESS,
    dg.DagsterEventType.RUN_FAILURE,
    dg.DagsterEventType.RUN_CANCELED,
)


@dataclass(frozen=True)
class Cursor:
    """Where the sensor stands: after the run whose end event is `after`, minus a partly posted run.

    `posted` failures of run `run_id` (the next run to read) are already in Slack.
    """

    after: int
    run_id: str | None = None
    posted: int = 0

    def serialize(self) -> str:
        """The sensor cursor string."""
        if self.run_id is None:
            return json.dumps({"after": self.after})
        return json.dumps({"after": self.after, "run_id": self.run_id, "posted": self.posted})

    @staticmethod
    def parse(text: str | None) -> "Cursor | None":
        """The cursor from its string; a bare integer is a storage id (the former cursor format)."""
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if isinstance(data, int) and not isinstance(data, bool):
            return Cursor(data)
        if not isinstance(data, dict) or not isinstance(data.get("after"), int):
            return None
        return Cursor(data["after"], data.get("run_id"), int(data.get("posted") or 0))


def ended_runs(instance: dg.DagsterInstance, after: int, limit: int) -> list[dg.EventLogRecord]:
    """End events (success, failure, cancelation) of runs that ended after storage id `after`, oldest first.

    Each kind is fetched on its own; when one kind fills its page, later events of the other
    kinds wait for the next tick, so no run is skipped.
    """
    merged: list[dg.EventLogRecord] = []
    horizon = None
    for event_type in RUN_END_EVENTS:
        records = instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(event_type=event_type, after_storage_id=after),
            limit=limit,
            ascending=True,
        ).records
        merged.extend(records)
        if len(records) == limit:
            last = records[-1].storage_id
            horizon = last if horizon is None else min(horizon, last)
    merged.sort(key=lambda record: record.storage_id)
    return [record for record in merged if horizon is None or record.storage_id <= horizon]


def latest_run_end(instance: dg.DagsterInstance) -> int:
    """The storage id of the newest run end event, 0 when no run has ended."""
    newest = 0
    for event_type in RUN_END_EVENTS:
        records = instance.fetch_run_status_changes(event_type, limit=1).records
        if records:
            newest = max(newest, records[0].storage_id)
    return newest


def run_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """The check evaluations a run recorded, in order."""
    connection = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [
        record.event_log_entry.dagster_event.asset_check_evaluation_data
        for record in connection.records
        if record.event_log_entry.dagster_event is not None
    ]


def evaluation_partition(
    instance: dg.DagsterInstance, evaluation: dg.AssetCheckEvaluation, run: dg.DagsterRun | None
) -> str | None:
    """The partition a check evaluation is about.

    Checks declared on a partitioned asset carry no partition of their own in 1.13, so it comes from
    the materialization the check targeted when that happened in the same run (exact even in a
    multi-partition run), else from the run's partition tags.
    """
    if evaluation.partition:
        return evaluation.partition
    target = evaluation.target_materialization_data
    if target is not None and run is not None and target.run_id == run.run_id:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=evaluation.asset_key, storage_ids=[target.storage_id]), limit=1
        ).records
        if records and records[0].partition_key:
            return records[0].partition_key
    return run_partition(run.tags if run else None)


def check_failure(
    instance: dg.DagsterInstance, evaluation: dg.AssetCheckEvaluation, run_id: str, run: dg.DagsterRun | None
) -> CheckFailure:
    """The alert line's data for one failed evaluation."""
    return CheckFailure(
        run_id=run_id,
        asset_key=evaluation.asset_key,
        check_name=evaluation.check_name,
        severity=evaluation.severity,
        partition=evaluation_partition(instance, evaluation, run),
        description=evaluation.description,
        figures=metadata_figures(dict(evaluation.metadata)),
    )


@dataclass(frozen=True)
class _Pending:
    """A failure to post, with where it sits: the run's end event before it, and its place in the run."""

    failure: CheckFailure
    after: int
    position: int


def build_check_failure_sensor(
    ui_url: str,
    severities: frozenset[dg.AssetCheckSeverity],
    name: str = "slack_on_asset_check_failure",
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.STOPPED,
    minimum_interval_seconds: int = 60,
    batch_size: int = BATCH_SIZE,
    fetch_limit: int = FETCH_LIMIT,
) -> dg.SensorDefinition:
    """A sensor posting failed check evaluations of the given severities, `batch_size` per message."""

    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Posts failed asset checks (severities: "
        f"{', '.join(sorted(severity.value for severity in severities))}) of every run that ends to Slack, "
        "in batches.",
    )
    def slack_on_asset_check_failure(
        context: dg.SensorEvaluationContext, slack_alerts: SlackAlertResource
    ) -> dg.SkipReason:
        """Posts the failed evaluations of the runs that ended after the cursor; moves it only past what is done."""
        cursor = Cursor.parse(context.cursor)
        if cursor is None:
            start = Cursor(latest_run_end(context.instance))
            context.update_cursor(start.serialize())
            return dg.SkipReason(f"starting after run end event {start.after}; earlier runs are not alerted")

        ends = ended_runs(context.instance, cursor.after, fetch_limit)
        if not ends:
            return dg.SkipReason("no run ended since the last tick")

        pending: list[_Pending] = []
        evaluations = 0
        previous_end = cursor.after
        for end in ends:
            run_id = end.event_log_entry.run_id
            run = context.instance.get_run_by_id(run_id)
            already = cursor.posted if run_id == cursor.run_id else 0
            found = run_evaluations(context.instance, run_id)
            evaluations += len(found)
            failed = [e for e in found if not e.passed and e.severity in severities]
            pending.extend(
                _Pending(check_failure(context.instance, evaluation, run_id, run), previous_end, position)
                for position, evaluation in enumerate(failed)
                if position >= already
            )
            previous_end = end.storage_id

        batches = [pending[start : start + batch_size] for start in range(0, len(pending), batch_size)]
        new_cursor, posted, problem = Cursor(ends[-1].storage_id), 0, ""
        for number, batch in enumerate(batches, start=1):
            text = check_failures_text([item.failure for item in batch], ui_url, number, len(batches))
            outcome = slack_alerts.post(text, context.log)
            if not outcome.ok:
                # Resume at this batch's first failure: its run, and how many of that run are posted.
                first = batch[0]
                new_cursor = Cursor(first.after, first.failure.run_id if first.position else None, first.position)
                problem = outcome.detail
                break
            posted += len(batch)
        context.update_cursor(new_cursor.serialize())

        summary = (
            f"{len(ends)} runs ended, {evaluations} evaluations read, {posted} failures posted, "
            f"{evaluations - len(pending)} passed, filtered by severity or already posted"
        )
        if problem:
            return dg.SkipReason(f"{summary}; {len(pending) - posted} kept for the next tick: {problem}")
        return dg.SkipReason(summary)

    return slack_on_asset_check_failure

