"""The transformations are valid Apache Spark: classic JVM Spark gives the embedded engine's results."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brewery_assets.ingestion.bronze import read_manifest
from brewery_assets.locations import canonical_mapping
from brewery_assets.transformations.gold import count_breweries
from brewery_assets.transformations.silver import classify_records, read_bronze, rejected_rows, silver_rows
from brewery_assets_tests.quality.lake_runs import write_bronze
from brewery_assets_tests.transformations.edge_records import BROKEN_LINES, EDGE_RECORDS, EXPECTED_SILVER
from brewery_assets_tests.transformations.helpers import location_frame

pytestmark = pytest.mark.jvm


def _normalise(rows: list[dict]) -> list[tuple]:
    values = (tuple(str(value) if value is not None else None for value in row.values()) for row in rows)
    return sorted(values, key=repr)


@pytest.mark.skipif(shutil.which("java") is None, reason="classic Spark needs a JVM (java on PATH)")
def test_classic_spark_matches_the_embedded_engine(spark, layout, official_records, tmp_path):
    day = dt.date(2026, 11, 22)
    write_bronze(layout, day, official_records + EDGE_RECORDS, BROKEN_LINES)
    snapshot_dir = layout.bronze_snapshot_dir(day)

    output = tmp_path / "classic.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_REMOTE", "SPARK_CONNECT"))}
    repo = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), env.get("PYTHONPATH")]))
    script = Path(__file__).with_name("classic_spark_run.py")
    subprocess.run([sys.executable, str(script), str(snapshot_dir), str(output)], check=True, env=env,
                   timeout=300, cwd=repo)
    classic = json.loads(output.read_text(encoding="utf-8"))
    assert classic["version"].startswith("4.")

    manifest = read_manifest(snapshot_dir)
    locations = location_frame(spark, canonical_mapping(manifest["locations"]))
    classified = classify_records(read_bronze(spark, str(snapshot_dir)), locations, manifest["ingest_date"])
    silver = silver_rows(classified)
    embedded_silver = [row.asDict() for row in silver.collect()]
    embedded_rejected = [row.asDict() for row in rejected_rows(classified).collect()]
    embedded_gold = [row.asDict() for row in count_breweries(silver).collect()]

    assert len(classic["silver"]) == len(embedded_silver) == 11_822 + len(EXPECTED_SILVER)
    assert _normalise(classic["silver"]) == _normalise(embedded_silver)
    assert len(classic["rejected"]) == len(embedded_rejected) == 6
    assert _normalise(classic["rejected"]) == _normalise(embedded_rejected)
    assert _normalise(classic["gold"]) == _normalise(embedded_gold)
