"""The production instance config (deploy/dagster.yaml) on a real Postgres and an S3-compatible server.

Postgres comes from the Debian packages (`postgresql`), started and stopped by the fixture; S3 is
moto's server on loopback. The lake's main job runs on that instance and its runs and events are
read back from Postgres itself.
"""

import datetime as dt
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from brewery_assets.definitions import build_definitions
from brewery_assets.pipeline import run_daily_refresh
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; CI runs as root, developers usually do not.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres():
    """A throwaway Postgres server on 127.0.0.1 with a `dagster` database; yields its port."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (Debian package postgresql-15)")
    # Not under pytest's tmp_path: those folders are private to the user running the tests, and the
    # server runs as `postgres` when the tests run as root.
    root = Path(tempfile.mkdtemp(prefix="brewery-pg-"))
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", "dagster", "-A", "trust",
                                      "-E", "UTF8"]), check=True, capture_output=True)
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    subprocess.run(_as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
                                      str(data / "server.log"), "start"]), check=True, capture_output=True)
    try:
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dagster", "dagster"],
                       check=True, capture_output=True)
        yield port
    finally:
        subprocess.run(_as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server on loopback; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_lake_runs_on_the_production_instance_config(postgres, s3_server, tmp_path, monkeypatch):
    import boto3
    import psycopg2

    monkeypatch.setenv("DAGSTER_POSTGRES_USER", "dagster")
    monkeypatch.setenv("DAGSTER_POSTGRES_PASSWORD", "unused-with-trust-auth")
    monkeypatch.setenv("DAGSTER_POSTGRES_HOSTNAME", "127.0.0.1")
    monkeypatch.setenv("DAGSTER_POSTGRES_DB", "dagster")
    monkeypatch.setenv("DAGSTER_POSTGRES_PORT", str(postgres))
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_BUCKET", "brewery-logs")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket="brewery-logs")

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.compute_log_manager).__name__ == "S3ComputeLogManager"
        with ReplayServer(generate_breweries(600, seed=7)) as server:
            defs = build_definitions({
                "lake": LakeResource(root=str(tmp_path / "lake")),
                "spark": SparkConnectResource(),
                "openbrewerydb": OpenBreweryDBResource(base_url=server.url),
            })
            runs = run_daily_refresh(defs, instance, dt.date(2026, 11, 22))
        run_ids = {run.run_id for run in runs}

    with psycopg2.connect(host="127.0.0.1", port=postgres, user="dagster", dbname="dagster") as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT run_id, status FROM runs")
        stored = dict(cursor.fetchall())
        cursor.execute(
            "SELECT asset_key, count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' "
            "GROUP BY asset_key")
        materializations = {key: count for key, count in cursor.fetchall()}
    assert {run_id: stored[run_id] for run_id in run_ids} == {run_id: "SUCCESS" for run_id in run_ids}
    assert materializations['["bronze_breweries"]'] == 1
    assert materializations['["gold_brewery_counts"]'] == 1
    assert materializations['["silver_breweries"]'] > 100  # one per location partition
    assert materializations['["silver_brewery_history"]'] == 1
