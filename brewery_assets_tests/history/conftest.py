"""A lake that ingested three days of a changing catalogue through the replay server, in order.

    day 1  60 generated breweries
    day 2  one renamed, one with a new phone, one with a new type; two removed; two added
    day 3  one of the removed back as it was; one of the added removed again; one renamed; one added

Each day: bronze over HTTP, silver and gold over every location, then the day's history, changes
and daily counts, as `brewery-lake run` does. Silver's rows of each day are kept: they are what
the history's versions must hold.
"""

import datetime as dt
from dataclasses import dataclass, field

import dagster as dg
import pytest

from brewery_assets.definitions import build_definitions
from brewery_assets.lake import LakeLayout
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets_tests.quality.lake_runs import refresh_all, rows

DAYS = [dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)]
BASE = generate_breweries(60, seed=11)
NEW_A, NEW_B, NEW_C = generate_breweries(3, seed=99)


def catalogues() -> list[list[dict]]:
    """The catalogue the API serves on each of DAYS."""
    day2 = [dict(r) for r in BASE]
    day2[0]["name"] = "Bird Song Brewing Company"
    day2[1]["phone"] = "(661) 555-0199"  # silver keeps a US number as its 10 digits
    day2[2]["brewery_type"] = "micro" if BASE[2]["brewery_type"] != "micro" else "brewpub"
    removed = {BASE[10]["id"], BASE[11]["id"]}
    day2 = [r for r in day2 if r["id"] not in removed] + [NEW_A, NEW_B]
    day3 = [dict(r) for r in day2 if r["id"] != NEW_B["id"]] + [BASE[10], NEW_C]
    renamed = next(r for r in day3 if r["id"] == BASE[3]["id"])
    renamed["name"] = "Alpine Bend Brewing"
    return [BASE, day2, day3]


def definitions(root: str, api_url: str, bronze_uri: str = "") -> dg.Definitions:
    return build_definitions({
        "lake": LakeResource(root=root, bronze_uri=bronze_uri),
        "spark": SparkConnectResource(),
        "openbrewerydb": OpenBreweryDBResource(base_url=api_url),
    })


def update_history(defs: dg.Definitions, instance: dg.DagsterInstance, day: dt.date) -> dg.ExecuteInProcessResult:
    """One `update_history` run for `day`; asserts it succeeded."""
    result = defs.resolve_job_def("update_history").execute_in_process(
        instance=instance, partition_key=day.isoformat(), raise_on_error=False)
    assert result.success, [e.event_specific_data for e in result.get_step_failure_events()]
    return result


@dataclass
class HistoryLake:
    layout: LakeLayout
    defs: dg.Definitions
    instance: dg.DagsterInstance
    silver: dict[dt.date, dict[str, dict]] = field(default_factory=dict)  # silver's rows of each day, by id
    runs: dict[dt.date, dg.ExecuteInProcessResult] = field(default_factory=dict)  # each day's update_history


@pytest.fixture(scope="module")
def lake_in_order(tmp_path_factory) -> HistoryLake:
    layout = LakeLayout(str(tmp_path_factory.mktemp("in_order") / "lake"))
    instance = dg.DagsterInstance.ephemeral()
    with ReplayServer(BASE) as server:
        lake = HistoryLake(layout, definitions(layout.root, server.url), instance)
        for day, records in zip(DAYS, catalogues(), strict=True):
            server.delete_records(0, server.record_count)
            server.insert_records(0, records)
            bronze = lake.defs.resolve_job_def("ingest_bronze").execute_in_process(
                instance=instance, partition_key=day.isoformat())
            assert bronze.success
            assert refresh_all(lake.defs, instance).success
            lake.silver[day] = {row["id"]: row for row in rows(layout.silver_breweries)}
            assert len(lake.silver[day]) == len(records)
            lake.runs[day] = update_history(lake.defs, instance, day)
    return lake
