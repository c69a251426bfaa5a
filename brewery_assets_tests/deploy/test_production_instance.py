"""The production instance config (deploy/dagster.yaml) on a real Postgres behind PgBouncer and an
S3-compatible server.

Postgres and PgBouncer come from the Debian packages (`postgresql-15`, `pgbouncer`), started and
stopped by the fixture (`brewery_assets.local_postgres`), PgBouncer through the compose file's own
start script; S3 is moto's server on loopback. The lake's main job runs on that instance, reaching
Postgres only through PgBouncer as in deploy/docker, and its runs and events are read back from
Postgres itself.
"""

import datetime as dt
import shutil
import socket
from pathlib import Path

import dagster as dg
import pytest

from brewery_assets.definitions import build_definitions
from brewery_assets.local_postgres import local_postgres, missing_binaries
from brewery_assets.pipeline import run_daily_refresh
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource

REPO_ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER_SCRIPT = REPO_ROOT / "deploy" / "docker" / "pgbouncer" / "start-pgbouncer.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway Postgres on 127.0.0.1 behind PgBouncer started by the deployment's own script."""
    reason = missing_binaries()
    if reason:
        pytest.skip(reason)
    with local_postgres(PGBOUNCER_SCRIPT) as server:
        yield server


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

    for name, value in postgres.dagster_environment(pooled=True).items():
        monkeypatch.setenv(name, value)
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

    # Every storage call opened a connection to PgBouncer; Postgres itself saw a handful.
    assert postgres.server_connections() < 30

    with psycopg2.connect(host="127.0.0.1", port=postgres.port, user="dagster", password=postgres.password,
                          dbname="dagster") as connection:
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
