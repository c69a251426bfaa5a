"""Bronze snapshot publishing: versions behind a `_current` pointer, atomic replacement, crash safety."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from brewery_assets.ingestion import bronze
from brewery_assets.ingestion.bronze import (
    BronzeSnapshotWriter,
    IncompleteSnapshotError,
    latest_snapshot,
    published_snapshot,
    read_manifest,
    verify_snapshot,
    write_snapshot,
)
from brewery_assets.lake import CURRENT_NAME, MANIFEST_NAME
from brewery_assets.locations import location_id
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.replay.faults import FaultPlan
from brewery_assets_tests.conftest import REPO_ROOT
from brewery_assets_tests.ingestion.conftest import DAY, assert_unchanged, version_folders


def _records(prefix: str, count: int) -> list[dict]:
    return [{"id": f"{prefix}-{i}", "name": f"Brewery {i} Ü", "country": "Germany", "state_province": "Bayern",
             "state": "Bayern", "longitude": 11.5 + i / 1000} for i in range(count)]


def _pages(records: list[dict], size: int):
    for start in range(0, len(records), size):
        yield start // size + 1, records[start : start + size], None


def _versions(layout, day=DAY) -> list[str]:
    return version_folders(layout, day)


def test_snapshot_is_stored_as_received_with_a_manifest(layout):
    records = _records("a", 5)
    manifest = write_snapshot(layout, DAY, _pages(records, 2), {"kind": "test"})

    folder = Path(layout.bronze_snapshot_dir(DAY))
    assert folder.parent == Path(layout.bronze_day_dir(DAY)) and folder.name == manifest["version"]
    assert (Path(layout.bronze_day_dir(DAY)) / CURRENT_NAME).read_text().strip() == manifest["version"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "_manifest.json", "page-00001.jsonl", "page-00002.jsonl", "page-00003.jsonl"]
    lines = [json.loads(line) for p in sorted(folder.glob("page-*.jsonl")) for line in p.read_text().splitlines()]
    assert lines == records
    assert "Ü" in (folder / "page-00001.jsonl").read_text(encoding="utf-8")
    assert manifest == read_manifest(folder)
    assert manifest["records"] == 5 and manifest["distinct_ids"] == 5
    assert [p["records"] for p in manifest["pages"]] == [2, 2, 1]
    assert manifest["locations"] == [{"country_raw": "Germany", "state_raw": "Bayern", "country": "Germany",
                                      "state": "Bayern", "location_id": location_id("Germany", "Bayern"),
                                      "location_issue": None, "records": 5}]
    assert _versions(layout) == [manifest["version"]]
    assert verify_snapshot(published_snapshot(layout, DAY)) == []


def test_rewriting_a_day_replaces_it_and_leaves_other_days(layout, monkeypatch):
    # Versions older than the grace period are removed by the next publish of their day.
    monkeypatch.setattr(bronze, "VERSION_GRACE", dt.timedelta(0))
    write_snapshot(layout, DAY, _pages(_records("old", 3), 2), {"kind": "test"})
    next_day = write_snapshot(layout, DAY + dt.timedelta(days=1), _pages(_records("next", 2), 2), {"kind": "test"})
    second = write_snapshot(layout, DAY, _pages(_records("mid", 2), 2), {"kind": "test"})
    third = write_snapshot(layout, DAY, _pages(_records("new", 1), 2), {"kind": "test"})

    day = Path(layout.bronze_snapshot_dir(DAY))
    assert sorted(p.name for p in day.iterdir()) == ["_manifest.json", "page-00001.jsonl"]
    assert json.loads((day / "page-00001.jsonl").read_text())["id"] == "new-0"
    # The version just replaced stays for readers that resolved the pointer before the switch; older go.
    assert _versions(layout) == sorted([second["version"], third["version"]])
    assert read_manifest(layout.bronze_snapshot_dir(DAY + dt.timedelta(days=1))) == next_day


def test_two_runs_of_one_day_never_remove_each_others_versions(layout):
    """Run A starts writing, run B writes and publishes the same day, then A publishes: B's publish
    must not remove A's pages, and `_current` always names a complete version."""
    first = write_snapshot(layout, DAY, _pages(_records("old", 3), 2), {"kind": "test"})
    slow = BronzeSnapshotWriter(layout, DAY, {"kind": "test"})
    slow.add_page(1, _records("a", 2))
    fast = write_snapshot(layout, DAY, _pages(_records("b", 4), 2), {"kind": "test"})
    assert verify_snapshot(published_snapshot(layout, DAY)) == []
    slow.add_page(2, _records("a2", 2))  # A is still writing after B published
    published = slow.publish()

    snapshot = published_snapshot(layout, DAY)
    assert snapshot.manifest["version"] == published["version"] and verify_snapshot(snapshot) == []
    # Every version is recent: all kept (B's, the one A replaced, A's and the first).
    assert _versions(layout) == sorted([first["version"], fast["version"], published["version"]])
    # A version whose pages vanished before its publish is never made current.
    broken = BronzeSnapshotWriter(layout, DAY, {"kind": "test"})
    broken.add_page(1, _records("c", 2))
    Path(broken.version_dir, "page-00001.jsonl").unlink()
    with pytest.raises(IncompleteSnapshotError, match="lost pages"):
        broken.publish()
    assert published_snapshot(layout, DAY).manifest["version"] == published["version"]


