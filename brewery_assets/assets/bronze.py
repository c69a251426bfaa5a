"""bronze_breweries: the whole catalogue as received from the API, one snapshot per day."""

import datetime as dt

import dagster as dg
import pandas as pd

from brewery_assets.assets.metadata import OWNERS, preview
from brewery_assets.ingestion.bronze import ingest_from_api
from brewery_assets.locations import location_key, locations_of
from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.partitions import ingest_date_partitions, location_partitions
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource


class BronzeConfig(dg.Config):
    """Run configuration of the bronze ingestion."""

    per_page: int = MAX_PER_PAGE


@dg.asset(
    partitions_def=ingest_date_partitions,
    group_name="bronze",
    kinds={"python", "json"},
    owners=OWNERS,
    description="Every page of Open Brewery DB /v1/breweries as received, as JSON lines with a manifest, "
    "one complete snapshot per ingestion day (bronze/breweries/ingest_date=YYYY-MM-DD/).",
)
def bronze_breweries(
    context: dg.AssetExecutionContext,
    config: BronzeConfig,
    lake: LakeResource,
    openbrewerydb: OpenBreweryDBResource,
) -> dg.MaterializeResult:
    """Ingests the day's snapshot, publishes it whole, and registers new locations as silver partitions."""
    ingest_date = dt.date.fromisoformat(context.partition_key)
    layout = lake.layout

    def log_progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            context.log.info(f"pages {done}/{total}")

    manifest = ingest_from_api(openbrewerydb.client(), layout, ingest_date, config.per_page, log_progress)

    keys = [location_key(country, state) for country, state in locations_of(manifest["locations"])]
    known = set(context.instance.get_dynamic_partitions(location_partitions.name))
    new_keys = [key for key in keys if key not in known]
    if new_keys:
        context.instance.add_dynamic_partitions(location_partitions.name, new_keys)
        context.log.info(f"registered {len(new_keys)} new location partitions")

    snapshot_dir = layout.bronze_snapshot_dir(ingest_date)
    sample = pd.read_json(snapshot_dir / manifest["pages"][0]["file"], lines=True, nrows=10, dtype=False)
    return dg.MaterializeResult(
        metadata={
            "records": manifest["records"],
            "distinct_ids": manifest["distinct_ids"],
            "api_total": manifest["api_total"],
            "pages": len(manifest["pages"]),
            "requests": manifest["requests"],
            "bytes_received": manifest["bytes_received"],
            "duration_seconds": manifest["duration_seconds"],
            "locations": len(keys),
            "new_locations": len(new_keys),
            "source": manifest["source"]["url"],
            "path": dg.MetadataValue.path(str(snapshot_dir)),
            "preview": preview(sample[["id", "name", "brewery_type", "city", "state_province", "country"]]),
        }
    )
