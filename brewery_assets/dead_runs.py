"""Runs whose process died: found and marked failed, so they stop holding the run queue and the pools.

A run killed without a chance to say so (SIGKILL, the machine's out-of-memory killer, a closed
laptop lid) stays STARTED for ever on an instance whose run launcher cannot check its workers, as
the local one cannot; its pool slot and its place in the queue stay taken, and every later run
waits behind it. The run worker's process id is in the run's own events ("Started process for run
(pid: N)" or the executor's "Executing steps ... (pid: N)"); if that process is gone, or is not the
one that started the run, the run is dead and is marked failed, which frees its slots.

Only for runs whose workers are processes of this machine: the `fail_dead_runs` sensor is part of
the local deployment only (`brewery_assets.definitions`). Production uses run monitoring's
timeouts (deploy/dagster.yaml).
"""

import os
import time
from pathlib import Path

import dagster as dg

SENSOR_NAME = "fail_dead_runs"
# A run this young may not have recorded its worker yet; it is left for the next evaluation.
MIN_AGE_SECONDS = 20.0


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The process id of the run's worker: the first pid its engine events record."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None:
            return int(pid.value)
    return None


def _started_at(pid: int) -> float | None:
    """When process `pid` started (Unix time), from /proc; None where /proc is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    if fields[0] == "Z":  # exited, not yet reaped by its parent
        return float("inf")
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_is_the_worker(pid: int, run_started: float) -> bool:
    """Whether `pid` is alive and is the process that started the run at `run_started` (not a later
    process that reused its id, nor a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = _started_at(pid)
    # The worker starts a moment before it marks the run started; a process born later is another one.
    return started is None or started <= run_started + 2.0


def dead_runs(instance: dg.DagsterInstance, now: float | None = None) -> list[tuple[dg.DagsterRun, int]]:
    """STARTED runs whose worker process is gone, with the worker's process id."""
    now = time.time() if now is None else now
    found = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        started = record.start_time or record.create_timestamp.timestamp()
        if now - started < MIN_AGE_SECONDS:
            continue
        pid = worker_pid(instance, record.dagster_run.run_id)
        if pid is not None and not process_is_the_worker(pid, started):
            found.append((record.dagster_run, pid))
    return found


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Marks every dead run failed and frees its pool slots (as the UI's "free concurrency slots"
    does); returns their ids."""
    failed = []
    for run, pid in dead_runs(instance):
        instance.report_run_failed(
            run, f"The run's process (pid {pid}) is gone: it was killed or crashed without recording an end. "
            "Marked failed so that queued runs and the lake's pools are released; launch it again.")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return failed


@dg.sensor(name=SENSOR_NAME, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Marks runs whose process died as failed, so they release the run queue and the "
           "lake's concurrency pools (local deployment).")
def fail_dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Fails the runs whose worker process is gone."""
    failed = fail_dead_runs(context.instance)
    return dg.SkipReason(f"marked {len(failed)} dead runs failed: {', '.join(failed)}" if failed
                         else "no dead runs")
