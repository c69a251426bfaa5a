"""The asset-check alert: failed check evaluations posted to Slack in batches, each exactly once.

dagster-slack only alerts on run failures, and a failed WARN (or non-blocking ERROR) check does not
fail its run, so this sensor reads the instance's check evaluations itself:

    cursor (storage id, the sensor cursor) --> evaluations after it, oldest first
        passed, or severity not in SLACK_CHECK_SEVERITIES --> skipped, cursor moves past them
        failed                                             --> batches of `batch_size`, one message each
    a batch Slack refused --> cursor stops just before it, so it is posted again on the next tick

The cursor is persisted by Dagster with the sensor, so daemon restarts neither lose nor repeat an
alert. A sensor with no cursor yet (first tick after it is turned on) starts after the newest
evaluation instead of replaying the whole history.
"""

from collections.abc import Sequence

import dagster as dg
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

from brewery_assets.alerts.messages import CheckFailure, check_failures_text, metadata_figures
from brewery_assets.alerts.run_failure import run_partition
from brewery_assets.alerts.slack import SlackAlertResource

BATCH_SIZE = 20
FETCH_LIMIT = 200


def fetch_check_evaluations(
    instance: dg.DagsterInstance, after_storage_id: int | None, limit: int, ascending: bool = True
) -> Sequence[dg.EventLogRecord]:
    """Asset-check evaluation records after a storage id, across all runs.

    `DagsterInstance.get_event_records` is deprecated in 1.13 and the storage's own method refuses a
    plain storage-id cursor on run-sharded SQLite (the default local instance). That storage mirrors
    check evaluations into its cross-run index with global ids, which the generic SQL query reads, so
    the query goes there; other storages (Postgres, consolidated SQLite, in-memory) answer directly.
    """
    records_filter = dg.EventRecordsFilter(
        event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=after_storage_id
    )
    storage = instance.event_log_storage
    if storage.is_run_sharded and isinstance(storage, SqlEventLogStorage):
        return SqlEventLogStorage.get_event_records(storage, records_filter, limit=limit, ascending=ascending)
    return storage.get_event_records(records_filter, limit=limit, ascending=ascending)


def latest_evaluation_storage_id(instance: dg.DagsterInstance) -> int:
    """The storage id of the newest check evaluation, 0 when there is none."""
    records = fetch_check_evaluations(instance, None, limit=1, ascending=False)
    return records[0].storage_id if records else 0


class _RunTags:
    """Run tags looked up once per run within a tick."""

    def __init__(self, instance: dg.DagsterInstance):
        self._instance = instance
        self._tags: dict[str, dict[str, str]] = {}

    def __call__(self, run_id: str) -> dict[str, str]:
        if run_id not in self._tags:
            run = self._instance.get_run_by_id(run_id) if run_id else None
            self._tags[run_id] = dict(run.tags) if run else {}
        return self._tags[run_id]


def evaluation_partition(
    instance: dg.DagsterInstance, evaluation: dg.AssetCheckEvaluation, run_id: str, run_tags: _RunTags
) -> str | None:
    """The partition a check evaluation is about.

    Checks declared on a partitioned asset carry no partition of their own in 1.13, so it comes from
    the materialization the check targeted when that happened in the same run (exact even in a
    multi-partition run), else from the run's partition tags.
    """
    if evaluation.partition:
        return evaluation.partition
    target = evaluation.target_materialization_data
    if target is not None and target.run_id == run_id:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=evaluation.asset_key, storage_ids=[target.storage_id]), limit=1
        ).records
        if records and records[0].partition_key:
            return records[0].partition_key
    return run_partition(run_tags(run_id))


def check_failure(
    instance: dg.DagsterInstance, record: dg.EventLogRecord, run_tags: _RunTags
) -> CheckFailure:
    """The alert line's data for one failed evaluation record."""
    evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
    run_id = record.event_log_entry.run_id
    return CheckFailure(
        storage_id=record.storage_id,
        run_id=run_id,
        asset_key=evaluation.asset_key,
        check_name=evaluation.check_name,
        severity=evaluation.severity,
        partition=evaluation_partition(instance, evaluation, run_id, run_tags),
        description=evaluation.description,
        figures=metadata_figures(dict(evaluation.metadata)),
    )


def _parse_cursor(cursor: str | None) -> int | None:
    try:
        return int(cursor) if cursor is not None else None
    except ValueError:
        return None


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
        f"{', '.join(sorted(severity.value for severity in severities))}) to Slack, in batches.",
    )
    def slack_on_asset_check_failure(
        context: dg.SensorEvaluationContext, slack_alerts: SlackAlertResource
    ) -> dg.SkipReason:
        """Posts the failed evaluations after the cursor; moves the cursor only past what is done."""
        cursor = _parse_cursor(context.cursor)
        if cursor is None:
            start = latest_evaluation_storage_id(context.instance)
            context.update_cursor(str(start))
            return dg.SkipReason(f"starting after check evaluation {start}; earlier ones are not alerted")

        records = fetch_check_evaluations(context.instance, cursor, limit=fetch_limit)
        if not records:
            return dg.SkipReason("no new asset check evaluations")

        run_tags = _RunTags(context.instance)
        failures = []
        for record in records:
            evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity in severities:
                failures.append(check_failure(context.instance, record, run_tags))

        batches = [failures[start : start + batch_size] for start in range(0, len(failures), batch_size)]
        new_cursor, posted, problem = records[-1].storage_id, 0, ""
        for number, batch in enumerate(batches, start=1):
            outcome = slack_alerts.post(check_failures_text(batch, ui_url, number, len(batches)), context.log)
            if not outcome.ok:
                # Stop after the last record read before this batch: it and the rest come back next tick.
                before = [record.storage_id for record in records if record.storage_id < batch[0].storage_id]
                new_cursor, problem = (before[-1] if before else cursor), outcome.detail
                break
            posted += len(batch)
        context.update_cursor(str(new_cursor))

        summary = (
            f"{len(records)} evaluations read, {posted} failures posted, "
            f"{len(records) - len(failures)} passed or filtered by severity"
        )
        if problem:
            return dg.SkipReason(f"{summary}; {len(failures) - posted} kept for the next tick: {problem}")
        return dg.SkipReason(summary)

    return slack_on_asset_check_failure
