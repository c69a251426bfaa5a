"""Bronze snapshots: every page as received, as JSON lines, published whole with a manifest.

A snapshot is written under `_staging/` and moved into `ingest_date=YYYY-MM-DD/` only when it is
complete, with its manifest written last, so a reader that finds a manifest finds every page.
Re-writing a day replaces that day's snapshot and nothing else.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from brewery_assets.lake import MANIFEST_NAME, LakeLayout
from brewery_assets.locations import count_raw_locations, location_mapping
from brewery_assets.openbrewerydb.client import OpenBreweryDBClient
from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE

MANIFEST_FORMAT = 1


class IncompleteSnapshotError(RuntimeError):
    """The source did not give a complete snapshot; nothing was published."""


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class BronzeSnapshotWriter:
    """Writes one day's pages to a staging folder, then publishes them whole with `publish`."""

    layout: LakeLayout
    ingest_date: dt.date
    source: dict
    started_at: str = field(default_factory=_utc_now)
    _pages: list[dict] = field(default_factory=list)
    _ids: set = field(default_factory=set)
    _locations: Counter = field(default_factory=Counter)
    _records: int = 0
    _clock: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        self.staging_dir = self.layout.bronze_staging / f"{self.ingest_date.isoformat()}-{uuid.uuid4().hex}"
        self.staging_dir.mkdir(parents=True)

    def add_page(self, number: int, records: list[dict], body: bytes | None = None) -> None:
        """Stores one page: its records one JSON object a line, in the order received."""
        name = f"page-{number:05d}.jsonl"
        data = "".join(
            json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in records
        ).encode("utf-8")
        (self.staging_dir / name).write_bytes(data)
        entry = {"page": number, "file": name, "records": len(records), "bytes": len(data),
                 "sha256": hashlib.sha256(data).hexdigest()}
        if body is not None:
            entry["received_bytes"] = len(body)
            entry["received_sha256"] = hashlib.sha256(body).hexdigest()
        self._pages.append(entry)
        self._records += len(records)
        self._ids.update(record.get("id") for record in records)
        count_raw_locations(records, self._locations)

    @property
    def records(self) -> int:
        return self._records

    def publish(self, **extra: object) -> dict:
        """Writes the manifest, then atomically replaces the day's published snapshot; returns the manifest."""
        manifest = {
            "format": MANIFEST_FORMAT,
            "ingest_date": self.ingest_date.isoformat(),
            "source": self.source,
            "records": self._records,
            "distinct_ids": len(self._ids - {None}),
            "pages": sorted(self._pages, key=lambda page: page["page"]),
            "locations": location_mapping(self._locations),
            "started_at": self.started_at,
            "finished_at": _utc_now(),
            "duration_seconds": round(time.perf_counter() - self._clock, 3),
            **extra,
        }
        _write_json_durably(self.staging_dir / MANIFEST_NAME, manifest)
        _replace_dir(self.staging_dir, self.layout.bronze_snapshot_dir(self.ingest_date), self.layout)
        return manifest

    def abort(self) -> None:
        """Removes the staged pages; the published snapshot, if any, is untouched."""
        shutil.rmtree(self.staging_dir, ignore_errors=True)


def _write_json_durably(path: Path, value: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_dir(staged: Path, target: Path, layout: LakeLayout) -> None:
    """Moves `staged` to `target`, replacing an older `target` with two renames."""
    target.parent.mkdir(parents=True, exist_ok=True)
    retired = None
    if target.exists():
        retired = layout.bronze_staging / f"retired-{target.name}-{uuid.uuid4().hex}"
        os.replace(target, retired)
    os.replace(staged, target)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def write_snapshot(
    layout: LakeLayout,
    ingest_date: dt.date,
    pages: Iterable[tuple[int, list[dict], bytes | None]],
    source: dict,
    **extra: object,
) -> dict:
    """Writes and publishes a whole snapshot from (page number, records, raw body) triples."""
    writer = BronzeSnapshotWriter(layout, ingest_date, source)
    try:
        for number, records, body in pages:
            writer.add_page(number, records, body)
        return writer.publish(**extra)
    except BaseException:
        writer.abort()
        raise


def ingest_from_api(
    client: OpenBreweryDBClient,
    layout: LakeLayout,
    ingest_date: dt.date,
    per_page: int = MAX_PER_PAGE,
    on_page: Callable[[int, int], None] | None = None,
) -> dict:
    """Reads every page of the API into a new snapshot for `ingest_date` and publishes it.

    The page count comes from `/breweries/meta`. The snapshot is published only if it holds as
    many records as the API's total; otherwise nothing is published and the error says why.
    """
    meta = client.meta()
    total = meta["total"]
    page_count = client.page_count(total, per_page)
    writer = BronzeSnapshotWriter(layout, ingest_date, {"kind": "api", "url": client.base_url})
    received = 0
    try:
        for number in range(1, page_count + 1):
            page = client.page(number, per_page)
            writer.add_page(number, page.records, page.body)
            received += len(page.body)
            if on_page is not None:
                on_page(number, page_count)
        if writer.records != total:
            raise IncompleteSnapshotError(
                f"{client.base_url}: read {writer.records} records in {page_count} pages of {per_page}, "
                f"but /breweries/meta reports {total}; the snapshot for {ingest_date} was not published"
            )
        return writer.publish(api_total=total, per_page=per_page, requests=page_count + 1,
                              bytes_received=received)
    except BaseException:
        writer.abort()
        raise


def read_manifest(snapshot_dir: Path) -> dict | None:
    """The manifest of a published snapshot, or None when the folder holds no complete snapshot."""
    path = snapshot_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PublishedSnapshot:
    """A complete bronze snapshot: where it is and what its manifest says."""

    ingest_date: dt.date
    path: Path
    manifest: dict


def latest_snapshot(layout: LakeLayout, on_or_before: dt.date | None = None) -> PublishedSnapshot | None:
    """The newest complete snapshot (optionally not after `on_or_before`), or None if there is none."""
    if not layout.bronze_root.is_dir():
        return None
    candidates = []
    for entry in layout.bronze_root.iterdir():
        if entry.is_dir() and entry.name.startswith("ingest_date="):
            day = dt.date.fromisoformat(entry.name.removeprefix("ingest_date="))
            if on_or_before is None or day <= on_or_before:
                candidates.append((day, entry))
    for day, path in sorted(candidates, reverse=True):
        manifest = read_manifest(path)
        if manifest is not None:
            return PublishedSnapshot(day, path, manifest)
    return None
