"""bronze_breweries: the whole catalogue as received from the API (or a file dump), one snapshot per day."""

import datetime as dt
import json
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.ingestion.api import DEFAULT_TIME_BUDGET_SECONDS, ApiExtraction, ExtractionSettings
from brewery_assets.ingestion.bronze import (
    IncompleteSnapshotError,
    PublishedSnapshot,
    published_snapshot,
    verify_snapshot,
)
from brewery_assets.ingestion.dump import DumpDownloadError, ingest_from_file, ingest_from_url
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
    fallback_dump_url: str = Field(
        default="",
        description="With source 'api': a dump (http(s) URL or path; CSV, JSON or JSON lines) published instead "
        "when the API cannot give a complete snapshot (a request failing for good, the time budget spent, reads "
        "that do not add up); not used when the API rejects the request (a 4xx: fix the configuration). The "
        "manifest records the source used and why.",
    )
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
    rate_limit_window_seconds: float = Field(
        default=60.0, description="The API's rate-limit window (a minute live; shorter on a rehearsal server): "
        "requests_per_minute counts over it, and pacing from X-RateLimit-Remaining assumes it.")
    max_retries: int = Field(
        default=3, description="Retries of a request after an error (5xx, Cloudflare 52x/530, timeouts, cut or "
        "malformed bodies); a 429 is not an error but a window waited out within time_budget_seconds.")
    backoff_seconds: float = Field(default=2.0, description="Wait before the first retry; doubles each time.")
    max_backoff_seconds: float = Field(default=60.0, description="Longest wait between two tries, jitter included.")
    max_retry_after_seconds: float = Field(
        default=120.0, description="Longest Retry-After (or X-RateLimit-Reset) honoured for one wait.")
    time_budget_seconds: float = Field(
        default=DEFAULT_TIME_BUDGET_SECONDS,
        description="Longest the API extraction may take, rate-limit windows and retries included; a wait that "
        "would end later fails the extraction (or falls back to fallback_dump_url).",
    )
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
        rate_limit_window_seconds=config.rate_limit_window_seconds,
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
        time_budget_seconds=config.time_budget_seconds,
    )
    client = _client(config, api)
    extraction = ApiExtraction(client, lake.layout, ingest_date, settings, context.log.info)
    try:
        return extraction.run()
    except (IncompleteSnapshotError, OpenBreweryDBError) as exc:
        # The figures of the failed attempt: on the run page, or in the fallback snapshot's manifest.
        attempt = {**client.stats.as_dict(), **client.rate_limit_figures(), "passes": extraction.history}
        if config.fallback_dump_url and not isinstance(exc, RequestRejected):
            return _fall_back(context, config, lake, ingest_date, api, exc, attempt)
        # A rejected request (wrong URL, bad parameters) fails the same way on every retry of the step.
        raise dg.Failure(
            description=str(exc),
            allow_retries=not isinstance(exc, RequestRejected),
            metadata=_failure_figures(attempt),
        ) from exc
    finally:
        client.close()


def _fall_back(context: dg.AssetExecutionContext, config: BronzeConfig, lake: LakeResource, ingest_date: dt.date,
               api: OpenBreweryDBResource, failure: Exception, attempt: dict) -> dict:
    """Publishes the day from `fallback_dump_url` after the API failed; the manifest says why."""
    url = config.fallback_dump_url
    what = getattr(failure, "summary", str(failure))  # without the advice to set fallback_dump_url
    context.log.warning(f"the API could not give the snapshot of {ingest_date}; publishing it from the dump at "
                        f"{url} instead. The API's failure: {what}")
    try:
        manifest = ingest_from_url(
            url, lake.layout, ingest_date, config.per_page, context.log.info,
            reason=f"fallback_dump_url, because the API failed: {what}", timeout=api.timeout_seconds,
            retry=RetryPolicy(max_retries=config.max_retries, backoff_seconds=config.backoff_seconds,
                              max_backoff_seconds=config.max_backoff_seconds),
            # The failed API attempt is part of the record of how the snapshot came to be.
            details={"api_attempt": {"url": api.base_url, **attempt}},
        )
    except (DumpDownloadError, OSError, ValueError, IncompleteSnapshotError) as exc:
        raise dg.Failure(
            description=f"the API failed: {failure}\nThe fallback dump {url} failed too: {exc}",
            metadata=_failure_figures(attempt),
        ) from exc
    return manifest


def _failure_figures(attempt: dict) -> dict:
    return {
        "requests": attempt["requests"],
        "retries": attempt["retries"],
        "rate_limited": attempt["rate_limited"],
        "rate_limit_wait_seconds": attempt["rate_limit_wait_seconds"],
        "statuses": dg.MetadataValue.json(attempt["statuses"]),
        "failures": dg.MetadataValue.json(attempt["failures"]),
        "passes": dg.MetadataValue.json(attempt["passes"]),
    }


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
    `force`. When the API cannot give a complete, consistent snapshot, the day is published from
    `fallback_dump_url` if set (the manifest says so and why); otherwise the run fails, naming what went
    wrong and what to do, and the day's previous snapshot stays as it was.
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
    # A snapshot published from the fallback dump keeps the figures of the API attempt that failed.
    api_figures = extraction or source.get("api_attempt", {})
    first_page = snapshot.read_page(manifest["pages"][0]["file"]).decode("utf-8")
    return dg.MaterializeResult(
        metadata={
            "skipped": existing is not None,
            "records": manifest["records"],
            "distinct_ids": manifest["distinct_ids"],
            "api_total": manifest.get("api_total", manifest.get("source_total")),
            "pages": len(manifest["pages"]),
            "requests": manifest.get("requests", api_figures.get("requests", 0)),
            "retries": api_figures.get("retries", 0),
            "rate_limited": api_figures.get("rate_limited", 0),
            "rate_limit_wait_seconds": api_figures.get("rate_limit_wait_seconds", 0.0),
            "retry_wait_seconds": api_figures.get("retry_wait_seconds", 0.0),
            "passes": len(api_figures.get("passes", [])),
            "reread_pages": sum(len(p["reread_pages"]) for p in api_figures.get("passes", [])),
            "repeated_ids": extraction.get("repeated_ids", {}).get("count", 0),
            "bytes_received": manifest.get("bytes_received", source.get("bytes", 0)),
            "duration_seconds": manifest["duration_seconds"],
            "locations": len(keys),
            "new_locations": len(new_keys),
            "source": source.get("url") or source.get("path", ""),
            "source_kind": source["kind"],
            "source_reason": source.get("reason", f"run config source: {source['kind']}"),
            "dump_bad_lines": source.get("bad_lines", 0),
            "version": manifest.get("version", ""),
            "path": dg.MetadataValue.path(snapshot.path),
            "preview": preview(_sample(first_page)),
        }
    )


_PREVIEW_COLUMNS = ["id", "name", "brewery_type", "city", "state_province", "country"]


def _sample(page: str, rows: int = 10) -> pd.DataFrame:
    """The first records of a bronze page for the preview; an element that is not an object shows as its JSON."""
    sample = []
    for line in page.split("\n")[:rows]:  # not splitlines: U+2028 and the like may be inside a value
        if not line:
            continue
        element = json.loads(line)
        if not isinstance(element, dict):
            element = {"id": None, "name": f"(not an object: {line[:60]})"}
        sample.append({column: _cell(element.get(column)) for column in _PREVIEW_COLUMNS})
    return pd.DataFrame(sample, columns=_PREVIEW_COLUMNS)


def _cell(value: object) -> object:
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)
