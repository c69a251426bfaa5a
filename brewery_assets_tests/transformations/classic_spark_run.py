"""Runs the silver and gold transformations on classic Apache Spark (local JVM) and dumps the results.

Usage: python classic_spark_run.py <snapshot_dir> <output.json>

Run in its own process: a Python process that has opened a Spark Connect session cannot also
start a classic one.
"""

import json
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from brewery_assets.ingestion.bronze import read_manifest
from brewery_assets.locations import canonical_mapping
from brewery_assets.transformations.gold import count_breweries
from brewery_assets.transformations.silver import classify_records, read_bronze, rejected_rows, silver_rows
from brewery_assets_tests.transformations.helpers import location_frame


def main(snapshot_dir: str, output: str) -> None:
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("brewery-assets-classic-check")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    manifest = read_manifest(Path(snapshot_dir))
    locations = location_frame(spark, canonical_mapping(manifest["locations"]))
    classified = classify_records(read_bronze(spark, snapshot_dir), locations, manifest["ingest_date"]).cache()
    silver = silver_rows(classified)
    result = {
        "version": spark.version,
        "silver": [row.asDict() for row in silver.collect()],
        "rejected": [row.asDict() for row in rejected_rows(classified).collect()],
        "gold": [row.asDict() for row in count_breweries(silver).collect()],
    }
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=str, ensure_ascii=False)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
