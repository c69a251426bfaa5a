"""The orchestration on a real deployment: `dagster dev` with its daemon, over HTTP, in order.

1. The schedule (cron every minute, RUNNING, set through the environment as an operator would)
   ingests today's bronze; the sensor follows with one refresh run over every location.
2. A backfill of chosen locations launched through GraphQL by `scripts/backfill_locations.py` is
   executed by the backfill daemon: one run materializes all of them, then gold. A backfill of
   bronze days is one run per day and does not trigger the refresh.
3. The command line rebuilds a range of locations in one run (`dagster job execute` with range tags,
   `dagster asset materialize --partition-range`).
4. Headless Chromium shows the asset graph with its groups; the screenshot is kept in test-artifacts/.

Slow (a few minutes): it waits for real cron ticks, sensor ticks and the backfill daemon.
"""

import contextlib
import datetime as dt
import json
import subprocess
import sys
import time

import dagster as dg
import pytest
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from brewery_assets.ingestion.bronze import latest_snapshot
from brewery_assets.lake import LakeLayout
from brewery_assets.locations import location_key
from brewery_assets.partitions import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    location_partitions,
    partition_range_tags,
)
from brewery_assets.sensors import AFTER_RUN_TAG
from brewery_assets_tests.orchestration.browser import Chromium, chromium_path
from brewery_assets_tests.orchestration.live import BACKFILL_STATUS, LAUNCH_BACKFILL, REPO_ROOT, DagsterDev, wait_until

pytestmark = pytest.mark.slow

# Git-ignored; CI keeps what the tests leave there.
ARTIFACTS = REPO_ROOT / "test-artifacts"

RUNS_QUERY = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId jobName status tags { key value } } }
  }
}
"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, api):
    """`dagster dev` on a fresh instance and lake, with the daily schedule ticking every minute."""
    root = tmp_path_factory.mktemp("deployment")
    lake = root / "lake"
    dev = DagsterDev(root / "home", log_path=root / "dagster-dev.log", env={
        "BREWERY_LAKE_ROOT": str(lake),
        "BREWERY_COMPUTE_LOGS_DIR": str(lake / "logs"),
        "OPENBREWERYDB_API_URL": api.url,
        "BREWERY_SCHEDULE_CRON": "* * * * *",
        "BREWERY_SCHEDULE_STATUS": "RUNNING",
    })
    try:
        yield dev.start()
    finally:
        dev.stop()


@pytest.fixture(scope="module")
def layout(deployment) -> LakeLayout:
    """The deployment's lake."""
    return LakeLayout(deployment.env["BREWERY_LAKE_ROOT"])


def runs(deployment: DagsterDev, **run_filter) -> list[dict]:
    """Runs matching a GraphQL RunsFilter, newest first, with their tags as a dict."""
    results = deployment.graphql(RUNS_QUERY, {"filter": run_filter})["runsOrError"]["results"]
    return [dict(run, tags={t["key"]: t["value"] for t in run["tags"]}) for run in results]


def instance_of(deployment: DagsterDev) -> dg.DagsterInstance:
    """The deployment's instance, opened from its DAGSTER_HOME."""
    return dg.DagsterInstance.from_config(str(deployment.home))


def materialized_partitions(instance: dg.DagsterInstance, run_id: str, asset: str) -> list[str]:
    """The partitions of `asset` that run `run_id` materialized."""
    return sorted(
        entry.asset_materialization.partition
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        if entry.asset_materialization.asset_key == dg.AssetKey(asset)
    )


