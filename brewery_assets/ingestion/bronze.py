"""Bronze snapshots: every page as received, as JSON lines, published whole with a manifest.

A snapshot is written into a fresh, immutable version folder of its day,
`ingest_date=YYYY-MM-DD/version=<time>-<hex>/`, which no reader looks at yet; its manifest is
written last. Only then is the day's `_current` object replaced (one atomic write: a rename on
disk, a PUT on S3) to name it. A reader that follows `_current` therefore sees the old snapshot
or the new one, whole, and never a day without a snapshot. Re-writing a day publishes a new
version of that day and nothing else; the version it replaced is kept (for a reader that resolved
the pointer just before the switch) until the next publish of the day, when older versions and
the leftovers of interrupted writes go. The same code runs on a local disk and on S3
(`brewery_assets.storage`): no step needs a rename of a folder.
"""

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from brewery_assets.lake import CURRENT_NAME, MANIFEST_NAME, VERSION_PREFIX, LakeLayout
from brewery_assets.locations import count_raw_locations, location_mapping
from brewery_assets.record_ids import id_hash, silver_id
from brewery_assets.storage import LakeStorage, LocalStorage, join, name_of, storage_for

MANIFEST_FORMAT = 2
VERSION_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
# Versions of a day younger than this are never removed by another publish of that day: a second
# run of the same day may be writing one (extractions are bounded by their time budget, 20 minutes
# by default).
VERSION_GRACE = dt.timedelta(hours=6)


class IncompleteSnapshotError(RuntimeError):
    """The source did not give a complete, consistent snapshot; nothing was published."""


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def encode_page(records: list[Any]) -> bytes:
    """A page as bronze stores it: one JSON value a line, in the order received, UTF-8.

    Every element of the source's array is kept, whatever it is (normally a brewery object; a string, a
    number or null stays one line too, for silver to reject as unreadable), with the values received.
    """
    return "".join(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in records).encode(
        "utf-8"
    )


def record_id(record: Any) -> str | None:
    """The id of an element as silver reads it (text as it is, other JSON values as JSON text), or None
    for an element that is not an object or has no id."""
    if not isinstance(record, dict):
        return None
    value = record.get("id")
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def page_profile(records: list[Any]) -> tuple[int, int, frozenset]:
    """(ids, id checksum, field names) of a page's elements, as silver will read them
    (`brewery_assets.record_ids`)."""
    ids = [i for i in (silver_id(record) for record in records) if i is not None]
    fields = frozenset(name for record in records if isinstance(record, dict) for name in record)
    return len(ids), sum(id_hash(i) for i in ids), fields


@dataclass
class BronzeSnapshotWriter:
    """Writes one day's pages to a new version folder, then publishes them whole with `publish`.

    Adding a page number again replaces that page (a re-read). Safe to call from several threads.
    """

    layout: LakeLayout
    ingest_date: dt.date
    source: dict
    started_at: str = field(default_factory=_utc_now)
    _pages: dict[int, dict] = field(default_factory=dict)
    _ids: dict[int, list] = field(default_factory=dict)
    _locations: dict[int, Counter] = field(default_factory=dict)
    _profiles: dict[int, tuple[int, int, frozenset]] = field(default_factory=dict)
    _clock: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.version = f"{VERSION_PREFIX}{dt.datetime.now(dt.UTC):{VERSION_TIME_FORMAT}}-{uuid.uuid4().hex[:8]}"
        self.version_dir = join(self.layout.bronze_day_dir(self.ingest_date), self.version)
        self.store = self.layout.store(self.version_dir)
        self.published = False

    def add_page(self, number: int, records: list[Any], body: bytes | None = None) -> None:
        """Stores one page: its elements one JSON value a line, in the order received."""
        name = f"page-{number:05d}.jsonl"
        data = encode_page(records)
        # Nobody reads an unpublished version: a plain write suffices.
        self.store.write_bytes(join(self.version_dir, name), data, atomic=False)
        entry = {"page": number, "file": name, "records": len(records), "bytes": len(data),
                 "sha256": hashlib.sha256(data).hexdigest()}
        if body is not None:
            entry["received_bytes"] = len(body)
            entry["received_sha256"] = hashlib.sha256(body).hexdigest()
        profile = page_profile(records)
        with self._lock:
            self._pages[number] = entry
            self._ids[number] = [record_id(record) for record in records]
            self._locations[number] = count_raw_locations(records)
            self._profiles[number] = profile

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
            profiles = list(self._profiles.values())
        return {
            "format": MANIFEST_FORMAT,
            "ingest_date": self.ingest_date.isoformat(),
            "source": self.source,
            "records": sum(page["records"] for page in pages),
            "distinct_ids": len(ids),
            "pages": pages,
            "content_sha256": hashlib.sha256("".join(page["sha256"] for page in pages).encode()).hexdigest(),
            "locations": location_mapping(locations),
            # What silver must account for, counted here so that silver need not parse the pages again.
            "silver_ids": {"count": sum(p[0] for p in profiles), "checksum": sum(p[1] for p in profiles)},
            "fields": sorted(set().union(*(p[2] for p in profiles))),
            "started_at": self.started_at,
            "finished_at": _utc_now(),
            "duration_seconds": round(time.perf_counter() - self._clock, 3),
            **extra,
        }

    def publish(self, **extra: object) -> dict:
        """Writes the manifest, then atomically makes this version the day's published one; returns the manifest."""
        manifest = self.manifest(**extra)
        manifest["version"] = self.version
        payload = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        _, stored = self.store.list_dir(self.version_dir)
        missing = sorted({page["file"] for page in manifest["pages"]} - set(stored))
        if missing:
            raise IncompleteSnapshotError(f"{self.version_dir} lost pages before it was published: {missing[:5]}")
        self.store.write_bytes(join(self.version_dir, MANIFEST_NAME), payload)
        _switch_current(self.layout, self.ingest_date, self.version)
        self.published = True
        return manifest

    def abort(self) -> None:
        """Removes the pages written so far unless they were published; the published snapshot stays."""
        if not self.published:
            self.store.delete_tree(self.version_dir)


