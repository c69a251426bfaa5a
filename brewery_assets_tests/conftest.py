"""Shared fixtures: the official dataset, an embedded Spark session, a fresh lake per test."""

import os
from pathlib import Path

import pytest

from brewery_assets.lake import LakeLayout  # builds no partitions
from brewery_assets.settings import ANONYMIZED_SETTINGS_ENV

# Bronze's days start at the lake's first snapshot unless this is set (brewery_assets.partitions);
# the tests ingest fixed past days into fresh lakes, so they fix the start. Set before any other
# brewery_assets module builds the partitions; test_partitions.py covers the default.
os.environ["BREWERY_BRONZE_START_DATE"] = "2026-01-01"
# Most tests' catalogues hold a few dozen breweries, one or two per location: any copy of them has
# far more than 1 % of rows alone in their group, and the anonymized copy's reidentification_risk
# would block it. Their runs (in this process or in the ones they start) let it publish;
# quality/test_anonymized_copy.py removes this and tests the limit on the public dataset.
os.environ[ANONYMIZED_SETTINGS_ENV["max_unique_share"][0]] = "1"

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_CSV = REPO_ROOT.parent / "shared" / "data" / "openbrewerydb" / "breweries.csv"


@pytest.fixture(scope="session")
def official_csv() -> Path:
    """The official Open Brewery DB dataset (11,822 breweries), read from ../shared beside the repo."""
    if not OFFICIAL_CSV.is_file():
        pytest.skip(f"the official dataset is not at {OFFICIAL_CSV} (../shared/data/openbrewerydb/)")
    return OFFICIAL_CSV


@pytest.fixture(scope="session")
def official_records(official_csv: Path) -> list[dict]:
    """The official dataset as API-shaped records."""
    from brewery_assets.replay import load_dump

    return load_dump(official_csv)


@pytest.fixture(scope="session")
def spark():
    """A Spark Connect session on the embedded engine, shared by the whole test session."""
    from brewery_assets.resources.spark import SparkConnectResource

    return SparkConnectResource().spark_session


@pytest.fixture
def layout(tmp_path: Path) -> LakeLayout:
    """An empty lake in a temporary folder."""
    return LakeLayout(str(tmp_path / "lake"))
