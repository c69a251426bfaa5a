"""Backfills as an operator launches them, on a real deployment (`dagster dev`: webserver and daemon).

1. A backfill of scattered locations plus gold (several runs) through GraphQL, while a full refresh is
   requested too: every run succeeds, waiting for the others at each table, and the lake is exact
   afterwards: every location keeps its rows, silver reconciles with bronze, gold sums to silver,
   the anonymized copy matches silver.
2. A silver-only backfill (as the UI's asset page launches it): the copy's locations follow.

Slow (a few minutes).
"""

import datetime as dt
import json
import subprocess
import sys

import dagster as dg
import pytest
from deltalake import DeltaTable

from brewery_assets.ingestion.bronze import latest_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.partitions import all_locations_tags, location_partitions
from brewery_assets_tests.orchestration.live import BACKFILL_STATUS, LAUNCH_BACKFILL, REPO_ROOT, DagsterDev, wait_until
from brewery_assets_tests.quality.lake_runs import as_pseudonyms

pytestmark = pytest.mark.slow

LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on Error { message }
  }
}
"""

@pytest.fixture(scope="module")
def deployment(tmp_path_factory, api):
    """`dagster dev` on a fresh instance and lake, with the repository's dagster.yaml."""
    root = tmp_path_factory.mktemp("backfills")
    lake = root / "lake"
    dev = DagsterDev(root / "home", log_path=root / "dagster-dev.log", env={
        "BREWERY_LAKE_ROOT": str(lake),
        "BREWERY_COMPUTE_LOGS_DIR": str(lake / "logs"),
        "OPENBREWERYDB_API_URL": api.url,
    })
    try:
        yield dev.start()
    finally:
        dev.stop()


def _cli(deployment: DagsterDev, *args: str) -> None:
    command = [sys.executable, "-m", "dagster", *args, "-m", "brewery_assets.definitions"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=deployment.env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _rows_by_location(path: str, identifier: str = "id") -> dict[tuple[str, str], list[str]]:
    frame = DeltaTable(path).to_pandas()
    return {key: sorted(group[identifier]) for key, group in frame.groupby(["country", "state"])}


def _run_status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def test_scattered_locations_and_a_full_refresh_at_once_leave_the_lake_exact(deployment):
    layout = LakeLayout(deployment.env["BREWERY_LAKE_ROOT"])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    _cli(deployment, "job", "execute", "-j", "ingest_bronze", "--tags", json.dumps({"dagster/partition": today}))
    with dg.DagsterInstance.from_config(str(deployment.home)) as instance:
        keys = instance.get_dynamic_partitions(location_partitions.name)
    _cli(deployment, "job", "execute", "-j", "refresh_silver_gold", "--tags", json.dumps(all_locations_tags(keys)))
    before = _rows_by_location(layout.silver_breweries)

    # Three locations far apart in the picker (three runs), plus gold, through the backfill script...
    chosen = [keys[1], keys[len(keys) // 2], keys[-2]]
    backfill = subprocess.Popen(
        [sys.executable, "scripts/backfill_locations.py", "--url", deployment.url, "--with-gold", "--wait",
         "--timeout", "600", *(arg for key in chosen for arg in ("--location", key))],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # ...and a full refresh requested at the same moment, as the refresh sensor does.
    launched = deployment.graphql(LAUNCH_RUN, {"params": {
        "selector": {"repositoryLocationName": "brewery_assets", "repositoryName": "__repository__",
                     "jobName": "refresh_silver_gold"},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in all_locations_tags(keys).items()]},
    }})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    refresh_id = launched["run"]["runId"]

    output, _ = backfill.communicate(timeout=700)
    assert backfill.returncode == 0, output + deployment.log_tail()
    assert "3 locations in 3 silver run(s)" in output and "COMPLETED_SUCCESS" in output.splitlines()[-1]
    with dg.DagsterInstance.from_config(str(deployment.home)) as instance:
        wait_until(lambda: _run_status(instance, refresh_id) in (dg.DagsterRunStatus.SUCCESS,
                                                                 dg.DagsterRunStatus.FAILURE), 600,
                   "the full refresh", poll=3)
        assert _run_status(instance, refresh_id) == dg.DagsterRunStatus.SUCCESS, deployment.log_tail()
        failed = [(r.dagster_run.run_id, r.dagster_run.job_name, r.dagster_run.status.value,
                   dict(r.dagster_run.tags)) for r in instance.get_run_records()
                  if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS]
        assert not failed, failed

    # Every location has exactly its rows, before and after (the same snapshot throughout).
    silver = _rows_by_location(layout.silver_breweries)
    assert silver == before
    # The whole table is the snapshot's records minus the rejected ones; gold sums to it; the copy matches.
    snapshot = latest_snapshot(layout)
    bronze_ids = {json.loads(line)["id"] for page in snapshot.manifest["pages"]
                  for line in snapshot.read_page(page["file"]).decode().splitlines()}
    rejected = set(DeltaTable(layout.silver_rejected).to_pandas()["id"].dropna())
    silver_ids = {i for ids in silver.values() for i in ids}
    assert silver_ids == bronze_ids - (rejected - silver_ids)
    gold = DeltaTable(layout.gold_brewery_counts).to_pandas()
    assert int(gold["brewery_count"].sum()) == len(silver_ids)
    assert _rows_by_location(layout.silver_anonymized, "brewery_key") == as_pseudonyms(silver)


def test_a_silver_only_backfill_is_followed_by_the_anonymized_copy(deployment):
    """The UI's asset page backfills silver alone; the copy's same location is rebuilt after it."""
    with dg.DagsterInstance.from_config(str(deployment.home)) as instance:
        key = instance.get_dynamic_partitions(location_partitions.name)[3]
        copy_before = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("silver_breweries_anonymized"), asset_partitions=[key]),
            limit=1).records[0].storage_id
    launched = deployment.graphql(LAUNCH_BACKFILL, {"params": {
        "partitionNames": [key], "assetSelection": [{"path": ["silver_breweries"]}]}})
    assert launched["launchPartitionBackfill"]["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["launchPartitionBackfill"]["backfillId"]

    def ended():
        status = deployment.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
        return status if status not in ("REQUESTED", "CANCELING", "FAILING") else None

    assert wait_until(ended, 300, f"backfill {backfill_id}", poll=3) == "COMPLETED_SUCCESS"

    def copy_rebuilt():
        with dg.DagsterInstance.from_config(str(deployment.home)) as instance:
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey("silver_breweries_anonymized"), asset_partitions=[key]),
                limit=1).records
        return records and records[0].storage_id > copy_before

    wait_until(copy_rebuilt, 300, f"the automation sensor to rebuild the copy of {key}", poll=5)
