"""Where bronze's days start: the variable, the local lake's first snapshot, or today; never a moving start
in production."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brewery_assets.ingestion.bronze import write_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.partitions import FIXED_START_DATE, START_DATE_ENV, bronze_start_date

REPO_ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 2)


def publish(layout: LakeLayout, day: dt.date) -> None:
    write_snapshot(layout, day, [(1, [{"id": f"b-{day}", "name": "x", "country": "Ireland", "state": "Dublin"}],
                                  None)], {"kind": "test"})


def test_a_new_local_lake_starts_today(layout):
    assert bronze_start_date({"BREWERY_LAKE_ROOT": layout.root}, today=TODAY) == TODAY


def test_a_local_lake_starts_on_its_first_published_snapshot(layout):
    publish(layout, dt.date(2026, 11, 25))
    publish(layout, dt.date(2026, 11, 20))
    # An ingestion that never published (no `_current`) is not a day of the lake.
    (Path(layout.bronze_day_dir(dt.date(2026, 11, 1))) / "version=20261101T000000Z-abc").mkdir(parents=True)

    assert bronze_start_date({"BREWERY_LAKE_ROOT": layout.root}, today=TODAY) == dt.date(2026, 11, 20)


def test_the_variable_sets_the_start_and_a_bad_value_is_named(layout):
    publish(layout, dt.date(2026, 11, 20))
    env = {"BREWERY_LAKE_ROOT": layout.root, START_DATE_ENV: "2026-06-01"}
    assert bronze_start_date(env, today=TODAY) == dt.date(2026, 6, 1)

    with pytest.raises(ValueError, match="BREWERY_BRONZE_START_DATE='June': expected a date as YYYY-MM-DD"):
        bronze_start_date({**env, START_DATE_ENV: "June"}, today=TODAY)


@pytest.mark.parametrize("env", [
    {"DAGSTER_DEPLOYMENT": "prod"},
    {"BREWERY_LAKE_ROOT": "s3://lake-bucket/brewery"},
])
def test_production_and_s3_lakes_start_on_the_fixed_day(env):
    assert bronze_start_date(env, today=TODAY) == FIXED_START_DATE


def bronze_days_of_the_code_location(lake_root: Path, **env: str) -> list[str]:
    """The bronze partition keys the code location shows, loaded in a fresh process as `dagster dev` would."""
    full_env = {**os.environ, "BREWERY_LAKE_ROOT": str(lake_root), **env}
    full_env.pop(START_DATE_ENV, None)
    code = ("import json; from brewery_assets.definitions import defs; "
            "print(json.dumps(defs.get_assets_def('bronze_breweries').partitions_def.get_partition_keys()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=full_env, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_ui_of_a_new_lake_lists_today_only_then_the_lakes_days(layout):
    before = dt.datetime.now(dt.UTC).date()
    keys = bronze_days_of_the_code_location(Path(layout.root))
    after = dt.datetime.now(dt.UTC).date()
    assert keys in ([before.isoformat()], [after.isoformat()])

    first = after - dt.timedelta(days=3)
    publish(layout, first)
    keys = bronze_days_of_the_code_location(Path(layout.root))
    assert keys[0] == first.isoformat() and len(keys) in (4, 5)
