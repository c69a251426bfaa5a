"""The whole lake over HTTP: replay server -> bronze -> silver (Delta, by location) -> gold."""

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable

from brewery_assets.definitions import build_definitions
from brewery_assets.ingestion.bronze import read_manifest, write_snapshot
from brewery_assets.locations import location_id, location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.pipeline import PipelineFailed, run_daily_refresh
from brewery_assets.replay import ReplayServer
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets_tests.quality.lake_runs import refresh_all

DAY = dt.date(2026, 11, 22)


def lake_definitions(layout, api_url: str) -> dg.Definitions:
    return build_definitions({
        "lake": LakeResource(root=layout.root),
        "spark": SparkConnectResource(),
        "openbrewerydb": OpenBreweryDBResource(base_url=api_url),
    })


def table_rows(path: str) -> list[tuple]:
    frame = DeltaTable(path).to_pandas()
    return sorted(map(tuple, frame[sorted(frame.columns)].astype(str).itertuples(index=False)))


@pytest.fixture(scope="module")
def official_server(official_records):
    with ReplayServer(official_records) as server:
        yield server


def test_official_dataset_end_to_end(official_server, official_records, layout):
    defs = lake_definitions(layout, official_server.url)
    instance = dg.DagsterInstance.ephemeral()
    bronze_run, refresh_run, history_run = run_daily_refresh(defs, instance, DAY)

    # Bronze: every record once, as received, with a manifest that accounts for the pages.
    snapshot_dir = Path(layout.bronze_snapshot_dir(DAY))
    manifest = read_manifest(snapshot_dir)
    assert manifest["records"] == manifest["api_total"] == manifest["distinct_ids"] == 11_822
    assert len(manifest["pages"]) == 60
    stored = [json.loads(line) for page in manifest["pages"]
              for line in (snapshot_dir / page["file"]).read_text(encoding="utf-8").splitlines()]
    assert stored == official_records

    # Locations became silver partitions: 213 raw (country, state) pairs make 212 locations, because
    # the one-row typo 'MIssouri' is a case variant of 'Missouri' and merges into it.
    keys = instance.get_dynamic_partitions(location_partitions.name)
    assert len(keys) == 212
    assert location_key("United States", "MIssouri") not in keys
    assert location_key("Germany", "Baden-Württemberg") in keys

    # Silver: 11,822 rows in 212 physical partitions (one per location), with the file's type totals.
    silver = DeltaTable(layout.silver_breweries)
    assert silver.metadata().partition_columns == ["location_id"]
    frame = silver.to_pandas()
    assert len(frame) == frame["id"].nunique() == 11_822
    assert len(frame[["country", "state"]].drop_duplicates()) == len(frame["location_id"].unique()) == 212
    assert (frame["state"] == "Missouri").sum() == 142 and not (frame["state"] == "MIssouri").any()
    expected_types = Counter(r["brewery_type"] for r in official_records)
    assert Counter(frame["brewery_type"]) == expected_types
    assert expected_types["micro"] == 5_840 and expected_types["brewpub"] == 3_931

    # Coordinates are the file's values to the last digit, but for the nine pairs outside their country
    # (the dataset profile's list: eight exchanged, one lost sign), which are nulled with the reason.
    file_coordinates = {r["id"]: (r["longitude"], r["latitude"]) for r in official_records}
    issues = {r.id: r.coordinates_issue for r in frame[frame["coordinates_issue"].notna()].itertuples()}
    assert Counter(issues.values()) == {"swapped": 8, "outside_country": 1}
    located = frame[frame["longitude"].notna()]
    silver_coordinates = {r.id: (r.longitude, r.latitude) for r in located.itertuples()}
    assert silver_coordinates == {k: v for k, v in file_coordinates.items() if v[0] is not None and k not in issues}
    assert len(silver_coordinates) == 11_822 - 2_435 - 9

    # Gold sums to silver, and its United States figures are the file's.
    gold = DeltaTable(layout.gold_brewery_counts).to_pandas()
    assert gold["brewery_count"].sum() == 11_822
    assert not gold.duplicated(["country", "state", "brewery_type"]).any()
    us_gold = {(r.state, r.brewery_type): r.brewery_count for r in gold[gold.country == "United States"].itertuples()}
    us_file = Counter(({"MIssouri": "Missouri"}.get(r["state_province"], r["state_province"]), r["brewery_type"])
                      for r in official_records if r["country"] == "United States")
    assert us_gold == dict(us_file)
    assert sum(us_gold.values()) == 8_224

    # Materialization metadata tells the same story: each location its own figures, the whole
    # table's in the reconciliation check.
    by_partition = {m.partition: m.metadata for m in refresh_run.asset_materializations_for_node("silver_breweries")}
    assert len(by_partition) == 212
    assert sum(meta["dagster/row_count"].value for meta in by_partition.values()) == 11_822
    texas = by_partition[location_key("United States", "Texas")]
    assert texas["dagster/row_count"].value == int((frame["state"] == "Texas").sum()) > 0
    assert texas["duplicates_removed"].value == 0 and texas["rejected"].value == 0
    bronze_meta = bronze_run.asset_materializations_for_node("bronze_breweries")[0].metadata
    assert bronze_meta["records"].value == 11_822 and bronze_meta["new_locations"].value == 212
    checks = {e.check_name: e for e in refresh_run.get_asset_check_evaluations()}
    assert all(e.passed for e in checks.values()), [n for n, e in checks.items() if not e.passed]
    assert checks["reconciles_with_bronze"].metadata["silver_rows"].value == 11_822
    assert {e.asset_key.to_user_string() for e in checks.values()} == {
        "silver_breweries", "silver_breweries_anonymized", "gold_brewery_counts"}

    # The day starts the history: one current version per brewery, exactly silver's rows.
    history = DeltaTable(layout.silver_brewery_history).to_pandas()
    assert len(history) == history["id"].nunique() == 11_822 and history["is_current"].all()
    history_checks = {e.check_name: e for e in history_run.get_asset_check_evaluations()}
    assert all(e.passed for e in history_checks.values()) and len(history_checks) == 6
    assert history_checks["current_versions_match_silver"].metadata["compared_with"].value.startswith(
        "silver_breweries version ")


