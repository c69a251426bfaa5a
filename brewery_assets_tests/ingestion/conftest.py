"""Helpers for the ingestion tests: a client with test-sized waits, what a published snapshot holds, and a
plain HTTP file server for dumps."""

import datetime as dt
import functools
import http.server
import json
import threading
from pathlib import Path

import dagster as dg
import pytest

from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.ingestion.bronze import published_snapshot, write_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.client import OpenBreweryDBClient
from brewery_assets.openbrewerydb.retry import RetryPolicy
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource

DAY = dt.date(2026, 11, 22)

# Waits shrunk to milliseconds by configuration; the rate limit is out of the way unless a test sets it.
FAST_RETRY = {"max_retries": 6, "backoff_seconds": 0.01, "max_backoff_seconds": 0.05}
# FAST_RETRY as bronze run config, without the client-side rate limit.
FAST = {**FAST_RETRY, "requests_per_minute": 100_000}


def materialize(layout, url="http://127.0.0.1:9/v1", instance=None, **config) -> dg.ExecuteInProcessResult:
    """Materializes the DAY partition of bronze_breweries with run configuration `config`."""
    return dg.materialize(
        [bronze_breweries],
        partition_key=DAY.isoformat(),
        resources={"lake": LakeResource(root=layout.root),
                   "openbrewerydb": OpenBreweryDBResource(base_url=url, timeout_seconds=5)},
        run_config={"ops": {"bronze_breweries": {"config": {**FAST, **config}}}},
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def metadata(result: dg.ExecuteInProcessResult) -> dict:
    """The bronze materialization's metadata as plain values."""
    (event,) = result.asset_materializations_for_node("bronze_breweries")
    return {key: getattr(value, "value", value) for key, value in event.metadata.items()}


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


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    served: list[str]

    def log_message(self, format: str, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.served.append(self.path)
        super().do_GET()


@pytest.fixture
def file_server(tmp_path: Path):
    """A plain HTTP file server on 127.0.0.1 over a fresh folder: yields (base URL, folder, paths requested)."""
    folder = tmp_path / "served"
    folder.mkdir()
    served: list[str] = []
    handler = type("Files", (_QuietFiles,), {"served": served})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder, served
    finally:
        server.shutdown()
        server.server_close()
