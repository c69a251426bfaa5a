"""The code location loads, validates, and describes its assets the way the UI shows them."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from brewery_assets.definitions import defs

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_assets_groups_kinds_and_lineage():
    graph = defs.resolve_asset_graph()
    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    assert {name: spec.group_name for name, spec in specs.items()} == {
        "bronze_breweries": "bronze", "silver_breweries": "silver", "gold_brewery_counts": "gold",
        "silver_breweries_anonymized": "silver", "silver_brewery_history": "silver", "gold_brewery_changes": "gold",
        "gold_brewery_counts_daily": "gold"}
    assert specs["silver_breweries"].kinds == {"spark", "delta"}
    for spec in specs.values():
        assert spec.description and spec.owners == ["team:data-engineering"]
    assert graph.get(dg.AssetKey("silver_breweries")).parent_keys == {dg.AssetKey("bronze_breweries")}
    assert graph.get(dg.AssetKey("gold_brewery_counts")).parent_keys == {dg.AssetKey("silver_breweries")}
    silver = graph.get(dg.AssetKey("silver_breweries"))
    assert isinstance(silver.partitions_def, dg.DynamicPartitionsDefinition)
    assert silver.backfill_policy == dg.BackfillPolicy.single_run()
    # The history is partitioned by bronze's days and reads the same day of bronze.
    history = graph.get(dg.AssetKey("silver_brewery_history"))
    assert history.parent_keys == {dg.AssetKey("bronze_breweries")}
    assert history.partitions_def == graph.get(dg.AssetKey("bronze_breweries")).partitions_def
    assert history.backfill_policy == dg.BackfillPolicy.single_run()
    for name in ("gold_brewery_changes", "gold_brewery_counts_daily"):
        assert graph.get(dg.AssetKey(name)).parent_keys == {dg.AssetKey("silver_brewery_history")}
    assert {job.name for job in defs.jobs} == {"ingest_bronze", "refresh_silver_gold", "update_history"}


def test_environment_chooses_the_resources(monkeypatch, tmp_path):
    from brewery_assets.deployments import local_resources

    monkeypatch.setenv("BREWERY_LAKE_ROOT", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("OPENBREWERYDB_API_URL", "http://127.0.0.1:1234/v1/")
    monkeypatch.setenv("SPARK_REMOTE", "sc://127.0.0.1:15002")
    resources = local_resources()
    assert resources["lake"].root == str(tmp_path / "elsewhere")
    assert resources["openbrewerydb"].base_url == "http://127.0.0.1:1234/v1"
    assert resources["spark"].remote == "sc://127.0.0.1:15002"

    for name in ("BREWERY_LAKE_ROOT", "OPENBREWERYDB_API_URL", "SPARK_REMOTE"):
        monkeypatch.delenv(name)
    defaults = local_resources()
    assert defaults["lake"].root == str(REPO_ROOT / "lake")
    assert defaults["openbrewerydb"].base_url == "https://api.openbrewerydb.org/v1"
    assert defaults["spark"].remote is None


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful for code location brewery_assets" in done.stdout + done.stderr


def test_every_asset_is_named_once_and_gold_must_be_fresh():
    from brewery_assets import asset_names

    specs = {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs()}
    assert set(specs) == {value for name, value in vars(asset_names).items() if name.isupper()}
    policy = specs[asset_names.GOLD].freshness_policy
    assert policy.fail_window.to_timedelta().total_seconds() == 36 * 3600
    assert policy.warn_window.to_timedelta().total_seconds() == 26 * 3600
    # The instance evaluates freshness (both dagster.yaml files).
    import yaml

    for config in (REPO_ROOT / "dagster.yaml", REPO_ROOT / "deploy" / "dagster.yaml"):
        assert yaml.safe_load(config.read_text())["freshness"] == {"enabled": True}


def test_the_code_location_is_the_merge_of_the_lake_local_and_alert_definitions(monkeypatch):
    from brewery_assets.definitions import build_definitions
    from brewery_assets.deployments import local_resources

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_ALERT_CHANNEL", "#lake")
    sensors = {sensor.name for sensor in build_definitions(local_resources()).sensors}
    assert {"refresh_after_bronze", "fail_dead_runs", "slack_on_run_failure", "slack_refresh_summary"} <= sensors
    monkeypatch.setenv("DAGSTER_DEPLOYMENT", "prod")
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    names = {sensor.name for sensor in build_definitions(local_resources()).sensors}
    assert "fail_dead_runs" not in names and "slack_on_run_failure" not in names
