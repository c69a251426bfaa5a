"""Helpers for the ingestion tests: a client with test-sized waits, and what a published snapshot holds."""

import datetime as dt
import json
from pathlib import Path

import pytest

from brewery_assets.ingestion.bronze import published_snapshot, write_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.client import OpenBreweryDBClient
from brewery_assets.openbrewerydb.retry import RetryPolicy

DAY = dt.date(2026, 11, 22)

# Waits shrunk to milliseconds by configuration; the rate limit is out of the way unless a test sets it.
FAST_RETRY = {"max_retries": 6, "backoff_seconds": 0.01, "max_backoff_seconds": 0.05}


def fast_client(url: str, timeout: float = 5.0, **retry: float) -> OpenBreweryDBClient:
    """A client whose retries wait milliseconds instead of seconds."""
    return OpenBreweryDBClient(url, timeout=timeout, retry=RetryPolicy(**{**FAST_RETRY, **retry}),
                               requests_per_minute=100_000)


def published_records(layout: LakeLayout, day: dt.date = DAY) -> list[dict]:
    """Every record of the day's published snapshot, in page order."""
    snapshot = published_snapshot(layout, day)
    assert snapshot is not None, f"no published snapshot for {day}"
    return [json.loads(line) for page in snapshot.manifest["pages"]
            for line in snapshot.read_page(page["file"]).decode("utf-8").splitlines()]


def snapshot_files(layout: LakeLayout, day: dt.date = DAY) -> dict[str, bytes]:
    """File name -> bytes of the day's published pages (the manifest left out: it holds timings)."""
    snapshot = published_snapshot(layout, day)
    return {path.name: path.read_bytes() for path in sorted(Path(snapshot.path).glob("page-*.jsonl"))}


@pytest.fixture
def previous_snapshot(layout: LakeLayout) -> dict:
    """A good snapshot already published for DAY, which a failed run must leave exactly as it is."""
    records = [{"id": f"previous-{i}", "name": f"Old {i}", "country": "Germany", "state_province": "Bayern"}
               for i in range(3)]
    manifest = write_snapshot(layout, DAY, [(1, records, None)], {"kind": "test"})
    return {"manifest": manifest, "files": snapshot_files(layout), "records": records}


def version_folders(layout: LakeLayout, day: dt.date = DAY) -> list[str]:
    """The names of the day's version folders, published or not."""
    return sorted(p.name for p in Path(layout.bronze_day_dir(day)).iterdir() if p.is_dir())


def assert_unchanged(layout: LakeLayout, previous: dict, only_published: bool = True) -> None:
    """The day's published snapshot is still `previous`, byte for byte (and, normally, no other version is left)."""
    snapshot = published_snapshot(layout, DAY)
    assert snapshot is not None and snapshot.manifest == previous["manifest"]
    assert snapshot_files(layout) == previous["files"]
    assert published_records(layout) == previous["records"]
    if only_published:
        assert version_folders(layout) == [previous["manifest"]["version"]]
