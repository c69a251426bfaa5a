"""`brewery-lake dev`: `dagster dev` in a process group of its own, a quiet terminal, and a clean stop.

`dagster dev` starts a webserver, a daemon, code servers and run workers. It is started in a new
session, so one signal reaches all of them, whether or not there is a terminal:

    SIGINT, SIGTERM or SIGHUP to this command --> SIGINT to the whole group (Dagster's own shutdown)
    still running `grace_seconds` later, or a second signal --> SIGKILL to the group
    `dagster dev` ends on its own --> whatever it left (a code server waiting for its heartbeat) is ended

Handlers are installed before the child starts, so a child of a shell that ignores SIGINT (a
background job) does not inherit the ignore and still stops on it.

The terminal shows the UI's address once the webserver answers, then only warnings and errors
(with the lines that follow them, such as tracebacks); Dagster's DEBUG and INFO lines (each sensor
tick, each run's event log) stay in the instance, where the UI shows them. `verbose` shows everything.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator

ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")
# `2026-11-22 06:00:00 +0000 - dagster.daemon.SensorDaemon - INFO - message`
LOG_LINE = re.compile(r"^\S+ \S+ [+-]\d{4} - [\w.\-]+ - (?P<level>[A-Z]+) - ")
QUIET_LEVELS = {"DEBUG", "INFO"}
SERVING = re.compile(r"Serving dagster-webserver on (?P<url>\S+)")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class OutputFilter:
    """Decides which lines of `dagster dev`'s output reach the terminal."""

    def __init__(self, verbose: bool = False):
        self.verbose = verbose
        self._showing = True  # lines that are not log records follow the decision on the record before them

    def __call__(self, line: str) -> Iterator[str]:
        """The lines to print for one line of output (the UI's address replaces the webserver's INFO line)."""
        plain = ANSI_CODES.sub("", line)
        serving = SERVING.search(plain)
        if serving:
            yield f"Dagster UI: {serving['url']} (Ctrl-C stops it and every process it started)"
        record = LOG_LINE.match(plain)
        if record:
            self._showing = record["level"] not in QUIET_LEVELS
        if self.verbose or (self._showing and not serving):
            yield line


class ProcessGroupStop:
    """Stops a process group: SIGINT first, SIGKILL after `grace_seconds` or on a second request."""

    def __init__(self, grace_seconds: float):
        self.grace_seconds = grace_seconds
        self.pgid: int | None = None
        self.requested = False
        self._timer: threading.Timer | None = None

    def handle_signal(self, signum: int, frame: object) -> None:
        """The signal handler of this command: the first signal stops the group, a second kills it."""
        if self.requested:
            self._send(signal.SIGKILL)
            return
        self.requested = True
        self.interrupt()

    def interrupt(self) -> None:
        """SIGINT to the group (as Ctrl-C in a terminal would), with SIGKILL to follow if it lingers."""
        if self.pgid is None or self._timer is not None:
            return
        self._send(signal.SIGINT)
        self._timer = threading.Timer(self.grace_seconds, self._send, args=(signal.SIGKILL,))
        self._timer.daemon = True
        self._timer.start()

    def alive(self) -> bool:
        """Whether any process of the group still exists."""
        if self.pgid is None:
            return False
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def finish(self, process: subprocess.Popen) -> None:
        """Returns once no process of the group is left: interrupted, then killed after the grace period."""
        self.interrupt()
        deadline = time.monotonic() + self.grace_seconds + 5
        while True:
            process.poll()  # reaps the group leader, which would otherwise stay as a zombie
            if not self.alive():
                break
            if time.monotonic() > deadline:
                self._send(signal.SIGKILL)
                deadline = time.monotonic() + 5
            time.sleep(0.2)
        if self._timer is not None:
            self._timer.cancel()

    def _send(self, signum: int) -> None:
        if self.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, signum)


def run_dagster_dev(
    command: list[str],
    cwd: str,
    env: dict[str, str],
    verbose: bool = False,
    write: Callable[[str], None] = print,
    grace_seconds: float = 10.0,
) -> int:
    """Runs `command` (a `dagster dev` command line) until it ends or this process is told to stop.

    Returns 0 after a requested stop, else the command's exit status.
    """
    stop = ProcessGroupStop(grace_seconds)
    previous = {signum: signal.signal(signum, stop.handle_signal) for signum in STOP_SIGNALS}
    try:
        process = subprocess.Popen(
            command, cwd=cwd, env={**env, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
            start_new_session=True,
        )
        stop.pgid = process.pid
        if stop.requested:  # a signal arrived while the child was starting
            stop.interrupt()
        try:
            _relay(process.stdout, OutputFilter(verbose), write)
            process.wait()
        finally:
            stop.finish(process)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if stop.requested else process.returncode


def _relay(lines: Iterable[str], keep: OutputFilter, write: Callable[[str], None]) -> None:
    for line in lines:
        for shown in keep(line.rstrip("\n")):
            write(shown)
        sys.stdout.flush()
