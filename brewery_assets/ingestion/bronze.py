"""Bronze snapshots: every page as received, as JSON lines, published whole with a manifest.

A snapshot is written under `_staging/`, complete with its manifest, then moved in one rename to an
immutable version folder of its day, `ingest_date=YYYY-MM-DD/version=<time>-<hex>/`. Only then is the day's
`_current` file replaced (`os.replace`, atomic) to name it. A reader that follows `_current` therefore
sees the old snapshot or the new one, whole, and never a day without a snapshot. Re-writing a day
publishes a new version of that day and nothing else; the version it replaced is kept (for a reader
that resolved the pointer just before the switch) until the next publish of the day, older ones go.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from brewery_assets.lake import CURRENT_NAME, MANIFEST_NAME, VERSION_PREFIX, LakeLayout
from brewery_assets.locations import count_raw_locations, location_mapping

MANIFEST_FORMAT = 2
# A staging folder this old belongs to a run that died; nothing will publish it.
_ABANDONED_STAGING_SECONDS = 24 * 3600


class IncompleteSnapshotError(RuntimeError):
    """The source did not give a complete, consistent snapshot; nothing was published."""


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def encode_page(records: list[dict]) -> bytes:
    """A page as bronze stores it: one JSON object a line, in the order received, UTF-8."""
    return "".join(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in records).encode(
        "utf-8"
    )


@dataclass
class BronzeSnapshotWriter:
    """Writes one day's pages to a staging folder, then publishes them whole with `publish`.

    Adding a page number again replaces that page (a re-read). Safe to call from several threads.
    """

    layout: LakeLayout
    ingest_date: dt.date
    source: dict
    started_at: str = field(default_factory=_utc_now)
    _pages: dict[int, dict] = field(default_factory=dict)
    _ids: dict[int, list] = field(default_factory=dict)
    _locations: dict[int, Counter] = field(default_factory=dict)
    _clock: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.staging_dir = self.layout.bronze_staging / f"{self.ingest_date.isoformat()}-{uuid.uuid4().hex}"
        self.staging_dir.mkdir(parents=True)

    def add_page(self, number: int, records: list[dict], body: bytes | None = None) -> None:
        """Stores one page: its records one JSON object a line, in the order received."""
        name = f"page-{number:05d}.jsonl"
        data = encode_page(records)
        (self.staging_dir / name).write_bytes(data)
        entry = {"page": number, "file": name, "records": len(records), "bytes": len(data),
                 "sha256": hashlib.sha256(data).hexdigest()}
        if body is not None:
            entry["received_bytes"] = len(body)
            entry["received_sha256"] = hashlib.sha256(body).hexdigest()
        with self._lock:
            self._pages[number] = entry
            self._ids[number] = [record.get("id") for record in records]
            self._locations[number] = count_raw_locations(records)

    @property
    def records(self) -> int:
        """Records in the pages stored so far."""
        with self._lock:
            return sum(page["records"] for page in self._pages.values())

    def ids_by_page(self) -> dict[int, list]:
        """The ids of each stored page, in page and record order."""
        with self._lock:
            return {number: list(ids) for number, ids in sorted(self._ids.items())}

    def manifest(self, **extra: object) -> dict:
        """The manifest the snapshot would be published with now."""
        with self._lock:
            pages = [self._pages[number] for number in sorted(self._pages)]
            ids = {i for page_ids in self._ids.values() for i in page_ids} - {None}
            locations: Counter = sum(self._locations.values(), Counter())
        return {
            "format": MANIFEST_FORMAT,
            "ingest_date": self.ingest_date.isoformat(),
            "source": self.source,
            "records": sum(page["records"] for page in pages),
            "distinct_ids": len(ids),
            "pages": pages,
            "content_sha256": hashlib.sha256("".join(page["sha256"] for page in pages).encode()).hexdigest(),
            "locations": location_mapping(locations),
            "started_at": self.started_at,
            "finished_at": _utc_now(),
            "duration_seconds": round(time.perf_counter() - self._clock, 3),
            **extra,
        }

    def publish(self, **extra: object) -> dict:
        """Writes the manifest, then atomically makes this snapshot the day's published one; returns the manifest."""
        manifest = self.manifest(**extra)
        version = f"{VERSION_PREFIX}{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
        manifest["version"] = version
        _write_json_durably(self.staging_dir / MANIFEST_NAME, manifest)
        _fsync_dir(self.staging_dir)
        _publish_version(self.staging_dir, self.layout, self.ingest_date, version)
        _remove_abandoned_staging(self.layout)
        return manifest

    def abort(self) -> None:
        """Removes the staged pages; the published snapshot, if any, is untouched."""
        shutil.rmtree(self.staging_dir, ignore_errors=True)


