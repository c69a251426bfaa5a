"""A run killed mid-write (SIGKILL: no chance to record its end) must not block the queue for ever.

Two `dagster job execute` processes on an instance configured by the repository's dagster.yaml: the
first holds a pool, the second waits for it. The first is killed; the dead-run check marks it failed,
which frees the pool, and the second runs to the end. A live run is never touched.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from brewery_assets.dead_runs import dead_runs, fail_dead_runs, fail_dead_runs_sensor
from brewery_assets_tests.orchestration.live import wait_until
from brewery_assets_tests.orchestration.pool_runs import POOL

REPO_ROOT = Path(__file__).resolve().parents[2]
JOB_FILE = Path(__file__).with_name("pool_runs.py")


def _launch(home: Path, hold_seconds: float) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(home), "HOLD_SECONDS": str(hold_seconds),
           "BREWERY_COMPUTE_LOGS_DIR": str(home / "logs")}
    return subprocess.Popen([sys.executable, "-m", "dagster", "job", "execute", "-f", str(JOB_FILE),
                             "-j", "long_write_job"], env=env, cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return sorted((r.dagster_run for r in instance.get_run_records()), key=lambda run: run.run_id)


def test_a_killed_run_is_marked_failed_and_the_waiting_run_gets_the_pool(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("BREWERY_COMPUTE_LOGS_DIR", str(home / "logs"))
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        holder = _launch(home, 600)
        wait_until(lambda: instance.event_log_storage.get_concurrency_info(POOL).active_slot_count == 1, 120,
                   "the first run to take the pool")
        [first] = _runs(instance)
        waiter = _launch(home, 1)
        wait_until(lambda: len(_runs(instance)) == 2, 120, "the second run to start")
        time.sleep(5)
        assert waiter.poll() is None  # waiting for the pool, not running its step

        # Neither run is dead while its process lives.
        assert dead_runs(instance, now=time.time() + 60) == []
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert instance.get_run_by_id(first.run_id).status == dg.DagsterRunStatus.STARTED  # nobody said so

        # The sensor's evaluation marks it failed, naming the process; that frees the pool.
        context = dg.build_sensor_context(instance=instance)
        wait_until(lambda: first.run_id in str(fail_dead_runs_sensor(context)), 60, "the dead run to be found",
                   poll=5)
        failed = instance.get_run_by_id(first.run_id)
        assert failed.status == dg.DagsterRunStatus.FAILURE
        assert assert_message(instance, first.run_id, f"pid {holder.pid}")
        assert waiter.wait(timeout=120) == 0
        [_, second] = sorted(_runs(instance), key=lambda run: run.run_id != first.run_id)
        assert instance.get_run_by_id(second.run_id).status == dg.DagsterRunStatus.SUCCESS
        assert fail_dead_runs(instance) == []  # finished runs are left alone
    finally:
        for process in (locals().get("holder"), locals().get("waiter")):
            if process is not None and process.poll() is None:
                process.kill()
        instance.dispose()


def assert_message(instance: dg.DagsterInstance, run_id: str, text: str) -> bool:
    """Whether the run's failure event says `text`."""
    return any(text in (entry.message or "") or text in str(entry.dagster_event)
               for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE))