def version_created(name: str) -> dt.datetime | None:
    """When a version folder (`version=<UTC time>-<hex>`) was started, or None for another name."""
    try:
        return dt.datetime.strptime(name.removeprefix(VERSION_PREFIX).split("-")[0], VERSION_TIME_FORMAT).replace(
            tzinfo=dt.UTC)
    except ValueError:
        return None


def _switch_current(layout: LakeLayout, ingest_date: dt.date, version: str) -> None:
    """Points the day's `_current` at `version`, then removes the versions nobody can need any more.

    Kept: the new version, the one it replaced (a reader may have resolved the pointer just before),
    and every version started within `VERSION_GRACE`: another run of the same day may still be
    writing it, or about to publish it. Older leftovers of interrupted writes go.
    """
    day_dir = layout.bronze_day_dir(ingest_date)
    store = layout.store(day_dir)
    previous = name_of(layout.bronze_snapshot_dir(ingest_date))
    store.write_bytes(join(day_dir, CURRENT_NAME), (version + "\n").encode("utf-8"))  # the switch
    keep = {version, previous}
    cutoff = dt.datetime.now(dt.UTC) - VERSION_GRACE
    folders, files = store.list_dir(day_dir)
    for name in folders:
        created = version_created(name)
        if name.startswith(VERSION_PREFIX) and name not in keep and (created is None or created < cutoff):
            store.delete_tree(join(day_dir, name))
    for name in files:
        if name != CURRENT_NAME and not name.startswith("."):
            # Pages and manifest of a day published before versions existed: `_current` supersedes them.
            store.delete(join(day_dir, name))


def write_snapshot(
    layout: LakeLayout,
    ingest_date: dt.date,
    pages: Iterable[tuple[int, list[Any], bytes | None]],
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


def read_manifest(snapshot_dir: str, store: LakeStorage | None = None) -> dict | None:
    """The manifest of a published snapshot, or None when the folder holds no complete snapshot."""
    store = store or storage_for(snapshot_dir)
    try:
        return json.loads(store.read_bytes(join(snapshot_dir, MANIFEST_NAME)).decode("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None


@dataclass(frozen=True)
class PublishedSnapshot:
    """A complete bronze snapshot: where it is (a folder or `s3://` prefix) and what its manifest says."""

    ingest_date: dt.date
    path: str
    manifest: dict
    store: LakeStorage = field(default_factory=LocalStorage, compare=False, repr=False)

    def read_page(self, name: str) -> bytes:
        """The bytes of one file of the snapshot."""
        return self.store.read_bytes(join(self.path, name))


def published_snapshot(layout: LakeLayout, ingest_date: dt.date) -> PublishedSnapshot | None:
    """The day's published snapshot, or None if the day has none."""
    path = layout.bronze_snapshot_dir(ingest_date)
    store = layout.store(path)
    manifest = read_manifest(path, store)
    return None if manifest is None else PublishedSnapshot(ingest_date, path, manifest, store)


def snapshot_days(layout: LakeLayout) -> list[dt.date]:
    """The days that have a folder under bronze (published or not), in order."""
    folders, _ = layout.store(layout.bronze_root).list_dir(layout.bronze_root)
    return sorted(dt.date.fromisoformat(name.removeprefix("ingest_date="))
                  for name in folders if name.startswith("ingest_date="))


def latest_snapshot(layout: LakeLayout, on_or_before: dt.date | None = None) -> PublishedSnapshot | None:
    """The newest complete snapshot (optionally not after `on_or_before`), or None if there is none."""
    days = [day for day in snapshot_days(layout) if on_or_before is None or day <= on_or_before]
    for day in reversed(days):
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
        try:
            data = snapshot.read_page(page["file"])
        except FileNotFoundError:
            problems.append(f"{page['file']} is missing")
            continue
        if len(data) != page["bytes"] or hashlib.sha256(data).hexdigest() != page["sha256"]:
            problems.append(f"{page['file']} does not match its checksum")
    if sum(page["records"] for page in manifest.get("pages", [])) != manifest.get("records"):
        problems.append("the page record counts do not add up to the manifest's records")
    return problems