def test_the_schedule_ingests_today_and_the_sensor_refreshes_silver_and_gold(deployment, layout, catalogue):
    def finished_refresh():
        found = [r for r in runs(deployment, pipelineName="refresh_silver_gold") if AFTER_RUN_TAG in r["tags"]]
        failed = [r for r in runs(deployment) if r["status"] == "FAILURE"]
        assert not failed, f"failed runs: {failed}\n{deployment.log_tail()}"
        return found if found and found[0]["status"] == "SUCCESS" else None

    [refresh] = wait_until(finished_refresh, 360, "the scheduled ingestion and the sensor's refresh", poll=3)

    [bronze] = runs(deployment, pipelineName="ingest_bronze")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert bronze["status"] == "SUCCESS"
    assert bronze["tags"]["dagster/schedule_name"] == "daily_ingest"
    assert bronze["tags"]["dagster/partition"] == today
    assert refresh["tags"][AFTER_RUN_TAG] == bronze["runId"]
    assert refresh["tags"]["dagster/sensor_name"] == "refresh_after_bronze"

    with instance_of(deployment) as instance:
        keys = instance.get_dynamic_partitions(location_partitions.name)
        assert len(keys) == 82
        assert (refresh["tags"][PARTITION_RANGE_START_TAG], refresh["tags"][PARTITION_RANGE_END_TAG]) == (
            keys[0], keys[-1])
        assert materialized_partitions(instance, refresh["runId"], "silver_breweries") == sorted(keys)
        assert materialized_partitions(instance, refresh["runId"], "gold_brewery_counts") == [None]
    silver = DeltaTable(layout.silver_breweries).to_pandas()
    assert set(silver["ingest_date"].astype(str)) == {today}
    assert DeltaTable(layout.gold_brewery_counts).to_pandas()["brewery_count"].sum() == len(silver)


def test_a_graphql_backfill_of_chosen_locations_is_one_run(deployment, layout):
    with instance_of(deployment) as instance:
        keys = instance.get_dynamic_partitions(location_partitions.name)
    start = keys.index(location_key("Germany", "Baden-Württemberg"))
    chosen = keys[start:start + 4]  # neighbours in the partition picker: one range, so one run
    silver_version = DeltaTable(layout.silver_breweries).version()

    command = [sys.executable, "scripts/backfill_locations.py", "--url", deployment.url, "--with-gold",
               "--wait", "--timeout", "420", "--location", chosen[0], "--location", chosen[1],
               "--country", "Germany", "--state", "Berlin", "--location", chosen[3]]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stdout + done.stderr + deployment.log_tail()
    assert chosen[2] == location_key("Germany", "Berlin")
    assert "4 locations in 1 silver run(s), with their anonymized copy then gold" in done.stdout
    assert "COMPLETED_SUCCESS" in done.stdout.splitlines()[-1]
    # The runs in the order they were launched: the silver range (with its copy), then gold.
    run_lines = [line for line in done.stdout.splitlines() if line.startswith("  run ")]
    assert len(run_lines) == 2, done.stdout
    assert run_lines[0].endswith(f"SUCCESS: {chosen[0]} ... {chosen[3]}"), done.stdout
    assert run_lines[1].endswith("SUCCESS: gold_brewery_counts"), done.stdout
    backfill_id = done.stdout.split()[1].rstrip(":")

    backfill_runs = runs(deployment, tags=[{"key": "dagster/backfill", "value": backfill_id}])
    assert all(run["status"] == "SUCCESS" for run in backfill_runs)
    with instance_of(deployment) as instance:
        by_asset = {
            asset: [(run["runId"], materialized_partitions(instance, run["runId"], asset)) for run in backfill_runs]
            for asset in ("silver_breweries", "gold_brewery_counts")
        }
    silver_runs = [(run_id, parts) for run_id, parts in by_asset["silver_breweries"] if parts]
    assert len(silver_runs) == 1 and silver_runs[0][1] == sorted(chosen)
    assert [parts for _, parts in by_asset["gold_brewery_counts"] if parts] == [[None]]
    # One scoped commit on silver, one overwrite of gold.
    assert DeltaTable(layout.silver_breweries).version() == silver_version + 1


SENSOR_TICKS = """
query Ticks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    ... on Sensor { sensorState { ticks(limit: 5) { status timestamp } } }
  }
}
"""


