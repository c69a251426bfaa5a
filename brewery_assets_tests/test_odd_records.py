"""Odd source data through the whole lake: the live API's number and slash encoding, elements that are not
breweries, locations that are not text, repeated ids, and a dump's unreadable lines. None of them stops the
day: bronze keeps them as received, silver keeps out what cannot enter, with a reason."""

import datetime as dt

import dagster as dg
import pytest
import requests

from brewery_assets.definitions import build_definitions
from brewery_assets.ingestion.bronze import published_snapshot
from brewery_assets.replay import ReplayServer, generate_breweries, write_dump
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets_tests.quality.lake_runs import refresh_all, rows

DAY = dt.date(2026, 11, 22)


def _ingest_and_refresh(layout, api_url: str, **bronze_config) -> tuple:
    """The day's bronze run with `bronze_config`, then silver and gold over every location."""
    defs = build_definitions({
        "lake": LakeResource(root=layout.root),
        "spark": SparkConnectResource(),
        "openbrewerydb": OpenBreweryDBResource(base_url=api_url, timeout_seconds=10),
    })
    instance = dg.DagsterInstance.ephemeral()
    bronze = defs.resolve_job_def("ingest_bronze").execute_in_process(
        partition_key=DAY.isoformat(), instance=instance, raise_on_error=False,
        run_config={"ops": {"bronze_breweries": {"config": {"requests_per_minute": 100_000, **bronze_config}}}},
    )
    assert bronze.success, [e.step_failure_data.error.message for e in bronze.get_step_failure_events()]
    return bronze, refresh_all(defs, instance)


def _by_id(table: list[dict]) -> dict:
    return {row["id"]: row for row in table}


def test_whole_number_coordinates_and_escaped_slashes_reach_silver_exactly(layout):
    records = [
        {"id": "whole", "name": "AC/DC Brewing", "brewery_type": "micro", "country": "United States",
         "state_province": "Oregon", "longitude": -122.0, "latitude": 45.0,
         "website_url": "http://www.acdc.example/beer/list?a=1"},
        {"id": "precise", "name": "Precise", "brewery_type": "micro", "country": "United States",
         "state_province": "Oregon", "longitude": -122.67620809999999, "latitude": 43.655522100000006,
         "website_url": "https://precise.example/"},
    ]
    with ReplayServer(records) as server:
        body = requests.get(f"{server.url}/breweries", timeout=10).content
        _, refresh = _ingest_and_refresh(layout, server.url)
    # As the live API sends them: integers and escaped slashes.
    assert b'"longitude":-122,"latitude":45,' in body and b'"http:\\/\\/www.acdc.example\\/beer\\/list?a=1"' in body
    assert refresh.success
    silver = _by_id(rows(layout.silver_breweries))
    whole, precise = silver["whole"], silver["precise"]
    assert (whole["longitude"], whole["latitude"]) == (-122.0, 45.0)
    assert whole["website_url"] == "http://www.acdc.example/beer/list?a=1" and whole["name"] == "AC/DC Brewing"
    assert (precise["longitude"], precise["latitude"]) == (-122.67620809999999, 43.655522100000006)
    assert whole["coordinates_issue"] is None and precise["coordinates_issue"] is None


@pytest.fixture
def odd_catalogue() -> dict:
    """Twelve breweries in pages of 5, with a string element, a state that is an object and an id on two pages."""
    good = generate_breweries(12, seed=21)
    object_state = {**good[3], "state_province": {"name": "Oregon", "code": "OR"}}
    object_state["state"] = object_state["state_province"]
    # The losing copy of the repeated id: the same brewery with fewer fields filled.
    loser = {**good[1], "phone": None, "website_url": None, "address_1": None, "street": None}
    served = [good[0], good[1], "abc", good[2], object_state, *good[4:9], loser, *good[9:]]
    return {"served": served, "good": good, "object_state": object_state, "loser": loser}


def test_odd_records_never_stop_a_day(layout, odd_catalogue):
    served = odd_catalogue["served"]
    with ReplayServer(served) as server:
        bronze, refresh = _ingest_and_refresh(layout, server.url, per_page=5)

    # Bronze: every element as received, and the repeated id (on pages 1 and 3) read twice to be sure of it.
    manifest = published_snapshot(layout, DAY).manifest
    assert manifest["records"] == len(served) == 14 and manifest["distinct_ids"] == 12
    assert manifest["extraction"]["published_pass"] == 2
    assert manifest["extraction"]["repeated_ids"]["count"] == 1

    # The day is published: silver and its quarantine are from this snapshot.
    assert refresh.success, [e.step_failure_data.error.message for e in refresh.get_step_failure_events()]
    silver = _by_id(rows(layout.silver_breweries))
    rejected = rows(layout.silver_rejected)
    assert {str(row["ingest_date"]) for row in [*silver.values(), *rejected]} == {DAY.isoformat()}
    reasons = {(row["id"], row["reject_reason"]) for row in rejected}
    assert (None, "unreadable_record") in reasons
    assert next(row for row in rejected if row["reject_reason"] == "unreadable_record")["raw_record"] == '"abc"'
    loser_id = odd_catalogue["loser"]["id"]
    (duplicate,) = [row for row in rejected if row["reject_reason"] == "duplicate_id"]
    assert duplicate["id"] == loser_id and '"phone":null' in duplicate["raw_record"]
    assert silver[loser_id]["phone"] == odd_catalogue["good"][1]["phone"], "the more complete copy wins"

    # Every other record is in silver.
    object_state_id = odd_catalogue["object_state"]["id"]
    others = {record["id"] for record in odd_catalogue["good"]} - {object_state_id}
    assert set(silver) - {object_state_id} == others

    # A location that is not text cannot partition silver: the record is kept aside with its reason.
    assert (object_state_id, "invalid_location") in reasons and object_state_id not in silver


def test_a_dumps_unreadable_lines_are_quarantined(layout, tmp_path):
    records = generate_breweries(6, seed=22)
    dump = write_dump(records, tmp_path / "breweries.jsonl", "jsonl")
    lines = dump.read_text(encoding="utf-8").split("\n")
    lines[2:2] = ['{"id": "cut-short", "name": "Half', "42"]
    dump.write_text("\n".join(lines), encoding="utf-8")

    bronze, refresh = _ingest_and_refresh(layout, "http://127.0.0.1:9/v1", source="file", dump_path=str(dump))
    (materialization,) = bronze.asset_materializations_for_node("bronze_breweries")
    assert materialization.metadata["dump_bad_lines"].value == 1 and materialization.metadata["records"].value == 8
    assert refresh.success
    assert set(_by_id(rows(layout.silver_breweries))) == {record["id"] for record in records}
    rejected = sorted((row["reject_reason"], row["raw_record"]) for row in rows(layout.silver_rejected))
    assert rejected == [("unreadable_record", '"{\\"id\\": \\"cut-short\\", \\"name\\": \\"Half"'),
                        ("unreadable_record", "42")]
    # The whole table's figures are on the reconciliation check.
    (reconciliation,) = [e for e in refresh.get_asset_check_evaluations() if e.check_name == "reconciles_with_bronze"]
    assert reconciliation.metadata["unaccounted"].value == 0
    assert reconciliation.metadata["rejected"].value == 2
