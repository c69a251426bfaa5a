"""A dump file as a bronze source: the official dataset's CSV, a JSON array or JSON lines, from a path or
downloaded from a URL (the fallback when the API cannot give the day's snapshot).

The records are read into the API's shape (16 keys in API order, coordinates as numbers, whole ones as the
API writes them: `36`, not `36.0`) and cut into pages of `per_page`, so the snapshot is the same, page for
page and byte for byte, as the one the API path writes when the API serves the same data.

Nothing readable is dropped: a record keeps a value it cannot normalise (silver judges it), an element
that is not an object is stored as it is, and a line that cannot be read at all is stored as a JSON string
of its text, so silver quarantines it as `unreadable_record`. The manifest's source block counts those
lines (`bad_lines`) and shows the first few.
"""

import datetime as dt
import hashlib
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from brewery_assets.ingestion.bronze import IncompleteSnapshotError, write_snapshot
from brewery_assets.ingestion.dump_files import BadLine, read_dump
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.openbrewerydb.retry import RetryPolicy, describe_status, is_retryable

# The dataset's own dump of the catalogue the API serves (MIT licence), refreshed by its maintainers.
OFFICIAL_DUMP_URL = "https://raw.githubusercontent.com/openbrewerydb/openbrewerydb/master/breweries.csv"
MAX_DUMP_BYTES = 512 * 1024 * 1024  # the official CSV is a few MB; anything near this is not a dump
_COORDINATES = ("longitude", "latitude")
_EXAMPLES = 5
_CHUNK = 1 << 20


class DumpDownloadError(RuntimeError):
    """A dump could not be downloaded; the message names the URL and the last answer."""


def ingest_from_file(
    path: str | Path,
    layout: LakeLayout,
    ingest_date: dt.date,
    per_page: int = MAX_PER_PAGE,
    log: Callable[[str], None] | None = None,
    source: dict | None = None,
) -> dict:
    """Publishes the breweries of a dump file as the snapshot of `ingest_date`; returns the manifest.

    `source` replaces the manifest's description of where the file came from (a download, a fallback).
    A file that cannot be read as a whole raises `ValueError` naming the file and line; one without any
    element `IncompleteSnapshotError`. Either way nothing is published and the day's previous snapshot stays.
    """
    path = Path(path)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
    fmt, elements = read_dump(path)
    if not elements:
        raise IncompleteSnapshotError(f"{path} holds no breweries; the snapshot for {ingest_date} is unchanged")
    bad = [element for element in elements if isinstance(element, BadLine)]
    records = [_as_served(element) for element in elements]
    data = path.read_bytes()
    source = {
        **(source or {"kind": "file", "path": str(path.resolve()), "reason": "run config source: file"}),
        "format": fmt,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bad_lines": len(bad),
        "bad_line_examples": [{"line": b.line, "reason": b.reason, "text": b.text[:200]} for b in bad[:_EXAMPLES]],
    }
    pages = (
        (start // per_page + 1, records[start : start + per_page], None) for start in range(0, len(records), per_page)
    )
    manifest = write_snapshot(layout, ingest_date, pages, source, source_total=len(records), per_page=per_page)
    if log is not None:
        where = source.get("url") or path
        log(f"published {manifest['records']} records from {where} in {len(manifest['pages'])} pages")
        if bad:
            lines = ", ".join(f"line {b.line}: {b.reason}" for b in bad[:_EXAMPLES])
            log(f"{len(bad)} lines of the dump could not be read ({lines}{', ...' if len(bad) > _EXAMPLES else ''}); "
                "they are kept in bronze as text and silver quarantines them as unreadable_record")
    return manifest


def ingest_from_url(
    url: str,
    layout: LakeLayout,
    ingest_date: dt.date,
    per_page: int = MAX_PER_PAGE,
    log: Callable[[str], None] | None = None,
    reason: str = "",
    timeout: float = 60.0,
    retry: RetryPolicy | None = None,
    details: dict | None = None,
) -> dict:
    """Downloads the dump at `url` (http or https; a plain path is read in place) and publishes it as the
    snapshot of `ingest_date`; `reason` says why this source was used and goes into the manifest's source
    block, with `details` (e.g. the figures of a failed API attempt)."""
    source = {"kind": "dump", "url": url, "reason": reason or "run config", **(details or {})}
    if urlsplit(url).scheme not in ("http", "https"):
        local = Path(unquote(urlsplit(url).path) if url.startswith("file:") else url)
        return ingest_from_file(local, layout, ingest_date, per_page, log, source)
    with tempfile.TemporaryDirectory(prefix="brewery-dump-") as folder:
        started = time.perf_counter()
        path = download_dump(url, Path(folder), timeout, retry)
        if log is not None:
            log(f"downloaded {path.stat().st_size:,} bytes from {url} in {time.perf_counter() - started:.1f} s")
        return ingest_from_file(path, layout, ingest_date, per_page, log, source)


def download_dump(url: str, folder: Path, timeout: float = 60.0, retry: RetryPolicy | None = None) -> Path:
    """Downloads `url` into `folder` with retries on connection errors, timeouts and 5xx; returns the file.

    Raises `DumpDownloadError` naming the URL and the last failure.
    """
    retry = retry or RetryPolicy()
    name = Path(unquote(urlsplit(url).path)).name or "dump"
    target = folder / name
    attempt = 0
    while True:
        attempt += 1
        try:
            with requests.get(url, stream=True, timeout=timeout, headers={"User-Agent": "brewery-assets/0.3"}) as got:
                if got.status_code == 200:
                    _save(got, target, url)
                    return target
                reason = f"{describe_status(got.status_code)}: {got.text[:200]}"
                if not is_retryable(got.status_code):
                    raise DumpDownloadError(f"GET {url} answered {reason}")
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        except requests.RequestException as exc:
            raise DumpDownloadError(f"GET {url} cannot be sent: {exc}") from exc
        if attempt > retry.max_retries:
            raise DumpDownloadError(f"GET {url} failed {attempt} times; the last try: {reason}")
        time.sleep(retry.backoff(attempt))


def _save(response: requests.Response, target: Path, url: str) -> None:
    size = 0
    with target.open("wb") as out:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > MAX_DUMP_BYTES:
                raise DumpDownloadError(f"GET {url}: the dump is larger than {MAX_DUMP_BYTES:,} bytes")
            out.write(chunk)
    expected = response.headers.get("Content-Length")
    if expected and expected.isdigit() and int(expected) != size and not response.headers.get("Content-Encoding"):
        raise requests.exceptions.ChunkedEncodingError(f"{size} of {expected} bytes received")


def _as_served(element: Any) -> Any:
    """A dump element as the API path stores it: a record's whole coordinates as integers, a bad line's
    text as a JSON string."""
    if isinstance(element, BadLine):
        return element.text
    if isinstance(element, dict):
        return {key: _api_number(value) if key in _COORDINATES else value for key, value in element.items()}
    return element


def _api_number(value: Any) -> Any:
    # The API's JSON encoder writes a whole float without its fraction; bronze keeps what the API sends.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value

