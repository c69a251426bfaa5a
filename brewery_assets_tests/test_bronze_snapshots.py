import datetime as dt
import json

import pytest

from brewery_assets.ingestion.bronze import (
    BronzeSnapshotWriter,
    latest_snapshot,
    read_manifest,
    write_snapshot,
)

DAY = dt.date(2026, 11, 20)


def _records(prefix: str, count: int) -> list[dict]:
    return [{"id": f"{prefix}-{i}", "name": f"Brewery {i} Ü", "country": "Germany", "state_province": "Bayern",
             "state": "Bayern", "longitude": 11.5 + i / 1000} for i in range(count)]


def _pages(records: list[dict], size: int):
    for start in range(0, len(records), size):
        yield start // size + 1, records[start : start + size], None


def test_snapshot_is_stored_as_received_with_a_manifest(layout):
    records = _records("a", 5)
    manifest = write_snapshot(layout, DAY, _pages(records, 2), {"kind": "test"})

    folder = layout.bronze_snapshot_dir(DAY)
    assert sorted(p.name for p in folder.iterdir()) == [
        "_manifest.json", "page-00001.jsonl", "page-00002.jsonl", "page-00003.jsonl"]
    lines = [json.loads(line) for p in sorted(folder.glob("page-*.jsonl")) for line in p.read_text().splitlines()]
    assert lines == records
    assert "Ü" in (folder / "page-00001.jsonl").read_text(encoding="utf-8")
    assert manifest == read_manifest(folder)
    assert manifest["records"] == 5 and manifest["distinct_ids"] == 5
    assert [p["records"] for p in manifest["pages"]] == [2, 2, 1]
    assert manifest["locations"] == [{"country_raw": "Germany", "state_raw": "Bayern", "country": "Germany",
                                      "state": "Bayern", "records": 5}]
    assert not list(layout.bronze_staging.iterdir())


def test_rewriting_a_day_replaces_it_and_leaves_other_days(layout):
    write_snapshot(layout, DAY, _pages(_records("old", 3), 2), {"kind": "test"})
    write_snapshot(layout, DAY + dt.timedelta(days=1), _pages(_records("next", 2), 2), {"kind": "test"})
    write_snapshot(layout, DAY, _pages(_records("new", 1), 2), {"kind": "test"})

    day = layout.bronze_snapshot_dir(DAY)
    assert sorted(p.name for p in day.iterdir()) == ["_manifest.json", "page-00001.jsonl"]
    assert json.loads((day / "page-00001.jsonl").read_text())["id"] == "new-0"
    assert read_manifest(layout.bronze_snapshot_dir(DAY + dt.timedelta(days=1)))["records"] == 2


def test_a_failed_write_publishes_nothing_and_keeps_the_previous_snapshot(layout):
    write_snapshot(layout, DAY, _pages(_records("good", 3), 2), {"kind": "test"})

    def failing_pages():
        yield 1, _records("bad", 2), None
        raise ConnectionError("source went away")

    with pytest.raises(ConnectionError):
        write_snapshot(layout, DAY, failing_pages(), {"kind": "test"})

    manifest = read_manifest(layout.bronze_snapshot_dir(DAY))
    assert manifest["records"] == 3
    assert not list(layout.bronze_staging.iterdir())


def test_latest_snapshot_ignores_unpublished_days(layout):
    write_snapshot(layout, DAY, _pages(_records("a", 1), 1), {"kind": "test"})
    staged = BronzeSnapshotWriter(layout, DAY + dt.timedelta(days=1), {"kind": "test"})
    staged.add_page(1, _records("b", 1))
    # A folder without a manifest (a crash between files) is not a snapshot either.
    layout.bronze_snapshot_dir(DAY + dt.timedelta(days=2)).mkdir(parents=True)

    latest = latest_snapshot(layout)
    assert latest.ingest_date == DAY
    assert latest_snapshot(layout, on_or_before=DAY - dt.timedelta(days=1)) is None
