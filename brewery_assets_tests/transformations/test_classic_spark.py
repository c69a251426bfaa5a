"""The transformations are valid Apache Spark: classic JVM Spark gives the embedded engine's results.

Two classic Sparks run them: the project's PySpark 4, and Apache Spark 3.5, the line Amazon EMR 7.x
ships, from its own venv (`make test` builds `.venv-spark35` from deploy/spark35-requirements.txt
and names its interpreter in SPARK35_PYTHON). Without SPARK35_PYTHON the Spark 3.5 case is skipped,
except on CI (CI=true), where it must run.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from brewery_assets.lake import LakeLayout
from brewery_assets_tests.quality.lake_runs import write_bronze
from brewery_assets_tests.transformations.classic_spark_run import transformation_results
from brewery_assets_tests.transformations.edge_records import BROKEN_LINES, EDGE_RECORDS, EXPECTED_SILVER

pytestmark = [
    pytest.mark.jvm,
    pytest.mark.skipif(shutil.which("java") is None, reason="classic Spark needs a JVM (java on PATH)"),
]

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("classic_spark_run.py")


def _normalise(rows: list[dict]) -> list[tuple]:
    values = (tuple(str(value) if value is not None else None for value in row.values()) for row in rows)
    return sorted(values, key=repr)


@pytest.fixture(scope="module", params=["pyspark4", "spark35"])
def classic_spark(request) -> tuple[str, str]:
    """(Python interpreter, expected Spark version prefix) of a classic Spark: the project's PySpark 4,
    or Spark 3.5 from SPARK35_PYTHON. Resolved before the snapshot and the embedded results are
    built, so a skip costs little."""
    if request.param == "pyspark4":
        return sys.executable, "4."
    python = os.environ.get("SPARK35_PYTHON")
    if not python:
        message = "SPARK35_PYTHON is not set (`make test` builds .venv-spark35 and sets it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the Spark 3.5 check")
        pytest.skip(message)
    if not Path(python).is_file():
        pytest.fail(f"SPARK35_PYTHON={python} does not exist (`make test` builds it)")
    return python, "3.5."


@pytest.fixture(scope="module")
def snapshot_dir(official_records, tmp_path_factory) -> Path:
    """A bronze snapshot of the official dataset plus the edge records and broken lines."""
    layout = LakeLayout(str(tmp_path_factory.mktemp("classic") / "lake"))
    day = dt.date(2026, 11, 22)
    write_bronze(layout, day, official_records + EDGE_RECORDS, BROKEN_LINES)
    return Path(str(layout.bronze_snapshot_dir(day)))


@pytest.fixture(scope="module")
def embedded(spark, snapshot_dir) -> dict:
    """The same transformations of the snapshot on the embedded engine."""
    return transformation_results(spark, str(snapshot_dir))


def test_classic_spark_matches_the_embedded_engine(classic_spark, snapshot_dir, embedded, tmp_path):
    python, version_prefix = classic_spark
    output = tmp_path / "classic.json"
    # A classic session, on the interpreter's own PySpark: no Spark Connect, no other Spark install.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_REMOTE", "SPARK_CONNECT", "SPARK_HOME"))}
    env["PYSPARK_PYTHON"] = python
    # The Spark 3.5 venv does not have the project installed: the repo goes on the path.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    subprocess.run([python, str(SCRIPT), str(snapshot_dir), str(output)], check=True, env=env, timeout=300, cwd=REPO)
    classic = json.loads(output.read_text(encoding="utf-8"))
    assert classic["version"].startswith(version_prefix)

    assert len(classic["silver"]) == len(embedded["silver"]) == 11_822 + len(EXPECTED_SILVER)
    assert len(classic["rejected"]) == len(embedded["rejected"]) == 6
    assert len(classic["anonymized"]) == len(classic["silver"])
    assert len(classic["restricted"]) > 900
    for table in ("silver", "rejected", "gold", "anonymized", "restricted", "history", "changes", "counts_daily"):
        assert _normalise(classic[table]) == _normalise(embedded[table]), table
    # The history built day by day is the history built at once, on both engines.
    assert _normalise(classic["history_by_day"]) == _normalise(classic["history"])
    assert _normalise(embedded["history_by_day"]) == _normalise(embedded["history"])
    assert {row["change"] for row in classic["changes"]} == {"appeared", "disappeared", "changed"}
    assert classic["bronze_profile"] == embedded["bronze_profile"]  # field names, ids and their checksum
    assert classic["suspect_lines"] == embedded["suspect_lines"]
    assert len(classic["suspect_lines"]) >= 1
