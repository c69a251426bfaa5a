"""Fixtures for the replay tests: the official dataset beside the repo, loaded once."""

from pathlib import Path

import pytest

from brewery_assets.replay import load_snapshot

# The repo root is parents[2] of this file; the shared data sits next to the repo.
REPO_ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_CSV = REPO_ROOT.parent / "shared" / "data" / "openbrewerydb" / "breweries.csv"


@pytest.fixture(scope="session")
def official_csv_path() -> Path:
    """The official breweries.csv (11,822 rows); skips the test when it is absent."""
    if not OFFICIAL_CSV.is_file():
        pytest.skip(f"the official dataset is not at {OFFICIAL_CSV} (shared/data beside the repo)")
    return OFFICIAL_CSV


@pytest.fixture(scope="session")
def official_breweries(official_csv_path: Path) -> list[dict]:
    """The official dataset loaded by load_snapshot; tests must not modify it."""
    return load_snapshot(official_csv_path)
