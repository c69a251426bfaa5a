"""`brewery-lake run`, the command behind `make run`, from a fresh lake and Dagster home: what it does and
what it prints."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable

from brewery_assets.cli import build_parser, ingest_date_of
from brewery_assets.replay import generate_breweries

REPO_ROOT = Path(__file__).resolve().parents[1]
STEPS = ["bronze_breweries", "silver_breweries", "silver_breweries_anonymized", "gold_brewery_counts",
         "silver_brewery_history", "gold_brewery_changes", "gold_brewery_counts_daily"]


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    # As `make run` prepares it: the repository's instance config in DAGSTER_HOME.
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    full_env = {**os.environ, "DAGSTER_HOME": str(home), "BREWERY_LAKE_ROOT": str(tmp_path / "lake"), **env}
    full_env.pop("OPENBREWERYDB_API_URL", None)
    if "BREWERY_VERBOSE" not in env:
        full_env.pop("BREWERY_VERBOSE", None)
    return subprocess.run(
        [sys.executable, "-m", "brewery_assets.cli", "run", "--date", "2026-11-22", *args],
        cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=300,
    )


def test_run_ingests_a_snapshot_file_through_the_replay_server(tmp_path, official_csv, monkeypatch):
    done = run_cli(tmp_path, BREWERIES_SNAPSHOT=str(official_csv))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "serving 11,822 breweries" in done.stdout
    # 212 locations, not the file's 213 (country, state) pairs: the typo 'MIssouri' merges into 'Missouri'.
    assert "gold_brewery_counts: 11,822 breweries in 212 locations (snapshot 2026-11-22)" in done.stdout
    assert "micro 5,840, brewpub 3,931" in done.stdout

    # The runs are in the Dagster home that `make dev` shows.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert sorted(run.job_name for run in runs) == ["ingest_bronze", "refresh_silver_gold", "update_history"]
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        assert all(run.run_id in done.stdout for run in runs)
    silver = DeltaTable(str(tmp_path / "lake" / "silver" / "breweries")).to_pandas()
    assert silver.shape[0] == 11_822
    # The nine pairs the dataset profile finds outside their country: eight exchanged, one lost sign.
    flagged = silver[silver["coordinates_issue"].notna()]
    assert sorted(zip(flagged["name"], flagged["coordinates_issue"], strict=True)) == [
        ("Batzen", "swapped"), ("Brauerei Forst", "swapped"), ("Floribunda", "swapped"), ("Gassl Bräu", "swapped"),
        ("Goat Island Brewing", "swapped"), ("Labyrinth Brewing Company", "swapped"),
        ("Mescan Brewery", "outside_country"), ("Vadia", "swapped"), ("Xarlie", "swapped")]
    assert flagged["longitude"].isna().all() and flagged["latitude"].isna().all()


def test_run_on_the_generated_catalogue_prints_a_short_account_then_the_gold_summary(tmp_path):
    done = run_cli(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    gold = DeltaTable(str(tmp_path / "lake" / "gold" / "brewery_counts")).to_pandas()
    assert gold["brewery_count"].sum() == 12_000

    out = done.stdout.splitlines()
    assert len(out) + len(done.stderr.splitlines()) < 60, done.stdout + done.stderr
    assert " - DEBUG - " not in done.stdout + done.stderr
    assert out[0].endswith("serving 12,000 breweries from the generated dataset")
    # Each run, and each step of it with what it did and how long it took.
    assert re.search(r"^ingest_bronze, run [0-9a-f-]{36}: day 2026-11-22 \.\.\.$", done.stdout, re.M)
    assert re.search(r"^refresh_silver_gold, run [0-9a-f-]{36}: \d+ locations in one run; Dagster records the "
                     r"run's plan first", done.stdout, re.M)
    durations = {step: re.findall(rf"^  {step}: (.+) \((\d+\.\d) s\)$", done.stdout, re.M) for step in STEPS}
    assert all(len(found) == 1 for found in durations.values()), durations
    assert durations["bronze_breweries"][0][0].startswith("12,000 records in ")
    assert durations["silver_breweries"][0][0].startswith("12,000 rows, rejected 0 (of which duplicates 0), ")
    assert durations["gold_brewery_counts"][0][0].startswith("12,000 breweries in ")
    # The day joins the history: the first day holds every brewery, and nothing changed before it.
    assert re.search(r"^update_history, run [0-9a-f-]{36}: day 2026-11-22 \.\.\.$", done.stdout, re.M)
    assert durations["silver_brewery_history"][0][0] == (
        "12,000 current versions, 12,000 in all; the day opened 12,000 and closed 0")
    assert durations["gold_brewery_changes"][0][0] == "0 appeared, 0 disappeared, 0 changed"
    assert durations["gold_brewery_counts_daily"][0][0] == "12,000 breweries on the day"
    # It ends with the gold summary: totals, then the table of the largest counts.
    summary = next(index for index, line in enumerate(out) if line.startswith("gold_brewery_counts: 12,000 "))
    assert out[summary - 2].startswith("done in ") and out[summary - 1] == ""
    assert out[summary + 1].startswith("by type: micro ")
    assert out[summary + 2] == "largest counts (top 15):"
    assert len(out) == summary + 4 + 15  # the table's header and its 15 rows end the output


def test_a_day_keeps_its_snapshot_when_the_source_changes_until_refetched(tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(generate_breweries(300, seed=1)))
    second.write_text(json.dumps(generate_breweries(450, seed=2)))

    done = run_cli(tmp_path, BREWERIES_SNAPSHOT=str(first))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "gold_brewery_counts: 300 breweries in " in done.stdout

    # The same day from another source: the day's snapshot is kept, and the output says how to refetch.
    kept = run_cli(tmp_path, BREWERIES_SNAPSHOT=str(second))
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert re.search(r"^  bronze_breweries: kept the day's complete snapshot \(300 records in .*--refetch", kept.stdout,
                     re.M), kept.stdout
    assert "gold_brewery_counts: 300 breweries in " in kept.stdout

    refetched = run_cli(tmp_path, "--refetch", BREWERIES_SNAPSHOT=str(second))
    assert refetched.returncode == 0, refetched.stderr[-3000:]
    assert re.search(r"^  bronze_breweries: 450 records in ", refetched.stdout, re.M), refetched.stdout
    assert "gold_brewery_counts: 450 breweries in " in refetched.stdout
    silver = DeltaTable(str(tmp_path / "lake" / "silver" / "breweries")).to_pandas()
    assert sorted(silver["id"]) == sorted(record["id"] for record in generate_breweries(450, seed=2))


def test_verbose_run_prints_dagsters_debug_log(tmp_path):
    snapshot = tmp_path / "small.json"
    snapshot.write_text(json.dumps(generate_breweries(40, seed=3)), encoding="utf-8")

    done = run_cli(tmp_path, BREWERIES_SNAPSHOT=str(snapshot), BREWERY_VERBOSE="1")

    assert done.returncode == 0, done.stderr[-3000:]
    log = done.stderr
    assert re.search(r" - DEBUG - ingest_bronze - [0-9a-f-]{36} - \d+ - RUN_START - ", log)
    for step in STEPS:
        assert f" - {step} - STEP_START - Started execution of step \"{step}\"" in log
    assert "Materialized value silver_breweries." in log
    # The short account is still there.
    assert re.search(r"^  silver_breweries: 40 rows, .+ \(\d+\.\d s\)$", done.stdout, re.M)


def test_a_day_before_the_bronze_start_is_refused_with_the_way_out(tmp_path):
    done = run_cli(tmp_path, BREWERY_BRONZE_START_DATE="2026-11-23")
    assert done.returncode == 1
    assert ("brewery-lake: 2026-11-22 is not a bronze day: they run from 2026-11-23 to "
            f"{dt.datetime.now(dt.UTC).date()} (UTC); set BREWERY_BRONZE_START_DATE=YYYY-MM-DD to ingest earlier "
            "days") in done.stderr


@pytest.fixture
def local_day_ahead_of_utc(monkeypatch):
    """The local time zone 24 hours ahead of UTC: the local date is always the next UTC day."""
    monkeypatch.setenv("TZ", "AHEAD-24")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_default_date_is_todays_utc_date_whatever_the_local_time_zone(local_day_ahead_of_utc):
    before = dt.datetime.now(dt.UTC).date()
    assert dt.date.today() == before + dt.timedelta(days=1)  # the patched zone: a day ahead

    day = ingest_date_of(build_parser().parse_args(["run"]))

    assert day in (before, dt.datetime.now(dt.UTC).date())
    assert ingest_date_of(build_parser().parse_args(["run", "--date", "2026-11-22"])) == dt.date(2026, 11, 22)
