"""The floor the pipeline is measured against: the same work in polars + deltalake, no orchestration.

From one bronze snapshot (the JSON lines pages the pipeline reads) it does what silver and gold do,
without write-audit-publish, checks, anonymized copy or Dagster: every field read as text, trimmed
(blank as null), coordinates parsed and range-checked, brewery types lower-cased and checked,
locations mapped through the snapshot's manifest, one row per id (the most complete one), a Delta
table partitioned by location, and the counts per location and type as a second Delta table.

    python benchmarks/floor.py <snapshot folder> <output folder>

prints a JSON line: rows, seconds per stage, files written.
"""

import json
import resource
import sys
import time
from pathlib import Path

import polars as pl
from deltalake import write_deltalake

from brewery_assets.locations import canonical_mapping
from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, BREWERY_TYPES
from brewery_assets.record_ids import TRIMMED_CHARACTERS


def _clean(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.Utf8).str.strip_chars(TRIMMED_CHARACTERS)
    return pl.when(text == "").then(None).otherwise(text).alias(column)


def run(snapshot: Path, output: Path) -> dict:
    timings, clock = {}, time.perf_counter()
    manifest = json.loads((snapshot / "_manifest.json").read_text())
    pages = [snapshot / page["file"] for page in manifest["pages"]]
    frame = pl.concat([pl.read_ndjson(page, infer_schema_length=None) for page in pages], how="diagonal_relaxed")
    frame = frame.select([pl.col(name).cast(pl.Utf8) if name in frame.columns else pl.lit(None, pl.Utf8).alias(name)
                          for name in BREWERY_FIELDS])
    timings["read"] = time.perf_counter() - clock

    clock = time.perf_counter()
    mapping = pl.DataFrame(canonical_mapping(manifest["locations"])).select(
        "country_raw", "state_raw", "country", "state", "location_id")
    lon, lat = pl.col("longitude").cast(pl.Float64, strict=False), pl.col("latitude").cast(pl.Float64, strict=False)
    bad = lon.is_null() | lat.is_null() | (lat.abs() > 90) | (lon.abs() > 180) | lon.is_nan() | lat.is_nan()
    brewery_type = pl.col("brewery_type").str.to_lowercase()
    cleaned = (
        frame.with_columns(_clean(name) for name in BREWERY_FIELDS)
        .with_columns(pl.coalesce("state_province", "state").alias("state_raw"), pl.col("country").alias("country_raw"))
        .drop("country", "state")
        .join(mapping, on=["country_raw", "state_raw"], how="left", nulls_equal=True)
        .filter(pl.col("id").is_not_null() & pl.col("location_id").is_not_null())
        .with_columns(
            pl.when(bad).then(None).otherwise(lon).alias("longitude"),
            pl.when(bad).then(None).otherwise(lat).alias("latitude"),
            pl.when(brewery_type.is_in(list(BREWERY_TYPES))).then(brewery_type).otherwise(pl.lit("unknown"))
            .alias("brewery_type"),
        )
    )
    filled = pl.sum_horizontal(pl.col(c).is_not_null().cast(pl.Int32) for c in cleaned.columns if c != "id")
    silver = (cleaned.with_columns(filled.alias("_filled")).sort(["id", "_filled"], descending=[False, True])
              .unique("id", keep="first", maintain_order=False).drop("_filled", "country_raw", "state_raw"))
    timings["clean"] = time.perf_counter() - clock

    clock = time.perf_counter()
    write_deltalake(str(output / "silver"), silver.to_arrow(), mode="overwrite", partition_by=["location_id"])
    timings["write_silver"] = time.perf_counter() - clock

    clock = time.perf_counter()
    gold = silver.group_by("country", "state", "brewery_type").len("brewery_count")
    write_deltalake(str(output / "gold"), gold.to_arrow(), mode="overwrite")
    timings["gold"] = time.perf_counter() - clock
    files = sum(1 for _ in (output / "silver").rglob("*.parquet"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": silver.height, "stages": {k: round(v, 3) for k, v in timings.items()}, "silver_files": files,
            "peak_rss_mb": round(peak, 1)}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), Path(sys.argv[2]))))
