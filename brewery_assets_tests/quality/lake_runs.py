"""Runs silver and gold through Dagster on a bronze snapshot written by the test, as the schedule would."""

import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import dagster as dg
from deltalake import DeltaTable

from brewery_assets.assets.silver import silver_breweries_anonymized
from brewery_assets.definitions import build_definitions
from brewery_assets.ingestion.bronze import read_manifest, write_snapshot
from brewery_assets.lake import MANIFEST_NAME, LakeLayout
from brewery_assets.locations import location_key, locations_of
from brewery_assets.partitions import location_partitions
from brewery_assets.quality.anonymization_key import hash_key
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.settings import LOCAL_DEPLOYMENT


def definitions(layout: LakeLayout, spark: dg.ConfigurableResource | None = None) -> dg.Definitions:
    """The code location's definitions on the test's lake (the API is never called here); Spark jobs run
    in process unless another runner is given."""
    return build_definitions({
        "lake": LakeResource(root=layout.root),
        "spark": spark or SparkConnectResource(),
        "openbrewerydb": OpenBreweryDBResource(base_url="http://127.0.0.1:9/v1"),
    })


def write_bronze(layout: LakeLayout, day: dt.date, records: list[dict], broken_lines: list[str] = (),
                 manifest_records: int | None = None) -> dict:
    """Publishes a bronze snapshot of `records`, plus lines that are not records appended to its first page.

    The manifest counts every line, as the writer does; `manifest_records` overrides the count
    (a manifest that disagrees with its pages).
    """
    write_snapshot(layout, day, [(1, records, None)], {"kind": "test"})
    snapshot_dir = Path(layout.bronze_snapshot_dir(day))
    manifest = read_manifest(snapshot_dir)
    if broken_lines:
        page = Path(snapshot_dir) / manifest["pages"][0]["file"]
        with open(page, "a", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in broken_lines)
    manifest["records"] = len(records) + len(broken_lines) if manifest_records is None else manifest_records
    (snapshot_dir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


def register_locations(instance: dg.DagsterInstance, manifest: dict) -> list[str]:
    """Registers the snapshot's locations as silver partitions, as the bronze asset does; returns all keys."""
    keys = [location_key(country, state) for country, state in locations_of(manifest["locations"])]
    known = set(instance.get_dynamic_partitions(location_partitions.name))
    instance.add_dynamic_partitions(location_partitions.name, [k for k in keys if k not in known])
    return instance.get_dynamic_partitions(location_partitions.name)


def refresh_all(defs: dg.Definitions, instance: dg.DagsterInstance, run_config: dict | None = None):
    """`refresh_silver_gold` over every registered location (a full rebuild), without raising on failure."""
    keys = instance.get_dynamic_partitions(location_partitions.name)
    return defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance,
        run_config=run_config,
        tags={"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]},
        raise_on_error=False,
    )


def materialize_anonymized(layout: LakeLayout, instance: dg.DagsterInstance, run_config: dict | None = None,
                           keys: list[str] | None = None):
    """The anonymized copy alone over `keys` (a range of registered locations; default all of them), from
    the published silver, without raising."""
    keys = keys or instance.get_dynamic_partitions(location_partitions.name)
    defs = definitions(layout)
    job = dg.define_asset_job("anonymize", selection=[silver_breweries_anonymized])
    resolved = dg.Definitions(assets=defs.assets, jobs=[job], resources=defs.resources).resolve_job_def("anonymize")
    return resolved.execute_in_process(
        instance=instance,
        run_config=run_config,
        tags={"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]},
        raise_on_error=False,
    )


def rows(path: str) -> list[dict]:
    """Every row of a Delta table, as dicts sorted by their text."""
    frame = DeltaTable(path).to_pandas()
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def version(path: str) -> int:
    """The Delta table's current version."""
    return DeltaTable(path).version()


def as_pseudonyms(ids_by_location: dict) -> dict:
    """Silver's ids per location as the anonymized copy holds them: through the HMAC under this
    environment's key (the development key unless BREWERY_ANONYMIZATION_KEY is set)."""
    key, _ = hash_key(LOCAL_DEPLOYMENT)
    return {location: sorted(hmac.new(key, i.encode(), hashlib.sha256).hexdigest() for i in ids)
            for location, ids in ids_by_location.items()}