def test_a_bronze_day_backfill_adds_history_and_leaves_silver_alone(deployment, layout):
    """Two past days through GraphQL: one run per day; the refresh sensor skips backfill runs."""
    today = dt.datetime.now(dt.UTC).date()
    days = [(today - dt.timedelta(days=n)).isoformat() for n in (2, 1)]
    silver_version = DeltaTable(layout.silver_breweries).version()
    launched = deployment.graphql(LAUNCH_BACKFILL, {"params": {
        "partitionNames": days, "assetSelection": [{"path": ["bronze_breweries"]}], "title": "bronze days"}})
    assert launched["launchPartitionBackfill"]["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["launchPartitionBackfill"]["backfillId"]

    def status() -> str | None:
        value = deployment.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
        return value if value not in ("REQUESTED", "CANCELING", "FAILING") else None

    assert wait_until(status, 420, f"backfill {backfill_id}", poll=3) == "COMPLETED_SUCCESS"
    backfill_runs = runs(deployment, tags=[{"key": "dagster/backfill", "value": backfill_id}])
    assert sorted(run["tags"]["dagster/partition"] for run in backfill_runs) == days  # a run per day
    for day in map(dt.date.fromisoformat, days):
        assert latest_snapshot(layout, on_or_before=day).ingest_date == day  # published, complete

    # A sensor tick that started after the backfill ended has seen its runs, and requested nothing
    # for them: silver still reads today's snapshot, and is untouched.
    ended = time.time()
    selector = {"repositoryLocationName": "brewery_assets", "repositoryName": "__repository__",
                "sensorName": "refresh_after_bronze"}

    def tick_after_backfill() -> bool:
        state = deployment.graphql(SENSOR_TICKS, {"selector": selector})["sensorOrError"]["sensorState"]
        return any(tick["timestamp"] > ended and tick["status"] in ("SKIPPED", "SUCCESS") for tick in state["ticks"])

    wait_until(tick_after_backfill, 120, "a sensor tick after the backfill", poll=3)
    assert latest_snapshot(layout).ingest_date == today
    assert DeltaTable(layout.silver_breweries).version() == silver_version
    assert not [r for r in runs(deployment, pipelineName="refresh_silver_gold")
                if r["tags"].get(AFTER_RUN_TAG) in {run["runId"] for run in backfill_runs}]

    # The history follows bronze by itself (the history_follows_bronze automation sensor): the
    # backfilled days join today's, and their daily counts are computed.
    def history_days() -> list[str] | None:
        try:
            counts = DeltaTable(layout.gold_brewery_counts_daily).to_pandas()
        except TableNotFoundError:
            return None
        held = sorted({str(day) for day in counts["snapshot_date"]})
        return held if set(days) <= set(held) else None

    assert wait_until(history_days, 300, "the backfilled days in the history", poll=3) == [*days, today.isoformat()]
    assert not [r for r in runs(deployment) if r["status"] == "FAILURE"]


def run_cli(deployment: DagsterDev, *args: str) -> None:
    """Runs the `dagster` command line against the deployment's instance and lake; asserts success."""
    command = [sys.executable, "-m", "dagster", *args, "-m", "brewery_assets.definitions"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=deployment.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize("form", ["job execute", "asset materialize"])
def test_the_cli_rebuilds_a_range_of_locations_in_one_run(deployment, form):
    with instance_of(deployment) as instance:
        keys = instance.get_dynamic_partitions(location_partitions.name)
    chosen = keys[-3:] if form == "job execute" else keys[:2]
    if form == "job execute":  # silver and gold in one run
        run_cli(deployment, "job", "execute", "-j", "refresh_silver_gold",
                "--tags", json.dumps(partition_range_tags(chosen[0], chosen[-1])))
    else:  # silver only
        run_cli(deployment, "asset", "materialize", "--select", "silver_breweries",
                "--partition-range", f"{chosen[0]}...{chosen[-1]}")

    [run] = [r for r in runs(deployment) if r["tags"].get(PARTITION_RANGE_START_TAG) == chosen[0]
             and r["tags"].get(PARTITION_RANGE_END_TAG) == chosen[-1] and "dagster/backfill" not in r["tags"]]
    assert run["status"] == "SUCCESS"
    with instance_of(deployment) as instance:
        assert materialized_partitions(instance, run["runId"], "silver_breweries") == sorted(chosen)
        gold = materialized_partitions(instance, run["runId"], "gold_brewery_counts")
    assert gold == ([None] if form == "job execute" else [])


# The JavaScript that maps each asset node of the lineage graph to the group box drawn around it.
# A node's text has its name on a line of its own (a badge such as "Unsynced" may come first).
ASSET_GROUPS_JS = """((names) => {
  const groups = [...document.querySelectorAll('foreignObject.group')]
    .map(g => [g.textContent.trim(), g.getBoundingClientRect()]);
  const found = {};
  for (const node of document.querySelectorAll('foreignObject:not(.group)')) {
    const r = node.getBoundingClientRect();
    const html = node.firstElementChild;  // SVG elements have no innerText; the HTML inside has
    const lines = ((html && html.innerText) || '').split('\\n').map(line => line.trim());
    const x = r.left + r.width / 2, y = r.top + r.height / 2;  // the node's centre lies in the box
    for (const [group, g] of groups) {
      if (r.width > 0 && x >= g.left && x <= g.right && y >= g.top && y <= g.bottom) {
        for (const name of names) { if (lines.includes(name)) found[name] = group; }
      }
    }
  }
  return found;
})(%s)"""

EXPANDED_GROUPS_JS = "document.querySelectorAll('[class*=ExpandedGroupNode_groupNodeHeaderBox]').length"

CLICK_SKIP_JS = """(() => {
  const skip = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Skip');
  if (skip) { skip.click(); return true; }
  return false;
})()"""


def test_the_asset_graph_in_a_real_browser(deployment, tmp_path):
    """Headless Chromium opens the global lineage and finds each asset inside its group; saves a screenshot."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium chromium-driver; .ci/run does it)")
    expected = {"bronze_breweries": "bronze", "silver_breweries": "silver", "gold_brewery_counts": "gold"}
    with Chromium(executable, tmp_path / "chromium-profile") as browser:
        browser.navigate(f"{deployment.url}/asset-groups")
        wait_until(lambda: "Global asset lineage" in (browser.evaluate("document.body.innerText") or ""),
                   90, "the lineage page")
        # A first visit shows a newsletter dialog over the graph; an operator clicks Skip.
        with contextlib.suppress(AssertionError):
            wait_until(lambda: browser.evaluate(CLICK_SKIP_JS), 15, "the welcome dialog", poll=0.5)

        pressed = [0.0]
        find_groups = ASSET_GROUPS_JS % json.dumps(sorted(expected))

        def groups_shown() -> dict | None:
            shown = browser.evaluate(find_groups) or {}
            if all(shown.get(asset) == group for asset, group in expected.items()):
                return shown
            # Groups start collapsed; "Expand all groups" is Alt+E. It toggles, so it is pressed only
            # while no group is drawn expanded, and not again before the last press had time to act.
            if not browser.evaluate(EXPANDED_GROUPS_JS) and time.monotonic() - pressed[0] > 5:
                browser.press("e", "KeyE", modifiers=1)
                pressed[0] = time.monotonic()
            return None

        try:
            try:
                shown = wait_until(groups_shown, 90, "the three assets inside their groups", poll=1)
            except AssertionError as exc:
                raise AssertionError(f"{exc}; the page showed {browser.evaluate(find_groups)}") from None
            # The nodes fill in their materialization status a moment later.
            wait_until(lambda: "Loading" not in browser.evaluate("document.body.innerText"), 60,
                       "the assets' status in the graph")
            time.sleep(1)  # let the edges finish drawing
        finally:
            png = browser.screenshot(ARTIFACTS / "asset-graph.png")
    assert {asset: shown[asset] for asset in expected} == expected
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