def _write_json_durably(path: Path, value: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    # A rename is durable only once its directory is synced.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _publish_version(staged: Path, layout: LakeLayout, ingest_date: dt.date, version: str) -> None:
    """Moves `staged` to the day's `version` folder, points `_current` at it, and prunes older versions."""
    day_dir = layout.bronze_day_dir(ingest_date)
    day_dir.mkdir(parents=True, exist_ok=True)
    previous = layout.bronze_snapshot_dir(ingest_date)
    os.replace(staged, day_dir / version)
    pointer = day_dir / f"{CURRENT_NAME}.{uuid.uuid4().hex}.tmp"
    with open(pointer, "w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, day_dir / CURRENT_NAME)  # the switch: readers see the new version from here on
    _fsync_dir(day_dir)
    keep = {version, previous.name}
    for entry in day_dir.iterdir():
        if entry.is_dir() and entry.name.startswith(VERSION_PREFIX) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name != CURRENT_NAME and not entry.name.endswith(".tmp"):
            # Pages and manifest of a day published before versions existed: `_current` supersedes them.
            entry.unlink(missing_ok=True)


def _remove_abandoned_staging(layout: LakeLayout) -> None:
    cutoff = time.time() - _ABANDONED_STAGING_SECONDS
    for entry in layout.bronze_staging.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except FileNotFoundError:
            continue


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


def published_snapshot(layout: LakeLayout, ingest_date: dt.date) -> PublishedSnapshot | None:
    """The day's published snapshot, or None if the day has none."""
    path = layout.bronze_snapshot_dir(ingest_date)
    manifest = read_manifest(path)
    return None if manifest is None else PublishedSnapshot(ingest_date, path, manifest)


def latest_snapshot(layout: LakeLayout, on_or_before: dt.date | None = None) -> PublishedSnapshot | None:
    """The newest complete snapshot (optionally not after `on_or_before`), or None if there is none."""
    if not layout.bronze_root.is_dir():
        return None
    days = []
    for entry in layout.bronze_root.iterdir():
        if entry.is_dir() and entry.name.startswith("ingest_date="):
            day = dt.date.fromisoformat(entry.name.removeprefix("ingest_date="))
            if on_or_before is None or day <= on_or_before:
                days.append(day)
    for day in sorted(days, reverse=True):
        snapshot = published_snapshot(layout, day)
        if snapshot is not None:
            return snapshot
    return None


def verify_snapshot(snapshot: PublishedSnapshot) -> list[str]:
    """What is wrong with a published snapshot's files against its manifest (empty when it is intact).

    Checks that every page file exists with the manifest's size and checksum and that the record counts add
    up: the healthcheck that lets a run skip a day already ingested.
    """
    problems = []
    manifest = snapshot.manifest
    for page in manifest.get("pages", []):
        path = snapshot.path / page["file"]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"{page['file']} is missing")
            continue
        if len(data) != page["bytes"] or hashlib.sha256(data).hexdigest() != page["sha256"]:
            problems.append(f"{page['file']} does not match its checksum")
    if sum(page["records"] for page in manifest.get("pages", [])) != manifest.get("records"):
        problems.append("the page record counts do not add up to the manifest's records")
    return problems
