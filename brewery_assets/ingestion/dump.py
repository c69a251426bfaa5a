"""A file dump as a bronze source: the official dataset's CSV, a JSON array or JSON lines, no HTTP server.

The records are read into the API's shape (16 keys in API order, coordinates as numbers) and cut into
pages of `per_page`, so the snapshot is the same, page for page and byte for byte, as the one the API path
writes when the API serves the same data.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

from brewery_assets.ingestion.bronze import IncompleteSnapshotError, write_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.replay.snapshot import load_snapshot


def dump_format(path: Path) -> str:
    """`json` (an array), `jsonl` or `csv`, told from the first character as `load_snapshot` does."""
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8-sig", errors="replace").lstrip()
    return {"[": "json", "{": "jsonl"}.get(head[:1], "csv")


def ingest_from_file(
    path: str | Path,
    layout: LakeLayout,
    ingest_date: dt.date,
    per_page: int = MAX_PER_PAGE,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Publishes the breweries of a dump file as the snapshot of `ingest_date`; returns the manifest.

    An unreadable file raises `ValueError` naming the file and line; an empty one `IncompleteSnapshotError`.
    Either way nothing is published and the day's previous snapshot stays.
    """
    path = Path(path)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
    records = load_snapshot(path)
    if not records:
        raise IncompleteSnapshotError(f"{path} holds no breweries; the snapshot for {ingest_date} is unchanged")
    data = path.read_bytes()
    source = {
        "kind": "file",
        "path": str(path.resolve()),
        "format": dump_format(path),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    pages = (
        (start // per_page + 1, records[start : start + per_page], None) for start in range(0, len(records), per_page)
    )
    manifest = write_snapshot(layout, ingest_date, pages, source, source_total=len(records), per_page=per_page)
    if log is not None:
        log(f"published {manifest['records']} records from {path} in {len(manifest['pages'])} pages")
    return manifest
