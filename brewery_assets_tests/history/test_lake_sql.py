"""`brewery-lake sql`: Spark SQL over the lake's tables by name, run as the command, on the lake of conftest."""

import json
import os
import subprocess
import sys
from pathlib import Path

from brewery_assets_tests.history.conftest import BASE, DAYS, NEW_C

REPO_ROOT = Path(__file__).resolve().parents[2]
D3 = DAYS[2]

# What changed on the last day, with silver's name for the breweries still there.
CHANGES_WITH_SILVER = f"""
    SELECT c.change, c.id, s.name, s.state
    FROM gold_brewery_changes c JOIN silver_breweries s ON s.id = c.id
    WHERE c.snapshot_date = DATE'{D3.isoformat()}'
    ORDER BY c.change, c.id
"""


def sql(lake, query: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BREWERY_LAKE_ROOT": lake.layout.root}
    env.pop("SPARK_REMOTE", None)
    env.pop("RUST_LOG", None)  # the command's own default
    return subprocess.run([sys.executable, "-m", "brewery_assets.cli", "sql", query, *args],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_sql_joins_silver_and_the_changes_table(lake_in_order):
    silver = lake_in_order.silver[D3]
    expected = sorted([("appeared", BASE[10]["id"]), ("appeared", NEW_C["id"]), ("changed", BASE[3]["id"])])

    done = sql(lake_in_order, CHANGES_WITH_SILVER, "--format", "csv")

    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "change,id,name,state"
    assert lines[1:] == [f"{change},{brewery},{silver[brewery]['name']},{silver[brewery]['state']}"
                         for change, brewery in expected]
    assert silver[BASE[3]["id"]]["name"] == "Alpine Bend Brewing"


def test_sql_prints_an_aligned_table_or_json_lines(lake_in_order):
    query = ("SELECT snapshot_date, sum(brewery_count) AS breweries FROM gold_brewery_counts_daily "
             "GROUP BY snapshot_date ORDER BY snapshot_date")

    table = sql(lake_in_order, query)
    as_json = sql(lake_in_order, "SELECT count(*) AS n, max(ingest_date) AS last_day FROM bronze_breweries", "--format",
                  "json")

    assert table.returncode == 0, table.stderr[-3000:]
    # A query that works prints its result and nothing else, not even the engine's exit chatter.
    assert table.stderr == ""
    assert table.stdout.splitlines() == [
        "snapshot_date  breweries",
        "-------------  ---------",
        f"{DAYS[0]}            60",
        f"{DAYS[1]}            60",
        f"{DAYS[2]}            61",
    ]
    assert as_json.returncode == 0, as_json.stderr[-3000:]
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [{"n": 60 + 60 + 61, "last_day": str(D3)}]


def test_an_unknown_table_is_an_error_naming_the_tables(lake_in_order):
    done = sql(lake_in_order, "SELECT * FROM gold_brewery_closures")

    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("brewery-lake sql: ")
    assert "gold_brewery_closures" in done.stderr
    tables = ("bronze_breweries, silver_breweries, silver_breweries_rejected, silver_breweries_anonymized, "
              "silver_brewery_history, gold_brewery_counts, gold_brewery_changes, gold_brewery_counts_daily")
    assert f"tables: {tables}" in done.stderr