def test_a_failed_write_publishes_nothing_and_keeps_the_previous_snapshot(layout):
    previous = write_snapshot(layout, DAY, _pages(_records("good", 3), 2), {"kind": "test"})

    def failing_pages():
        yield 1, _records("bad", 2), None
        raise ConnectionError("source went away")

    with pytest.raises(ConnectionError):
        write_snapshot(layout, DAY, failing_pages(), {"kind": "test"})

    assert read_manifest(layout.bronze_snapshot_dir(DAY)) == previous
    assert _versions(layout) == [previous["version"]]


def test_latest_snapshot_ignores_unpublished_days(layout):
    write_snapshot(layout, DAY, _pages(_records("a", 1), 1), {"kind": "test"})
    staged = BronzeSnapshotWriter(layout, DAY + dt.timedelta(days=1), {"kind": "test"})
    staged.add_page(1, _records("b", 1))
    # A day folder without a pointer or manifest (a crash between files) is not a snapshot either.
    Path(layout.bronze_day_dir(DAY + dt.timedelta(days=2))).mkdir(parents=True)

    latest = latest_snapshot(layout)
    assert latest.ingest_date == DAY and latest.path == layout.bronze_snapshot_dir(DAY)
    assert latest_snapshot(layout, on_or_before=DAY - dt.timedelta(days=1)) is None


def test_a_day_published_before_versions_is_read_and_then_replaced(layout):
    # The layout of older lakes: pages and manifest directly in the day folder.
    legacy_dir = Path(layout.bronze_day_dir(DAY))
    legacy_dir.mkdir(parents=True)
    (legacy_dir / "page-00001.jsonl").write_text(json.dumps({"id": "legacy"}) + "\n")
    (legacy_dir / MANIFEST_NAME).write_text(json.dumps({"records": 1, "pages": [], "locations": []}))
    assert latest_snapshot(layout).path == str(legacy_dir)

    write_snapshot(layout, DAY, _pages(_records("new", 2), 2), {"kind": "test"})

    assert sorted(p.name for p in legacy_dir.iterdir() if p.is_file()) == [CURRENT_NAME]
    assert latest_snapshot(layout).manifest["records"] == 2


def test_verify_snapshot_finds_damaged_files(layout):
    write_snapshot(layout, DAY, _pages(_records("a", 4), 2), {"kind": "test"})
    snapshot = published_snapshot(layout, DAY)
    (Path(snapshot.path) / "page-00002.jsonl").write_text("{}\n")
    (Path(snapshot.path) / "page-00001.jsonl").unlink()
    assert verify_snapshot(snapshot) == ["page-00001.jsonl is missing", "page-00002.jsonl does not match its checksum"]


def test_readers_never_see_a_day_without_its_snapshot_while_it_is_replaced(layout):
    write_snapshot(layout, DAY, _pages(_records("v0", 4), 2), {"kind": "test"})
    seen, errors, stop = set(), [], threading.Event()

    def reader():
        while not stop.is_set():
            snapshot = published_snapshot(layout, DAY)
            if snapshot is None:
                errors.append("no snapshot visible")
                continue
            ids = [json.loads(line)["id"] for page in snapshot.manifest["pages"]
                   for line in snapshot.read_page(page["file"]).decode().splitlines()]
            if len(ids) != 4 or len({i.split("-")[0] for i in ids}) != 1:
                errors.append(f"a mixed or partial snapshot: {ids}")
            seen.add(ids[0].split("-")[0])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for version in range(1, 11):
            write_snapshot(layout, DAY, _pages(_records(f"v{version}", 4), 2), {"kind": "test"})
            time.sleep(0.03)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(seen) > 1  # the reader did see versions change


_EXTRACT_IN_A_CHILD = """
import datetime as dt, sys
from brewery_assets.ingestion.api import ExtractionSettings, ingest_from_api
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.client import OpenBreweryDBClient
client = OpenBreweryDBClient(sys.argv[1], timeout=10, requests_per_minute=100_000)
ingest_from_api(client, LakeLayout(sys.argv[2]), dt.date.fromisoformat(sys.argv[3]),
                ExtractionSettings(per_page=20, max_concurrency=2))
"""


def test_an_extraction_killed_midway_leaves_no_partial_snapshot(layout, previous_snapshot):
    # 600 records in 30 pages of 20, each answered after 50 ms: the child is killed while pages arrive.
    with ReplayServer(generate_breweries(600, seed=5)) as server:
        server.inject_faults(FaultPlan(latency=0.05))
        child = subprocess.Popen(
            [sys.executable, "-c", _EXTRACT_IN_A_CHILD, server.url, layout.root, DAY.isoformat()],
            cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        deadline = time.monotonic() + 60
        while server.request_count < 12 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        requests_made = server.request_count
    assert 12 <= requests_made < 30, "the child should have died midway"
    day_dir = Path(layout.bronze_day_dir(DAY))
    (unpublished,) = set(_versions(layout)) - {previous_snapshot["manifest"]["version"]}
    assert list((day_dir / unpublished).glob("page-*.jsonl")), "pages were being written"
    assert not (day_dir / unpublished / MANIFEST_NAME).exists()
    # Readers see the previous snapshot, whole: `_current` never named the interrupted version.
    assert_unchanged(layout, previous_snapshot, only_published=False)
    assert latest_snapshot(layout).manifest == previous_snapshot["manifest"]
