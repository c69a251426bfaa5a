"""Two writers of one table at once: neither ever publishes rows it did not audit.

First the Spark job itself, with the interleaving forced: two partial rebuilds both audit against
the same published version, then both commit. The second commit is refused by Delta's version
check, so the second job audits again against the table that now holds the first one's rows and
commits on top of it. Then Dagster: with the instance's pool limit, two runs launched together
never run their silver steps at the same time.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable
from pyspark.sql import SparkSession

from brewery_assets.lake import LakeLayout
from brewery_assets.locations import location_id
from brewery_assets.partitions import all_locations_tags, location_partitions
from brewery_assets.quality import wap
from brewery_assets.replay import generate_breweries
from brewery_assets.resources.spark import embedded_spark_remote
from brewery_assets.spark_jobs import publish_silver
from brewery_assets_tests.quality.lake_runs import (
    as_pseudonyms,
    definitions,
    refresh_all,
    register_locations,
    rows,
    write_bronze,
)
from brewery_assets_tests.transformations.helpers import api_record

DAY = dt.date(2026, 11, 22)
REPO_ROOT = Path(__file__).resolve().parents[2]
TEXAS, BAYERN, VIC = ("United States", "Texas"), ("Germany", "Bayern"), ("Australia", "VIC")


def _records() -> list[dict]:
    return [
        api_record(id=f"{state[:2].lower()}-{n}", name=f"{state} {n}", brewery_type="micro", country=country,
                   state_province=state)
        for country, state in (TEXAS, BAYERN, VIC) for n in range(4)
    ]


def _request(*locations) -> dict:
    return {"locations": [list(location) for location in locations], "run_id": "test",
            "volume_change_threshold": 0.2, "null_rate_drift_threshold": 0.1}


def _by_location(path: str, identifier: str = "id") -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for row in rows(path):
        grouped.setdefault((row["country"], row["state"]), []).append(row[identifier])
    return {location: sorted(ids) for location, ids in grouped.items()}


def test_two_partial_rebuilds_audited_against_the_same_version_never_publish_each_others_rows(layout, monkeypatch):
    defs, instance = definitions(layout), dg.DagsterInstance.ephemeral()
    register_locations(instance, write_bronze(layout, DAY, _records()))
    assert refresh_all(defs, instance).success
    expected = _by_location(layout.silver_breweries)
    version_before = DeltaTable(layout.silver_breweries).version()

    # Both jobs stage and audit, then wait for each other at the commit: the worst interleaving.
    both_audited = threading.Barrier(2, timeout=120)
    real_publish = wap.publish
    commits: list[tuple[str, int | None]] = []

    def publish_after_both_audited(staged, read_version, replace=None, commit_info=None):
        if staged.published_path == layout.silver_breweries and len(commits) < 2:
            commits.append((staged.path, read_version))
            both_audited.wait()
        return real_publish(staged, read_version, replace, commit_info)

    monkeypatch.setattr(wap, "publish", publish_after_both_audited)
    outcomes: dict[str, object] = {}

    def rebuild(name, location):
        session = SparkSession.builder.remote(embedded_spark_remote()).create()
        outcomes[name] = publish_silver(session, layout, _request(location))

    threads = [threading.Thread(target=rebuild, args=(name, loc)) for name, loc in (("tx", TEXAS), ("by", BAYERN))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    # Both audited version N; one committed N+1, the other was refused, audited N+1 and committed N+2.
    assert [read for _, read in commits] == [version_before, version_before]
    assert all(outcome.published for outcome in outcomes.values()), outcomes
    table = DeltaTable(layout.silver_breweries)
    assert table.version() == version_before + 2
    history = {entry["version"]: entry for entry in table.history(3)}
    assert {history[v]["operation"] for v in (version_before + 1, version_before + 2)} == {"WRITE"}

    # Every location holds exactly its own rows: nothing lost, nothing doubled, nothing swapped.
    assert _by_location(layout.silver_breweries) == expected
    # Each commit added the files of one location only, taken from its own private candidate.
    added = [{a["add"]["partitionValues"]["location_id"] for a in _actions(layout.silver_breweries, v) if "add" in a}
             for v in (version_before + 1, version_before + 2)]
    assert sorted(added, key=sorted) == sorted([{location_id(*TEXAS)}, {location_id(*BAYERN)}], key=sorted)


def _actions(path: str, version: int) -> list[dict]:
    log = Path(path) / "_delta_log" / f"{version:020d}.json"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_a_commit_against_an_outdated_version_is_refused(layout, spark):
    staged = wap.stage(spark.createDataFrame([("a", "x")], "id string, location_id string"),
                       layout.silver_breweries, "one", ["location_id"])
    assert wap.publish(staged, None) == 0
    second = wap.stage(spark.createDataFrame([("b", "x")], "id string, location_id string"),
                       layout.silver_breweries, "two", ["location_id"])
    assert wap.publish(second, 0, ("location_id", ["x"])) == 1
    third = wap.stage(spark.createDataFrame([("c", "x")], "id string, location_id string"),
                      layout.silver_breweries, "three", ["location_id"])
    from brewery_assets.delta_tables import PublishConflict

    with pytest.raises(PublishConflict, match="changed after version 0"):
        wap.publish(third, 0, ("location_id", ["x"]))
    assert [r["id"] for r in rows(layout.silver_breweries)] == ["b"]


def _step_span(instance: dg.DagsterInstance, run_id: str, step_key: str) -> tuple[float, float]:
    times = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.step_key == step_key and event.event_type_value in ("STEP_START",
                                                                                             "STEP_SUCCESS"):
            times[event.event_type_value] = entry.timestamp
    return times["STEP_START"], times["STEP_SUCCESS"]


def test_two_cli_runs_launched_together_take_turns_at_each_table(tmp_path):
    """Two `dagster job execute` processes on one instance, as an operator runs them from a shell."""
    home, lake = tmp_path / "home", LakeLayout(str(tmp_path / "lake"))
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "BREWERY_LAKE_ROOT": lake.root,
           "BREWERY_COMPUTE_LOGS_DIR": str(tmp_path / "logs"), "OPENBREWERYDB_API_URL": "http://127.0.0.1:9/v1"}
    env.pop("DAGSTER_DEPLOYMENT", None)
    catalogue = generate_breweries(3_000, seed=11)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        register_locations(instance, write_bronze(lake, DAY, catalogue))
        full = _execute(env, all_locations_tags(instance.get_dynamic_partitions(location_partitions.name)))
        assert full.wait(timeout=300) == 0
        expected = _by_location(lake.silver_breweries)

        keys = instance.get_dynamic_partitions(location_partitions.name)
        chosen = [keys[0], keys[len(keys) // 2]]  # not neighbours: two runs
        processes = [_execute(env, {"dagster/partition": key}) for key in chosen]
        assert [process.wait(timeout=300) for process in processes] == [0, 0]

        runs = [r for r in instance.get_run_records() if r.dagster_run.tags.get("dagster/partition") in chosen]
        assert len(runs) == 2 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        for step in ("silver_breweries", "silver_breweries_anonymized", "gold_brewery_counts"):
            (_, first_end), (second_start, _) = sorted(_step_span(instance, r.dagster_run.run_id, step) for r in runs)
            assert first_end <= second_start, f"two {step} steps overlapped"
        # Every location holds exactly its rows; the copy and gold follow silver.
        assert _by_location(lake.silver_breweries) == expected
        assert _by_location(lake.silver_anonymized, "brewery_key") == as_pseudonyms(expected)
        gold = DeltaTable(lake.gold_brewery_counts).to_pandas()
        assert int(gold["brewery_count"].sum()) == sum(len(ids) for ids in expected.values())
    finally:
        instance.dispose()


def _execute(env: dict, tags: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "brewery_assets.definitions",
               "-j", "refresh_silver_gold", "--tags", json.dumps(tags)]
    return subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