def test_materializing_the_same_day_again_changes_nothing(official_server, layout):
    defs = lake_definitions(layout, official_server.url)
    instance = dg.DagsterInstance.ephemeral()
    run_daily_refresh(defs, instance, DAY)
    silver_before, gold_before = table_rows(layout.silver_breweries), table_rows(layout.gold_brewery_counts)

    history_version = DeltaTable(layout.silver_brewery_history).version()
    _, refresh, history = run_daily_refresh(defs, instance, DAY)

    assert table_rows(layout.silver_breweries) == silver_before
    assert table_rows(layout.gold_brewery_counts) == gold_before
    assert len(silver_before) == 11_822
    assert refresh.asset_materializations_for_node("bronze_breweries") == []
    assert len(instance.get_dynamic_partitions(location_partitions.name)) == 212
    # The history already holds the day: nothing is published again.
    assert DeltaTable(layout.silver_brewery_history).version() == history_version
    assert history.asset_materializations_for_node("silver_brewery_history")[0].metadata["unchanged"].value is True


def test_rebuilding_one_location_leaves_the_others(layout):
    records = [
        {"id": f"id-{i}", "name": f"B{i}", "brewery_type": "micro", "country": "Germany",
         "state_province": state, "state": state}
        for i, state in enumerate(["Bayern", "Bayern", "Hessen", "Thüringen"])
    ]
    instance = dg.DagsterInstance.ephemeral()
    with ReplayServer(records) as server:
        defs = lake_definitions(layout, server.url)
        run_daily_refresh(defs, instance, DAY)
    before = DeltaTable(layout.silver_breweries)
    thuringia = location_id("Germany", "Thüringen")
    others_files = {f for f in before.file_uris() if thuringia not in f}
    assert len(others_files) == 2

    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key=location_key("Germany", "Thüringen"))

    assert result.success
    after = DeltaTable(layout.silver_breweries)
    assert after.to_pandas().sort_values("id")["id"].tolist() == ["id-0", "id-1", "id-2", "id-3"]
    assert others_files <= set(after.file_uris())  # Bayern and Hessen files were not rewritten
    new_files = set(after.file_uris()) - set(before.file_uris())
    assert len(new_files) == 1 and thuringia in new_files.pop() and result.run_id in str(after.file_uris())
    assert DeltaTable(layout.gold_brewery_counts).to_pandas()["brewery_count"].sum() == 4

    # The next day's snapshot renames a brewery: rebuilding one location from it alone would mix two
    # snapshots in the table, so it is refused; rebuilding every location takes it.
    renamed = [dict(r, name=f"{r['name']} (renamed)") if r["id"] in ("id-0", "id-3") else r for r in records]
    write_snapshot(layout, DAY + dt.timedelta(days=1), [(1, renamed, None)], {"kind": "test"})
    refused = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key=location_key("Germany", "Thüringen"), raise_on_error=False)
    assert not refused.success and DeltaTable(layout.silver_breweries).version() == after.version()
    assert refresh_all(defs, instance).success
    names = dict(DeltaTable(layout.silver_breweries).to_pandas()[["id", "name"]].itertuples(index=False))
    assert names == {"id-0": "B0 (renamed)", "id-1": "B1", "id-2": "B2", "id-3": "B3 (renamed)"}


def test_a_failing_source_fails_the_run_and_publishes_nothing(layout, official_server):
    # Every request answers 404: not retryable, so the run fails at once (outages are in ingestion/).
    defs = lake_definitions(layout, f"{official_server.url}/missing")
    with pytest.raises(PipelineFailed, match=r"bronze_breweries: .*HTTP 404"):
        run_daily_refresh(defs, dg.DagsterInstance.ephemeral(), DAY)
    assert read_manifest(layout.bronze_snapshot_dir(DAY)) is None
    assert not any(Path(layout.bronze_root).glob("ingest_date=*"))
