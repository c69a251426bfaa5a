"""A throwaway Postgres behind PgBouncer on 127.0.0.1, from Debian's packages: the production
instance's storage (deploy/dagster.yaml) for the tests and benchmarks, where Docker cannot run.

Postgres asks for a SCRAM password as the production image does; PgBouncer is started by the
deployment's own script (deploy/docker/pgbouncer/start-pgbouncer.sh) with the environment the
compose file gives it. Both run as the `postgres` user when this runs as root (neither runs as
root). Every connection Postgres accepts is logged, so callers can count them.
"""

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PGBOUNCER = Path("/usr/sbin/pgbouncer")
USER = "dagster"
DATABASE = "dagster"


def missing_binaries() -> str | None:
    """Why a local Postgres with PgBouncer cannot start here, or None when it can."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (Debian package postgresql-15)"
    if not PGBOUNCER.exists():
        return f"{PGBOUNCER} not found (Debian package pgbouncer)"
    return None


@dataclass(frozen=True)
class LocalPostgres:
    """Where the servers listen and how to log in."""

    port: int
    pooler_port: int
    password: str
    log: Path

    def dagster_environment(self, pooled: bool = True) -> dict[str, str]:
        """The DAGSTER_POSTGRES_* variables deploy/dagster.yaml reads, pointing at PgBouncer (or at
        Postgres itself when `pooled` is False)."""
        return {
            "DAGSTER_POSTGRES_USER": USER,
            "DAGSTER_POSTGRES_PASSWORD": self.password,
            "DAGSTER_POSTGRES_HOSTNAME": "127.0.0.1",
            "DAGSTER_POSTGRES_DB": DATABASE,
            "DAGSTER_POSTGRES_PORT": str(self.pooler_port if pooled else self.port),
        }

    def server_connections(self) -> int:
        """How many connections Postgres itself has accepted so far."""
        return self.log.read_text(errors="replace").count("connection authorized")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on 127.0.0.1:{port} within {seconds} s")


@contextlib.contextmanager
def local_postgres(pgbouncer_script: Path) -> Iterator[LocalPostgres]:
    """Starts Postgres (database `dagster`, user `dagster`, a random password) and PgBouncer in front
    of it through `pgbouncer_script`; stops both and removes their files on exit."""
    reason = missing_binaries()
    if reason:
        raise RuntimeError(reason)
    # Not a pytest tmp_path: the servers run as `postgres` and must be able to write here.
    root = Path(tempfile.mkdtemp(prefix="brewery-pg-"))
    data, pooler = root / "data", root / "pgbouncer"
    data.mkdir()
    pooler.mkdir()
    password = secrets.token_urlsafe(16)
    password_file = root / "password"
    password_file.write_text(password)
    if os.geteuid() == 0:
        for path in (root, data, pooler, password_file):
            shutil.chown(path, "postgres")
    port, pooler_port = _free_port(), _free_port()
    log = data / "server.log"
    environment = {**os.environ, "PGPASSWORD": password}
    subprocess.run(_as_postgres_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", USER, "-A", "scram-sha-256",
                                      f"--pwfile={password_file}", "-E", "UTF8"]), check=True, capture_output=True)
    options = f"-h 127.0.0.1 -p {port} -k {data} -c log_connections=on"
    subprocess.run(_as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(log),
                                      "start"]), check=True, capture_output=True)
    bouncer = None
    try:
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE],
                       check=True, capture_output=True, env=environment)
        with (root / "pgbouncer.log").open("w") as bouncer_log:  # the child keeps its own copy
            bouncer = subprocess.Popen(
                _as_postgres_user(["env", f"PATH={PGBOUNCER.parent}:{os.environ.get('PATH', '')}",
                                   "PGBOUNCER_SERVER_HOST=127.0.0.1", f"PGBOUNCER_SERVER_PORT={port}",
                                   "PGBOUNCER_LISTEN_ADDR=127.0.0.1", f"PGBOUNCER_LISTEN_PORT={pooler_port}",
                                   f"PGBOUNCER_CONFIG_DIR={pooler}", f"DAGSTER_POSTGRES_USER={USER}",
                                   f"DAGSTER_POSTGRES_PASSWORD={password}", f"DAGSTER_POSTGRES_DB={DATABASE}",
                                   "sh", str(pgbouncer_script)]),
                stdout=subprocess.DEVNULL, stderr=bouncer_log)
        _wait_for_port(pooler_port, bouncer)
        yield LocalPostgres(port=port, pooler_port=pooler_port, password=password, log=log)
    finally:
        if bouncer is not None:
            bouncer.terminate()
            try:
                bouncer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                bouncer.kill()
        subprocess.run(_as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
