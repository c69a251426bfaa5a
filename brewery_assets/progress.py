"""Short progress lines for a run executed in this process: what each step is doing, then what it did.

A thread reads the run's step events from the instance while the run executes (the public
`DagsterInstance.get_records_for_run`), so a line appears as each step starts and ends, with the
step's figures and duration; the full event log stays in the instance. Figures come from the run's
own events: bronze's materialization, silver's whole-run `reconciles_with_bronze` evaluation (its
materializations are one per location), gold's materialization.
"""

import threading
from collections.abc import Callable

import dagster as dg

from brewery_assets import asset_names
from brewery_assets.run_figures import metadata_int, run_materializations, silver_figures

STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_RESTARTED,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_UP_FOR_RETRY,
}

# What each step of the lake's jobs does, said when it starts.
STEP_WORK = {
    asset_names.BRONZE: "ingesting the day's snapshot",
    asset_names.SILVER: "cleaning, de-duplicating and auditing every location (Spark), then publishing",
    asset_names.ANONYMIZED: "pseudonymising and generalising silver into the anonymized copy (Spark)",
    asset_names.GOLD: "counting breweries per location and type (Spark)",
    asset_names.HISTORY: "adding the day to the brewery history (Spark)",
    asset_names.CHANGES: "listing what appeared, disappeared or changed (Spark)",
    asset_names.COUNTS_DAILY: "counting breweries per snapshot day (Spark)",
}


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _bronze(instance: dg.DagsterInstance, run_id: str) -> str:
    materializations = run_materializations(instance, run_id).get(dg.AssetKey(asset_names.BRONZE), [])
    if not materializations:
        return "no snapshot recorded"
    metadata = materializations[-1].metadata
    figures = (f"{_number(metadata_int(metadata, 'records'))} records in {_number(metadata_int(metadata, 'pages'))} "
               f"pages, {_number(metadata_int(metadata, 'locations'))} locations")
    if metadata.get("skipped") is not None and metadata["skipped"].value:
        return (f"kept the day's complete snapshot ({figures}); the source was not called "
                "(`brewery-lake run --refetch`, or REFETCH=1 make run, ingests the day again)")
    return figures


def _silver(instance: dg.DagsterInstance, run_id: str) -> str:
    locations = len(run_materializations(instance, run_id).get(dg.AssetKey(asset_names.SILVER), []))
    figures = silver_figures(instance, run_id)
    if figures is None:
        return f"{locations:,} locations"
    return (f"{_number(figures.silver_rows)} rows, rejected {_number(figures.quarantined)} (of which duplicates "
            f"{_number(figures.duplicates_removed)}), {locations:,} locations")


def _anonymized(instance: dg.DagsterInstance, run_id: str) -> str:
    locations = len(run_materializations(instance, run_id).get(dg.AssetKey(asset_names.ANONYMIZED), []))
    return f"{locations:,} locations"


def _gold(instance: dg.DagsterInstance, run_id: str) -> str:
    materializations = run_materializations(instance, run_id).get(dg.AssetKey(asset_names.GOLD), [])
    metadata = materializations[-1].metadata if materializations else {}
    return (f"{_number(metadata_int(metadata, 'breweries'))} breweries in "
            f"{_number(metadata_int(metadata, 'dagster/row_count'))} rows")


def _last_metadata(instance: dg.DagsterInstance, run_id: str, asset: str) -> dict:
    materializations = run_materializations(instance, run_id).get(dg.AssetKey(asset), [])
    return materializations[-1].metadata if materializations else {}


def _history(instance: dg.DagsterInstance, run_id: str) -> str:
    metadata = _last_metadata(instance, run_id, "silver_brewery_history")
    return (f"{_number(metadata_int(metadata, 'current_versions'))} current versions, "
            f"{_number(metadata_int(metadata, 'dagster/row_count'))} in all; the day opened "
            f"{_number(metadata_int(metadata, 'opened'))} and closed {_number(metadata_int(metadata, 'closed'))}")


def _changes(instance: dg.DagsterInstance, run_id: str) -> str:
    metadata = _last_metadata(instance, run_id, "gold_brewery_changes")
    kinds = ("appeared", "disappeared", "changed")
    return ", ".join(f"{_number(metadata_int(metadata, kind))} {kind}" for kind in kinds)


def _counts_daily(instance: dg.DagsterInstance, run_id: str) -> str:
    metadata = _last_metadata(instance, run_id, "gold_brewery_counts_daily")
    return f"{_number(metadata_int(metadata, 'breweries'))} breweries on the day"


STEP_FIGURES: dict[str, Callable[[dg.DagsterInstance, str], str]] = {
    asset_names.BRONZE: _bronze,
    asset_names.SILVER: _silver,
    asset_names.ANONYMIZED: _anonymized,
    asset_names.GOLD: _gold,
    asset_names.HISTORY: _history,
    asset_names.CHANGES: _changes,
    asset_names.COUNTS_DAILY: _counts_daily,
}


class RunProgress:
    """Writes a line per step start and end of run `run_id` while it executes (a context manager).

    Leaving the context stops the thread and writes whatever the run recorded since the last read.
    """

    def __init__(self, instance: dg.DagsterInstance, run_id: str, write: Callable[[str], None],
                 poll_seconds: float = 0.25):
        self._instance, self._run_id, self._write, self._poll = instance, run_id, write, poll_seconds
        self._cursor: str | None = None
        self._started: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"progress-{run_id[:8]}", daemon=True)

    def __enter__(self) -> "RunProgress":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._run_started():
            self._read()

    def _run_started(self) -> bool:
        # The run's event log exists once the run has started; reading it earlier could race its creation.
        record = self._instance.get_run_record_by_id(self._run_id)
        return record is not None and record.dagster_run.status != dg.DagsterRunStatus.NOT_STARTED

    def _watch(self) -> None:
        failed = False
        while not self._stop.wait(self._poll):
            try:
                if self._run_started():
                    self._read()
            except Exception as exc:  # progress lines are a courtesy: never let them disturb the run
                if not failed:
                    self._write(f"  (progress lines delayed: {type(exc).__name__}: {exc})")
                failed = True

    def _read(self) -> None:
        while True:
            connection = self._instance.get_records_for_run(self._run_id, cursor=self._cursor, of_type=STEP_EVENTS)
            for record in connection.records:
                self._report(record.event_log_entry)
            self._cursor = connection.cursor
            if not connection.has_more:
                return

    def _report(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        step = event.step_key if event else None
        if event is None or step is None:
            return
        if event.event_type == dg.DagsterEventType.STEP_START:
            self._started[step] = entry.timestamp
            self._write(f"  {step}: {STEP_WORK.get(step, 'started')} ...")
            return
        if event.event_type == dg.DagsterEventType.STEP_RESTARTED:
            self._started[step] = entry.timestamp
            self._write(f"  {step}: {event.message or 'started again'}")
            return
        took = f"{entry.timestamp - self._started[step]:.1f} s" if step in self._started else "?"
        if event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            figures = STEP_FIGURES.get(step)
            self._write(f"  {step}: {figures(self._instance, self._run_id) if figures else 'done'} ({took})")
        elif event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY:
            self._write(f"  {step}: failed after {took}; {event.message or 'retrying'}")
        else:
            self._write(f"  {step}: failed after {took}")
