"""`brewery-lake dev` (behind `make dev`): a quiet terminal, and a stop that ends every process it started.

Each test starts the real command in a session of its own, waits until the UI serves the code
location, records every process of the command (the command, `dagster dev`, the webserver, the
daemon, the code servers), stops it the way a supervisor or a terminal would, and looks for any of
them, or anything else in their sessions, still running 20 s later.
"""

import contextlib
import fcntl
import os
import pty
import shutil
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import requests

from brewery_assets.dev_server import OutputFilter
from brewery_assets_tests.orchestration.live import REPO_ROOT, free_port, wait_until

STOP_WITHIN_SECONDS = 20


def processes() -> dict[int, tuple[int, int, str]]:
    """Every live process: pid -> (parent pid, session id, state), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (command) "
        found[int(entry.name)] = (int(fields[1]), int(fields[3]), fields[0])
    return found


def descendants(root: int) -> set[int]:
    """`root` and every process below it."""
    table = processes()
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _, _) in table.items() if ppid == parent]
        found.update(children)
        frontier.extend(children)
    return found


def still_running(pids: set[int], sessions: set[int]) -> list[int]:
    """Processes among `pids`, or in one of `sessions`, that have not ended (zombies have ended)."""
    return sorted(pid for pid, (_, sid, state) in processes().items()
                  if (pid in pids or sid in sessions) and state != "Z")


def location_loaded(url: str) -> bool:
    query = "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename } } } } }"
    try:
        response = requests.post(f"{url}/graphql", json={"query": query}, timeout=10)
        entries = response.json()["data"]["workspaceOrError"]["locationEntries"]
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return False
    return any(e["name"] == "brewery_assets" and (e["locationOrLoadError"] or {}).get("__typename")
               == "RepositoryLocation" for e in entries)


def ignore_sigint() -> None:
    """What a non-interactive shell does to a background job: SIGINT ignored from the start."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def take_terminal() -> None:
    """Make the pty on stdin the controlling terminal of the new session, as a login shell's would be."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT to a background job", "Ctrl-C in a terminal"])
def test_dev_shows_the_ui_address_quietly_and_stops_every_process(tmp_path, how):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "BREWERY_LAKE_ROOT": str(tmp_path / "lake")}
    for name in ("OPENBREWERYDB_API_URL", "BREWERY_VERBOSE", "DAGSTER_UI_URL"):
        env.pop(name, None)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "dev.log"
    terminal = pty.openpty() if how == "Ctrl-C in a terminal" else None
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "brewery_assets.cli", "dev", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=terminal[1] if terminal else subprocess.DEVNULL, start_new_session=True,
            preexec_fn={"SIGINT to a background job": ignore_sigint, "Ctrl-C in a terminal": take_terminal}.get(how),
        )
    started: set[int] = {process.pid}
    sessions: set[int] = {process.pid}
    try:
        wait_until(lambda: process.poll() is None and location_loaded(url), 180,
                   f"the UI on {url} (log: {log_path})", poll=2.0)
        started = descendants(process.pid)
        sessions = {processes()[pid][1] for pid in started if pid in processes()}
        # The command, `dagster dev`, the webserver, the daemon and at least one code server.
        assert len(started) >= 5, started

        if how == "SIGTERM":
            os.kill(process.pid, signal.SIGTERM)
        elif how == "SIGINT to a background job":
            os.kill(process.pid, signal.SIGINT)
        else:
            os.write(terminal[0], b"\x03")  # the terminal turns Ctrl-C into SIGINT to its foreground group
        stopped = time.monotonic()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_WITHIN_SECONDS)
        while still_running(started, sessions) and time.monotonic() - stopped < STOP_WITHIN_SECONDS:
            time.sleep(0.5)
        left = still_running(started, sessions)
        assert process.returncode == 0
        assert left == [], f"still running after {STOP_WITHIN_SECONDS} s: {left}"

        lines = log_path.read_text().splitlines()
        assert lines[0].startswith("replay server: http://127.0.0.1:")
        assert lines[1:] == [
            f"starting the Dagster UI on 127.0.0.1:{port} (webserver, daemon, code server) ...",
            f"Dagster UI: {url} (Ctrl-C stops it and every process it started)",
            "the Dagster UI has stopped",
        ], "\n".join(lines)
    finally:
        for pid in still_running(started, sessions):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if terminal:
            os.close(terminal[0])
            os.close(terminal[1])


DAGSTER_LINES = [
    "\x1b[32m2026-11-22 06:00:00 +0000\x1b[0m - dagster - \x1b[34mINFO\x1b[0m - Launching Dagster services...",
    "2026-11-22 06:00:09 +0000 - dagster-webserver - INFO - Serving dagster-webserver on http://127.0.0.1:3001 in "
    "process 42",
    "2026-11-22 06:00:10 +0000 - dagster.daemon.SensorDaemon - INFO - Checking for new runs for sensor: "
    "refresh_after_bronze",
    "2026-11-22 06:01:00 +0000 - dagster - DEBUG - ingest_bronze - 0c1d - 77 - RUN_START - Started execution",
    "2026-11-22 06:01:02 +0000 - dagster - ERROR - ingest_bronze - 0c1d - 77 - bronze_breweries - STEP_FAILURE - "
    "Execution of step \"bronze_breweries\" failed.",
    "",
    "requests.exceptions.ConnectionError: the API refused the connection",
    "2026-11-22 06:01:03 +0000 - dagster - DEBUG - ingest_bronze - 0c1d - 77 - STEP_UP_FOR_RETRY - retry",
    "",
    "Stack Trace: (part of a DEBUG record)",
    "2026-11-22 06:02:00 +0000 - dagster - WARNING - refresh_silver_gold - 9f2e - silver_breweries_anonymized - "
    "anonymized with the public development key: set BREWERY_ANONYMIZATION_KEY",
    "/usr/lib/python3.11/site-packages/x.py:3: UserWarning: printed by Python, not a log record",
]


def test_the_terminal_keeps_warnings_and_errors_with_their_lines_and_the_ui_address():
    keep = OutputFilter()
    shown = [out for line in DAGSTER_LINES for out in keep(line)]
    assert shown == [
        "Dagster UI: http://127.0.0.1:3001 (Ctrl-C stops it and every process it started)",
        DAGSTER_LINES[4], "", DAGSTER_LINES[6],
        DAGSTER_LINES[10], DAGSTER_LINES[11],
    ]

    verbose = OutputFilter(verbose=True)
    assert [out for line in DAGSTER_LINES for out in verbose(line)] == [DAGSTER_LINES[0], shown[0], *DAGSTER_LINES[1:]]


def test_make_dev_takes_its_port_from_port():
    # --no-print-directory: under `make test` this make is a sub-make, which would print its directory.
    done = subprocess.run(["make", "--no-print-directory", "-n", "dev", "PORT=3210"], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1].endswith("brewery-lake dev --port 3210")
