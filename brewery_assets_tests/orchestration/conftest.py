"""Shared pieces of the orchestration tests: a small catalogue, the lake's definitions, run helpers."""

import datetime as dt

import dagster as dg
import pytest

from brewery_assets.definitions import build_definitions
from brewery_assets.partitions import all_locations_tags, location_partitions
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource

# A past day: partitions exist only up to today, and tests must pass on any later date too.
DAY = dt.date(2026, 11, 20)

# Names that need every escape of a location key, and non-ASCII text.
AWKWARD_LOCATIONS = [
    ("Côte d'Ivoire", "Lagunes, Abidjan"),
    ("Österreich", "Wien | Innere Stadt"),
    ("United States", "Zone [A]/North..."),
]


def awkward_records() -> list[dict]:
    """Two breweries in each location of AWKWARD_LOCATIONS."""
    return [
        {"id": f"awkward-{i}-{n}", "name": f"Brauerei {i}{n}", "brewery_type": "micro",
         "country": country, "state_province": state, "state": state}
        for i, (country, state) in enumerate(AWKWARD_LOCATIONS)
        for n in range(2)
    ]


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    """A few hundred generated breweries in about 80 locations, plus the awkward ones."""
    return generate_breweries(300, seed=7) + awkward_records()


@pytest.fixture(scope="module")
def api(catalogue):
    """The replay server serving `catalogue` on loopback."""
    with ReplayServer(catalogue) as server:
        yield server


def lake_resources(lake_root: str, api_url: str) -> dict:
    """The lake's resources on a given lake root and API, embedded Spark."""
    return {
        "lake": LakeResource(root=lake_root),
        "spark": SparkConnectResource(),
        "openbrewerydb": OpenBreweryDBResource(base_url=api_url),
    }


def lake_definitions(lake_root: str, api_url: str) -> dg.Definitions:
    """The code location's definitions on a given lake and API, embedded Spark."""
    return build_definitions(lake_resources(lake_root, api_url))


def ingest(defs: dg.Definitions, instance: dg.DagsterInstance, day: dt.date) -> dg.ExecuteInProcessResult:
    """Runs `ingest_bronze` for `day` in process; asserts success."""
    result = defs.resolve_job_def("ingest_bronze").execute_in_process(instance=instance, partition_key=day.isoformat())
    assert result.success
    return result


def refresh_all(defs: dg.Definitions, instance: dg.DagsterInstance, **tags: str) -> dg.ExecuteInProcessResult:
    """Runs `refresh_silver_gold` over every registered location as one run; asserts success."""
    keys = instance.get_dynamic_partitions(location_partitions.name)
    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, tags={**all_locations_tags(keys), **tags})
    assert result.success
    return result


@pytest.fixture
def instance():
    """A persistent Dagster instance in a temporary folder (schedule contexts need a persistent one)."""
    with dg.instance_for_test() as test_instance:
        yield test_instance

