"""The transformations are valid Apache Spark: classic JVM Spark gives the embedded engine's results."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brewery_assets.ingestion.bronze import read_manifest, write_snapshot
from brewery_assets.transformations.gold import count_breweries
from brewery_assets.transformations.silver import build_silver, read_bronze
from brewery_assets_tests.transformations.test_silver_and_gold import RECORDS

pytestmark = pytest.mark.jvm


def _normalise(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(str(value) if value is not None else None for value in row.values()) for row in rows)


@pytest.mark.skipif(shutil.which("java") is None, reason="classic Spark needs a JVM (java on PATH)")
def test_classic_spark_matches_the_embedded_engine(spark, layout, official_records, tmp_path):
    records = official_records + RECORDS
    pages = [(i // 500 + 1, records[i : i + 500], None) for i in range(0, len(records), 500)]
    write_snapshot(layout, dt.date(2026, 11, 22), pages, {"kind": "test"})
    snapshot_dir = layout.bronze_snapshot_dir(dt.date(2026, 11, 22))

    output = tmp_path / "classic.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_REMOTE", "SPARK_CONNECT"))}
    script = Path(__file__).with_name("classic_spark_run.py")
    subprocess.run([sys.executable, str(script), str(snapshot_dir), str(output)], check=True, env=env,
                   timeout=300, cwd=Path(__file__).resolve().parents[2])
    classic = json.loads(output.read_text(encoding="utf-8"))
    assert classic["version"].startswith("4.")

    manifest = read_manifest(snapshot_dir)
    locations = spark.createDataFrame(
        [(m["country_raw"], m["state_raw"], m["country"], m["state"]) for m in manifest["locations"]],
        "country_raw string, state_raw string, country string, state string",
    )
    silver = build_silver(read_bronze(spark, str(snapshot_dir)), locations, manifest["ingest_date"])
    embedded_silver = [row.asDict() for row in silver.collect()]
    embedded_gold = [row.asDict() for row in count_breweries(silver).collect()]

    assert len(classic["silver"]) == len(embedded_silver) == 11_822 + 4
    assert _normalise(classic["silver"]) == _normalise(embedded_silver)
    assert _normalise(classic["gold"]) == _normalise(embedded_gold)
