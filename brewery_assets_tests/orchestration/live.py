"""A real Dagster deployment for tests: `dagster dev` (webserver, daemon, code server) on loopback.

The webserver binds 127.0.0.1 on a free port; the code server talks over a Unix socket. The lake,
the instance and the API are the test's own, passed through the same environment variables an
operator sets.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from brewery_assets.settings import PLANNED_EVENTS_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float, what: str, poll: float = 1.0) -> Any:
    """Calls `check` until it returns something truthy, which is returned; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


class DagsterDev:
    """`dagster dev -w workspace.yaml` in a subprocess with its own DAGSTER_HOME and environment."""

    def __init__(self, home: Path, env: dict[str, str], log_path: Path):
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # As `brewery-lake dev` starts it (brewery_assets.cli).
        self.env = {**os.environ, "DAGSTER_HOME": str(home), PLANNED_EVENTS_ENV: "1", **env}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> "DagsterDev":
        """Starts the deployment and waits until the code location is loaded."""
        self.home.mkdir(parents=True, exist_ok=True)
        # The repository's instance config, as `make dev` uses it.
        shutil.copy(REPO_ROOT / "dagster.yaml", self.home / "dagster.yaml")
        command = [sys.executable, "-m", "dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
                   "-h", "127.0.0.1", "-p", str(self.port)]
        with open(self.log_path, "wb") as log:
            # A session of its own, so that stopping it stops the webserver, daemon and code server.
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._location_loaded, timeout, f"dagster dev on {self.url} (log: {self.log_path})", poll=2.0)
        return self

    def _location_loaded(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"dagster dev exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            data = self.graphql("""{ workspaceOrError { ... on Workspace { locationEntries {
                name locationOrLoadError { __typename } } } } }""")
        except (requests.RequestException, AssertionError):
            return False
        entries = data["workspaceOrError"]["locationEntries"]
        return any(e["name"] == "brewery_assets" and e["locationOrLoadError"]
                   and e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in entries)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """One GraphQL request; returns `data`, fails on GraphQL errors."""
        response = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                 timeout=60)
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the deployment's log, for failure messages."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stops every process of the deployment: Ctrl-C to its session (as in a terminal), then SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        # Whatever is left of the session (a code server slow to stop) is ended too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


# GraphQL of a partition backfill: launch it, read its status.
LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""

BACKFILL_STATUS = """
query Status($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }
"""
