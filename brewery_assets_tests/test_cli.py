"""`brewery-lake run`, the command behind `make run`, from a fresh lake and Dagster home."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from deltalake import DeltaTable

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    home = tmp_path / "dagster_home"
    home.mkdir()
    full_env = {**os.environ, "DAGSTER_HOME": str(home), "BREWERY_LAKE_ROOT": str(tmp_path / "lake"), **env}
    full_env.pop("OPENBREWERYDB_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "brewery_assets.cli", "run", "--date", "2026-11-22"],
        cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=300,
    )


def test_run_ingests_a_snapshot_file_through_the_replay_server(tmp_path, official_csv):
    done = run_cli(tmp_path, BREWERIES_SNAPSHOT=str(official_csv))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "serving 11,822 breweries" in done.stdout
    # 212 locations, not the file's 213 (country, state) pairs: the typo 'MIssouri' merges into 'Missouri'.
    assert "gold_brewery_counts: 11,822 breweries in 212 locations (snapshot 2026-11-22)" in done.stdout
    assert "micro 5,840, brewpub 3,931" in done.stdout

    # The runs are in the Dagster home that `make dev` shows.
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "dagster_home")))
    runs = instance.get_runs()
    assert sorted(run.job_name for run in runs) == ["ingest_bronze", "refresh_silver_gold"]
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
    assert DeltaTable(str(tmp_path / "lake" / "silver" / "breweries")).to_pandas().shape[0] == 11_822


def test_run_defaults_to_the_generated_catalogue(tmp_path):
    done = run_cli(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "from the generated dataset" in done.stdout
    gold = DeltaTable(str(tmp_path / "lake" / "gold" / "brewery_counts")).to_pandas()
    assert f"gold_brewery_counts: {gold['brewery_count'].sum():,} breweries" in done.stdout
    assert gold["brewery_count"].sum() == 12_000
