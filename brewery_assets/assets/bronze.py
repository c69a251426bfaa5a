"""bronze_breweries: the whole catalogue as received from the API (or a file dump), one snapshot per day."""

import datetime as dt
import io
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.ingestion.api import ApiExtraction, ExtractionSettings
from brewery_assets.ingestion.bronze import (
    IncompleteSnapshotError,
    PublishedSnapshot,
    published_snapshot,
    verify_snapshot,
)
from brewery_assets.ingestion.dump import ingest_from_file
from brewery_assets.locations import location_key, locations_of
from brewery_assets.openbrewerydb.client import (
    DEFAULT_REQUESTS_PER_MINUTE,
    OpenBreweryDBClient,
    OpenBreweryDBError,
    RequestRejected,
)
from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.openbrewerydb.retry import RetryPolicy
from brewery_assets.partitions import ingest_date_partitions, location_partitions
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.storage import name_of


class BronzeConfig(dg.Config):
    """Run configuration of the bronze ingestion; the defaults suit the public API."""

    source: Literal["api", "file"] = Field(
        default="api", description="'api': the Open Brewery DB resource; 'file': the dump at dump_path."
    )
    dump_path: str = Field(default="", description="With source 'file': a CSV (official format), JSON or JSON lines.")
    if_complete: Literal["skip", "force"] = Field(
        default="skip",
        description="When the day already has a complete, intact snapshot: 'skip' keeps it without calling "
        "the source; 'force' ingests again and replaces it.",
    )
    per_page: int = Field(default=MAX_PER_PAGE, description="Rows per page request (1..200).")
    max_concurrency: int = Field(default=4, description="Page requests in flight at once.")
    requests_per_minute: int = Field(
        default=DEFAULT_REQUESTS_PER_MINUTE, description="Client-side rate limit (the API allows 120 per IP)."
    )
    max_retries: int = Field(default=3, description="Retries of a request after a retryable failure.")
    backoff_seconds: float = Field(default=2.0, description="Wait before the first retry; doubles each time.")
    max_backoff_seconds: float = Field(default=60.0, description="Longest wait between two tries.")
    max_retry_after_seconds: float = Field(default=120.0, description="Longest Retry-After that is honoured.")
    consistency_passes: int = Field(
        default=3, description="Full re-reads allowed to obtain two agreeing passes when the catalogue moves."
    )


def _client(config: BronzeConfig, api: OpenBreweryDBResource) -> OpenBreweryDBClient:
    retry = RetryPolicy(
        max_retries=config.max_retries,
        backoff_seconds=config.backoff_seconds,
        max_backoff_seconds=config.max_backoff_seconds,
        max_retry_after_seconds=config.max_retry_after_seconds,
    )
    return OpenBreweryDBClient(
        api.base_url,
        timeout=api.timeout_seconds,
        retry=retry,
        requests_per_minute=config.requests_per_minute,
        max_connections=config.max_concurrency,
    )


def _ingest(context: dg.AssetExecutionContext, config: BronzeConfig, api: OpenBreweryDBResource,
            lake: LakeResource, ingest_date: dt.date) -> dict:
    if config.source == "file":
        if not config.dump_path:
            raise dg.Failure("bronze source 'file' needs dump_path (a CSV, JSON or JSON lines file)",
                             allow_retries=False)
        try:
            return ingest_from_file(config.dump_path, lake.layout, ingest_date, config.per_page, context.log.info)
        except (OSError, ValueError, IncompleteSnapshotError) as exc:
            # The same file fails the same way on every retry of the step.
            raise dg.Failure(f"cannot ingest {config.dump_path}: {exc}", allow_retries=False) from exc
    settings = ExtractionSettings(
        per_page=config.per_page,
        max_concurrency=config.max_concurrency,
        consistency_passes=config.consistency_passes,
    )
    client = _client(config, api)
    extraction = ApiExtraction(client, lake.layout, ingest_date, settings, context.log.info)
    try:
        return extraction.run()
    except (IncompleteSnapshotError, OpenBreweryDBError) as exc:
        # A Failure shows the reason and the figures on the run page; the previous snapshot was kept. A
        # rejected request (wrong URL, bad parameters) fails the same way on every retry of the step.
        stats = client.stats.as_dict()
        raise dg.Failure(
            description=str(exc),
            allow_retries=not isinstance(exc, RequestRejected),
            metadata={
                "requests": stats["requests"],
                "retries": stats["retries"],
                "rate_limited": stats["rate_limited"],
                "failures": dg.MetadataValue.json(stats["failures"]),
                "passes": dg.MetadataValue.json(extraction.history),
            },
        ) from exc
    finally:
        client.close()


