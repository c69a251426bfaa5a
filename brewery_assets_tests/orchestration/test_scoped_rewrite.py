"""Rebuilding two locations of a full silver table rewrites those two partitions only, in one run.

The proof comes from the Delta log (one new commit whose add and remove actions name only the two
partitions) and from the data (every other partition keeps its files and rows), and gold is
recomputed from the resulting silver. A partial rebuild from a newer snapshot than the table's is
refused: the table would mix two snapshots.
"""

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable

from brewery_assets.lake import LakeLayout
from brewery_assets.locations import location_id, location_key, parse_location_key
from brewery_assets.partitions import location_partitions, partition_range_tags
from brewery_assets.replay import ReplayServer
from brewery_assets_tests.orchestration.conftest import DAY, ingest, lake_definitions, refresh_all


def files_by_partition(table: DeltaTable) -> dict[str, set[str]]:
    """The table's current data files, grouped by partition (location_id)."""
    actions = pa.table(table.get_add_actions(flatten=True)).to_pydict()
    grouped: dict[str, set[str]] = {}
    for path, partition in zip(actions["path"], actions["partition.location_id"], strict=True):
        grouped.setdefault(partition, set()).add(path)
    return grouped


def rows_by_partition(table: DeltaTable) -> dict[str, list[tuple]]:
    """Every row as text, grouped by partition (location_id) and sorted, for exact comparisons."""
    frame = table.to_pandas()
    frame = frame[sorted(frame.columns)].astype(str)
    grouped: dict[str, list[tuple]] = {}
    for row in frame.itertuples(index=False):
        grouped.setdefault(row.location_id, []).append(tuple(row))
    return {location: sorted(rows) for location, rows in grouped.items()}


def commit_actions(table_path: str, version: int) -> list[dict]:
    """The actions of one commit of the Delta log, read from its JSON file."""
    log = Path(table_path) / "_delta_log" / f"{version:020d}.json"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_rebuilding_two_locations_touches_nothing_else(catalogue, api, tmp_path):
    layout = LakeLayout(str(tmp_path / "lake"))
    instance = dg.DagsterInstance.ephemeral()
    defs = lake_definitions(layout.root, api.url)
    ingest(defs, instance, DAY)
    refresh_all(defs, instance)

    keys = instance.get_dynamic_partitions(location_partitions.name)
    # Two neighbours in registration order, so that one range run covers exactly them.
    first = keys.index(location_key("Germany", "Baden-Württemberg"))
    chosen_keys = keys[first:first + 2]
    chosen = [parse_location_key(key) for key in chosen_keys]
    assert chosen == [("Germany", "Baden-Württemberg"), ("Germany", "Bayern")]
    chosen_ids = {location_id(*location) for location in chosen}

    silver_path = layout.silver_breweries
    before = DeltaTable(silver_path)
    version_before = before.version()
    files_before, rows_before = files_by_partition(before), rows_by_partition(before)
    assert len(files_before) == len(keys) == 82
    assert all(len(files) == 1 for files in files_before.values())  # one file per location

    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, tags=partition_range_tags(chosen_keys[0], chosen_keys[1]))
    assert result.success
    silver_events = [e for e in result.get_asset_materialization_events()
                     if e.asset_key == dg.AssetKey("silver_breweries")]
    assert sorted(e.partition for e in silver_events) == sorted(chosen_keys)  # both in this one run
    assert silver_events[0].materialization.metadata["full_rebuild"].value is False

    after = DeltaTable(silver_path)
    # One commit: an overwrite of exactly the two locations' partitions.
    assert after.version() == version_before + 1
    [commit] = after.history(1)
    assert commit["operation"] == "WRITE"
    actions = commit_actions(silver_path, after.version())
    added = {a["add"]["partitionValues"]["location_id"] for a in actions if "add" in a}
    removed_files = {a["remove"]["path"] for a in actions if "remove" in a}
    removed = {a["remove"]["partitionValues"]["location_id"] for a in actions if "remove" in a}
    assert added == removed == chosen_ids
    assert removed_files == set().union(*(files_before[i] for i in chosen_ids))
    # The new files are the run's audited candidate, committed where it was written (no copy).
    assert all(a["add"]["path"].startswith(f"runs/{result.run_id}.") for a in actions if "add" in a)

    # Every other partition: the same files and the same rows; the rebuilt ones: new files, same rows.
    files_after, rows_after = files_by_partition(after), rows_by_partition(after)
    others = set(files_before) - chosen_ids
    assert {loc: files_after[loc] for loc in others} == {loc: files_before[loc] for loc in others}
    assert rows_after == rows_before
    for location in chosen_ids:
        assert files_after[location].isdisjoint(files_before[location])

    # Gold is recomputed from the resulting silver: the same counts, row for row.
    frame = after.to_pandas()
    gold = DeltaTable(layout.gold_brewery_counts).to_pandas()
    expected = frame.groupby(["country", "state", "brewery_type"]).size().rename("brewery_count").reset_index()
    merged = gold.merge(expected, on=["country", "state", "brewery_type"], how="outer", suffixes=("", "_silver"))
    pd.testing.assert_series_equal(merged["brewery_count"].astype("int64"),
                                   merged["brewery_count_silver"].astype("int64"), check_names=False)

    # The next day's catalogue renames every brewery in Bavaria: rebuilding only Bavaria from it
    # is refused at once, and nothing is committed.
    renamed = [dict(r, name=r["name"] + " (renamed)") if (r["country"], r["state_province"]) == chosen[1] else r
               for r in catalogue]
    with ReplayServer(renamed) as server:
        ingest(lake_definitions(layout.root, server.url), instance, DAY + dt.timedelta(days=1))
    refused = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key=chosen_keys[1], raise_on_error=False)
    assert not refused.success
    assert "would mix two snapshots" in refused.get_step_failure_events()[0].step_failure_data.error.message
    assert DeltaTable(silver_path).version() == after.version()
