"""Rebuilding two locations of a full silver table rewrites those two partitions only, in one run.

The proof comes from the Delta log (one new commit whose add and remove actions name only the two
partitions) and from the data (every other partition keeps its files and rows, although the new
snapshot changed some of them too), and gold is recomputed from the resulting silver.
"""

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable

from brewery_assets.lake import LakeLayout
from brewery_assets.locations import location_key, parse_location_key
from brewery_assets.partitions import location_partitions, partition_range_tags
from brewery_assets.replay import ReplayServer
from brewery_assets_tests.orchestration.conftest import DAY, ingest, lake_definitions, refresh_all


def files_by_partition(table: DeltaTable) -> dict[tuple[str, str], set[str]]:
    """The table's current data files, grouped by (country, state) partition."""
    actions = pa.table(table.get_add_actions(flatten=True)).to_pydict()
    grouped: dict[tuple[str, str], set[str]] = {}
    for path, country, state in zip(
        actions["path"], actions["partition.country"], actions["partition.state"], strict=True
    ):
        grouped.setdefault((country, state), set()).add(path)
    return grouped


def rows_by_partition(table: DeltaTable) -> dict[tuple[str, str], list[tuple]]:
    """Every row as text, grouped by (country, state) and sorted, for exact comparisons."""
    frame = table.to_pandas()
    frame = frame[sorted(frame.columns)].astype(str)
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for row in frame.itertuples(index=False):
        grouped.setdefault((row.country, row.state), []).append(tuple(row))
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
    untouched_source_change = ("United States", "California")

    silver_path = layout.silver_breweries
    before = DeltaTable(silver_path)
    version_before = before.version()
    files_before, rows_before = files_by_partition(before), rows_by_partition(before)
    assert len(files_before) == len(keys) == 82

    # The next day's catalogue renames every brewery in Bavaria and California, drops one in
    # Baden-Württemberg and adds one to it.
    def changed(record: dict) -> dict | None:
        where = (record["country"], record["state_province"])
        if where in (chosen[1], untouched_source_change):
            return dict(record, name=record["name"] + " (renamed)")
        return record

    in_bw = [r for r in catalogue if (r["country"], r["state_province"]) == chosen[0]]
    next_day = [changed(r) for r in catalogue if r["id"] != in_bw[0]["id"]]
    next_day.append(dict(in_bw[1], id="new-in-bw", name="Neue Brauerei"))
    with ReplayServer(next_day) as server:
        ingest(lake_definitions(layout.root, server.url), instance, DAY + dt.timedelta(days=1))

    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, tags=partition_range_tags(chosen_keys[0], chosen_keys[1]))
    assert result.success
    silver_events = [e for e in result.get_asset_materialization_events()
                     if e.asset_key == dg.AssetKey("silver_breweries")]
    assert sorted(e.partition for e in silver_events) == sorted(chosen_keys)  # both in this one run
    assert silver_events[0].materialization.metadata["full_rebuild"].value is False

    after = DeltaTable(silver_path)
    # One commit: an overwrite scoped by a predicate naming the two locations.
    assert after.version() == version_before + 1
    [commit] = after.history(1)
    assert commit["operation"] == "WRITE"
    actions = commit_actions(silver_path, after.version())
    added = {(a["add"]["partitionValues"]["country"], a["add"]["partitionValues"]["state"])
             for a in actions if "add" in a}
    removed_files = {a["remove"]["path"] for a in actions if "remove" in a}
    removed = {(a["remove"]["partitionValues"]["country"], a["remove"]["partitionValues"]["state"])
               for a in actions if "remove" in a}
    assert added == removed == set(chosen)
    assert removed_files == files_before[chosen[0]] | files_before[chosen[1]]

    # Every other partition: the same files and the same rows (California keeps its old names).
    files_after, rows_after = files_by_partition(after), rows_by_partition(after)
    others = set(files_before) - set(chosen)
    assert {loc: files_after[loc] for loc in others} == {loc: files_before[loc] for loc in others}
    assert {loc: rows_after[loc] for loc in others} == {loc: rows_before[loc] for loc in others}
    assert not any("(renamed)" in str(row) for row in rows_after[untouched_source_change])
    for location in chosen:
        assert files_after[location].isdisjoint(files_before[location])

    # The two rebuilt partitions hold the new snapshot's breweries.
    frame = after.to_pandas()
    bayern = frame[(frame.country == "Germany") & (frame.state == "Bayern")]
    assert len(bayern) == 20 and bayern["name"].str.endswith(" (renamed)").all()
    bw_ids = set(frame[(frame.country == "Germany") & (frame.state == "Baden-Württemberg")]["id"])
    assert bw_ids == {r["id"] for r in in_bw[1:]} | {"new-in-bw"}

    # Gold is recomputed from the resulting silver: the same counts, row for row.
    gold = DeltaTable(layout.gold_brewery_counts).to_pandas()
    expected = frame.groupby(["country", "state", "brewery_type"]).size().rename("brewery_count").reset_index()
    merged = gold.merge(expected, on=["country", "state", "brewery_type"], how="outer", suffixes=("", "_silver"))
    pd.testing.assert_series_equal(merged["brewery_count"].astype("int64"),
                                   merged["brewery_count_silver"].astype("int64"), check_names=False)
    by_location = gold.groupby(["country", "state"])["ingest_date"].agg(lambda s: set(s.astype(str)))
    assert by_location[chosen[0]] == by_location[chosen[1]] == {(DAY + dt.timedelta(days=1)).isoformat()}
    assert by_location[untouched_source_change] == {DAY.isoformat()}