def _existing(context: dg.AssetExecutionContext, config: BronzeConfig, lake: LakeResource,
              ingest_date: dt.date) -> PublishedSnapshot | None:
    """The day's snapshot when it may be kept as it is, else None."""
    if config.if_complete != "skip":
        return None
    snapshot = published_snapshot(lake.layout, ingest_date)
    if snapshot is None:
        return None
    problems = verify_snapshot(snapshot)
    if problems:
        context.log.warning(f"the snapshot of {ingest_date} at {snapshot.path} is damaged ({'; '.join(problems)}); "
                            "ingesting it again")
        return None
    context.log.info(f"{ingest_date} already has a complete snapshot ({snapshot.manifest['records']} records, "
                     f"{name_of(snapshot.path)}); skipping the source (if_complete: skip)")
    return snapshot


@dg.asset(
    partitions_def=ingest_date_partitions,
    group_name="bronze",
    kinds={"python", "json"},
    owners=OWNERS,
    description="Every page of Open Brewery DB /v1/breweries as received (or a file dump), as JSON lines with a "
    "manifest, one complete and verified snapshot per ingestion day (bronze/breweries/ingest_date=YYYY-MM-DD/).",
)
def bronze_breweries(
    context: dg.AssetExecutionContext,
    config: BronzeConfig,
    lake: LakeResource,
    openbrewerydb: OpenBreweryDBResource,
) -> dg.MaterializeResult:
    """Ingests the day's snapshot, publishes it whole, and registers new locations as silver partitions.

    A day that already has an intact snapshot is kept without calling the source unless `if_complete` is
    `force`. A source that cannot give a complete, consistent snapshot fails the run and leaves the day's
    previous snapshot as it was.
    """
    ingest_date = dt.date.fromisoformat(context.partition_key)
    existing = _existing(context, config, lake, ingest_date)
    snapshot = existing
    if snapshot is None:
        _ingest(context, config, openbrewerydb, lake, ingest_date)
        snapshot = published_snapshot(lake.layout, ingest_date)
    manifest = snapshot.manifest

    keys = [location_key(country, state) for country, state in locations_of(manifest["locations"])]
    known = set(context.instance.get_dynamic_partitions(location_partitions.name))
    new_keys = [key for key in keys if key not in known]
    if new_keys:
        context.instance.add_dynamic_partitions(location_partitions.name, new_keys)
        context.log.info(f"registered {len(new_keys)} new location partitions")

    extraction = manifest.get("extraction", {})
    source = manifest["source"]
    first_page = snapshot.read_page(manifest["pages"][0]["file"]).decode("utf-8")
    sample = pd.read_json(io.StringIO(first_page), lines=True, nrows=10, dtype=False)
    return dg.MaterializeResult(
        metadata={
            "skipped": existing is not None,
            "records": manifest["records"],
            "distinct_ids": manifest["distinct_ids"],
            "api_total": manifest.get("api_total", manifest.get("source_total")),
            "pages": len(manifest["pages"]),
            "requests": manifest.get("requests", 0),
            "retries": extraction.get("retries", 0),
            "rate_limited": extraction.get("rate_limited", 0),
            "retry_wait_seconds": extraction.get("retry_wait_seconds", 0.0),
            "passes": len(extraction.get("passes", [])),
            "reread_pages": sum(len(p["reread_pages"]) for p in extraction.get("passes", [])),
            "bytes_received": manifest.get("bytes_received", source.get("bytes", 0)),
            "duration_seconds": manifest["duration_seconds"],
            "locations": len(keys),
            "new_locations": len(new_keys),
            "source": source.get("url") or source.get("path", ""),
            "source_kind": source["kind"],
            "version": manifest.get("version", ""),
            "path": dg.MetadataValue.path(snapshot.path),
            "preview": preview(sample[["id", "name", "brewery_type", "city", "state_province", "country"]]),
        }
    )
