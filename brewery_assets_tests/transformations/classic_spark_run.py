"""Runs the transformations on classic Apache Spark (local JVM) and dumps the results.

Usage: python classic_spark_run.py <snapshot_dir> <output.json>

Run in its own process: a Python process that has opened a Spark Connect session cannot also
start a classic one. The interpreter may be one without the project installed (the Spark 3.5 venv,
with the repo on PYTHONPATH): this module and what it imports need only PySpark and the standard
library, no Dagster.

`transformation_results` is also what the test computes on the embedded engine, so both sides
run exactly the same transformations.
"""

import datetime as dt
import json
import sys
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from brewery_assets.ingestion.bronze import read_manifest
from brewery_assets.locations import canonical_mapping
from brewery_assets.transformations.anonymize import anonymize
from brewery_assets.transformations.changes import daily_changes, daily_counts, day_pairs
from brewery_assets.transformations.gold import count_breweries
from brewery_assets.transformations.history import closed_by, open_on, rebuild_versions, snapshot_versions
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


DAYS = [dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)]


def history_results(spark: SparkSession, silver: DataFrame) -> dict:
    """The history of three days made from one silver table, all at once and day by day, with its
    changes and daily counts. Day 2 renames the breweries whose id ends in 0 and drops those ending in
    1; day 3 brings those back and closes the ones ending in 2 (brewery_type `closed`)."""
    last = F.substring("id", -1, 1)
    day2 = silver.where(last != "1").withColumn(
        "name", F.when(last == "0", F.concat("name", F.lit(" (renamed)"))).otherwise(F.col("name")))
    day3 = silver.withColumn("brewery_type", F.when(last == "2", F.lit("closed")).otherwise(F.col("brewery_type")))
    snapshots = [snapshot_versions(rows, day) for rows, day in zip((silver, day2, day3), DAYS, strict=True)]
    whole = rebuild_versions(spark, snapshots[0].unionByName(snapshots[1]).unionByName(snapshots[2]), DAYS)
    first_two = rebuild_versions(spark, snapshots[0].unionByName(snapshots[1]), DAYS[:2])
    third = rebuild_versions(spark, snapshots[2], DAYS[2:], DAYS[1], open_on(first_two, DAYS[1]),
                             closed_by(first_two, DAYS[1]))
    return {
        "history": _rows(whole),
        "history_by_day": _rows(closed_by(first_two, DAYS[1]).unionByName(third)),
        "changes": _rows(daily_changes(spark, whole, day_pairs(DAYS, DAYS))),
        "counts_daily": _rows(daily_counts(spark, whole, DAYS)),
    }


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
        **history_results(spark, silver),
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
