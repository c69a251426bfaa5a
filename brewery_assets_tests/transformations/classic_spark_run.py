"""Runs the transformations on classic Apache Spark (local JVM) and dumps the results.

Usage: python classic_spark_run.py <snapshot_dir> <output.json>

Run in its own process: a Python process that has opened a Spark Connect session cannot also
start a classic one. The interpreter may be one without the project installed (the Spark 3.5 venv,
with the repo on PYTHONPATH): this module and what it imports need only PySpark and the standard
library, no Dagster.

`transformation_results` is also what the test computes on the embedded engine, so both sides
run exactly the same transformations.
"""

import json
import sys
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from brewery_assets.ingestion.bronze import read_manifest
from brewery_assets.locations import canonical_mapping
from brewery_assets.transformations.anonymize import anonymize
from brewery_assets.transformations.gold import count_breweries
from brewery_assets.transformations.silver import (
    classify_records,
    location_frame,
    parse_bronze_lines,
    profile_lines,
    read_bronze_lines,
    rejected_rows,
    restrict_to_locations,
    silver_rows,
    suspect_lines,
)

# The key of the anonymized copy in this check (a test value, not a secret).
HASH_KEY = b"classic-spark-check"
# Locations for `restrict_to_locations`: a large one, one outside the United States, one absent.
LOCATIONS = [("United States", "California"), ("Ireland", "Laois"), ("Nowhere", "(unknown)")]


def _rows(frame: DataFrame) -> list[dict]:
    return [row.asDict() for row in frame.collect()]


def transformation_results(spark: SparkSession, snapshot_dir: str, cache: bool = False) -> dict:
    """Every Spark transformation of `brewery_assets.transformations` on one bronze snapshot, as plain rows.

    `cache` keeps the classified records between the outputs (classic Spark; the embedded engine
    does not need it).
    """
    manifest = read_manifest(Path(snapshot_dir))
    locations = location_frame(spark, canonical_mapping(manifest["locations"]))
    lines = read_bronze_lines(spark, str(snapshot_dir))
    classified = classify_records(parse_bronze_lines(lines), locations, manifest["ingest_date"])
    if cache:
        classified = classified.cache()
    silver = silver_rows(classified)
    return {
        "version": spark.version,
        "silver": _rows(silver),
        "rejected": _rows(rejected_rows(classified)),
        "gold": _rows(count_breweries(silver)),
        "anonymized": _rows(anonymize(silver, HASH_KEY)),
        "restricted": _rows(restrict_to_locations(silver, LOCATIONS)),
        "bronze_profile": (lambda names, ids, checksum: [sorted(names), ids, str(checksum)])(*profile_lines(lines)),
        "suspect_lines": sorted(row["value"] for row in suspect_lines(lines).collect()),
    }


def main(snapshot_dir: str, output: str) -> None:
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("brewery-assets-classic-check")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    result = transformation_results(spark, snapshot_dir, cache=True)
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=str, ensure_ascii=False)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
