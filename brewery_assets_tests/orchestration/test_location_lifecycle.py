"""Location partitions over time: registered by bronze, safe and exact keys, and what a vanished location becomes."""

import datetime as dt

import dagster as dg
import pytest
from deltalake import DeltaTable

from brewery_assets.lake import LakeLayout
from brewery_assets.locations import location_key, parse_location_key
from brewery_assets.partitions import contiguous_ranges, location_partitions, partition_range_tags
from brewery_assets.replay import ReplayServer
from brewery_assets_tests.orchestration.conftest import (
    AWKWARD_LOCATIONS,
    DAY,
    awkward_records,
    ingest,
    lake_definitions,
    refresh_all,
)

NEXT_DAY = DAY + dt.timedelta(days=1)


def brewery(number: int, country: str, state: str) -> dict:
    """A minimal API record."""
    return {"id": f"b-{number}", "name": f"Brewery {number}", "brewery_type": "micro",
            "country": country, "state_province": state, "state": state}


def locations_in(path: str) -> dict[tuple[str, str], int]:
    """Rows per (country, state) of a Delta table."""
    frame = DeltaTable(path).to_pandas()
    return {key: len(group) for key, group in frame.groupby(["country", "state"])}


def test_keys_are_safe_readable_and_map_back_to_the_exact_names(tmp_path):
    records = awkward_records() + [brewery(1, "Germany", "Baden-Württemberg")]
    layout = LakeLayout(str(tmp_path / "lake"))
    instance = dg.DagsterInstance.ephemeral()
    with ReplayServer(records) as server:
        defs = lake_definitions(layout.root, server.url)
        ingest(defs, instance, DAY)
    refresh_all(defs, instance)

    keys = instance.get_dynamic_partitions(location_partitions.name)
    assert "Germany/Baden-Württemberg" in keys  # readable: non-ASCII stays as it is
    expected = {location_key(c, s): (c, s) for c, s in [*AWKWARD_LOCATIONS, ("Germany", "Baden-Württemberg")]}
    assert set(keys) == set(expected)
    for key in keys:
        # Nothing the partition picker, the CLI's ranges or GraphQL would read as syntax.
        assert not any(bad in key for bad in (",", "|", "[", "]", "...")), key
        assert parse_location_key(key) == expected[key]
    assert location_key("United States", "Zone [A]/North...") == "United States/Zone %5BA%5D%2FNorth%2E%2E%2E"

    # Each key's silver rows carry exactly the strings the key maps back to.
    assert locations_in(layout.silver_breweries) == {
        ("Côte d'Ivoire", "Lagunes, Abidjan"): 2,
        ("Österreich", "Wien | Innere Stadt"): 2,
        ("United States", "Zone [A]/North..."): 2,
        ("Germany", "Baden-Württemberg"): 1,
    }

    # One awkward key alone, through its key: only its partition is rebuilt.
    key = location_key("Österreich", "Wien | Innere Stadt")
    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(instance=instance, partition_key=key)
    assert result.success
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["silver_breweries"]]
    assert event.partition == key and event.materialization.metadata["full_rebuild"].value is False


def test_new_locations_join_and_vanished_ones_keep_their_key_but_lose_their_rows(tmp_path):
    day_one = [brewery(1, "Ireland", "Dublin"), brewery(2, "Ireland", "Cork"), brewery(3, "Scotland", "Fife")]
    # Next day: Cork has closed its only brewery, and Wales appears.
    day_two = [day_one[0], day_one[2], brewery(4, "Wales", "Gwynedd")]
    layout = LakeLayout(str(tmp_path / "lake"))
    instance = dg.DagsterInstance.ephemeral()
    with ReplayServer(day_one) as server:
        defs = lake_definitions(layout.root, server.url)
        ingest(defs, instance, DAY)
    refresh_all(defs, instance)
    first_keys = instance.get_dynamic_partitions(location_partitions.name)
    assert first_keys == ["Ireland/Cork", "Ireland/Dublin", "Scotland/Fife"]  # sorted within a snapshot

    with ReplayServer(day_two) as server:
        ingest(lake_definitions(layout.root, server.url), instance, NEXT_DAY)
    keys = instance.get_dynamic_partitions(location_partitions.name)
    # The new location is appended, so existing ranges keep their meaning; the vanished one stays.
    assert keys == [*first_keys, "Wales/Gwynedd"]

    # Rebuilding the vanished location alone from the new snapshot would mix two snapshots: refused.
    refused = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key="Ireland/Cork", raise_on_error=False)
    assert not refused.success
    assert locations_in(layout.silver_breweries) == {
        ("Ireland", "Dublin"): 1, ("Ireland", "Cork"): 1, ("Scotland", "Fife"): 1}

    # The daily refresh covers every registered key: a full rewrite from the latest snapshot.
    refresh = refresh_all(defs, instance)
    by_partition = {m.partition: m.metadata for m in refresh.asset_materializations_for_node("silver_breweries")}
    assert by_partition["Ireland/Cork"]["full_rebuild"].value is True
    assert by_partition["Ireland/Cork"]["dagster/row_count"].value == 0  # an empty partition, truthfully
    assert by_partition["Wales/Gwynedd"]["dagster/row_count"].value == 1
    assert locations_in(layout.silver_breweries) == {
        ("Ireland", "Dublin"): 1, ("Scotland", "Fife"): 1, ("Wales", "Gwynedd"): 1}
    assert locations_in(layout.gold_brewery_counts) == {
        ("Ireland", "Dublin"): 1, ("Scotland", "Fife"): 1, ("Wales", "Gwynedd"): 1}
    assert "Ireland/Cork" in instance.get_dynamic_partitions(location_partitions.name)

    # Rebuilding the vanished location alone, now from the table's own snapshot, keeps it empty.
    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key="Ireland/Cork")
    assert result.success
    assert locations_in(layout.silver_breweries) == {
        ("Ireland", "Dublin"): 1, ("Scotland", "Fife"): 1, ("Wales", "Gwynedd"): 1}


def test_a_set_of_keys_becomes_one_run_per_contiguous_range():
    registered = ["A/a", "A/b", "B/a", "C/a", "C/b"]
    assert contiguous_ranges(["A/b", "A/a", "B/a"], registered) == [("A/a", "B/a")]
    assert contiguous_ranges(["A/a", "C/a", "C/b"], registered) == [("A/a", "A/a"), ("C/a", "C/b")]
    assert partition_range_tags("A/a", "B/a") == {
        "dagster/asset_partition_range_start": "A/a", "dagster/asset_partition_range_end": "B/a"}
    with pytest.raises(ValueError, match="Z/z"):
        contiguous_ranges(["A/a", "Z/z"], registered)
