"""Times the whole pipeline, stage by stage, on generated catalogues of 12k, 500k and 2M breweries,
against a floor measured in the same run.

Each run is a fresh process (so engine start-up is included) that executes the real Dagster jobs
in process on a new lake and a new Dagster instance configured by the repository's dagster.yaml
(SQLite, as `make run` uses it):
- `12k`: end to end over HTTP: the replay server, bronze ingestion, silver, its anonymized copy, gold,
  and the day's history (its changes and daily counts), as `brewery-lake run` does.
- `500k`, `2m`: the bronze snapshot is written directly (pages of 10,000 records), then silver, the
  copy and gold run through Dagster as usual.

`--instance` chooses the Dagster instance's storage: `local` (the default) is SQLite as `make run`
has it; `pgbouncer` and `postgres` are the production storage of deploy/dagster.yaml on a Postgres
started for each process from Debian's packages (`brewery_assets.local_postgres`), reached through
PgBouncer as in deploy/docker (`pgbouncer`) or directly (`postgres`).

The floor (benchmarks/floor.py) does the same cleaning, partitioned Delta write and gold in polars +
deltalake, in a fresh process, on the same snapshot. Stage times come from the runs' step events;
`process` is a child's wall time from start to exit, imports included; `events` and
`event_write_seconds` count and time every event written to the instance. Figures go to
benchmarks/results/pipeline.json (pipeline_<instance>.json for the Postgres storages) and a table on
stdout.

    python benchmarks/pipeline_benchmark.py [--sizes 12k,500k,2m] [--repeat 3] [--instance local]
"""

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import yaml

SIZES = {"12k": 12_000, "500k": 500_000, "2m": 2_000_000}
DIRECT_PAGE_SIZE = 10_000
DAY = dt.date(2026, 11, 22)
RESULTS = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ("local", "pgbouncer", "postgres")
PGBOUNCER_SCRIPT = REPO_ROOT / "deploy" / "docker" / "pgbouncer" / "start-pgbouncer.sh"


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds from each step's start to its success, from the run's event log."""
    starts, seconds = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value == "STEP_SUCCESS":
            seconds[event.step_key] = round(entry.timestamp - starts[event.step_key], 3)
    return seconds


def _gold_published(instance, run_id: str) -> float:
    """When the run's gold step succeeded (Unix time)."""
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.step_key == "gold_brewery_counts" and event.event_type_value == "STEP_SUCCESS":
            return entry.timestamp
    raise RuntimeError(f"run {run_id} did not publish gold")


def _pages(records, size: int):
    """(page number, records, None) triples of `size` records, as `write_snapshot` takes them."""
    page, number = [], 0
    for record in records:
        page.append(record)
        if len(page) == size:
            number += 1
            yield number, page, None
            page = []
    if page:
        yield number + 1, page, None


def _timed_events(instance) -> dict:
    """Counts and times every event the instance's storage writes from now on."""
    spent = {"events": 0, "seconds": 0.0}
    store = instance.event_log_storage
    write = store.store_event

    def timed(event):
        clock = time.perf_counter()
        try:
            return write(event)
        finally:
            spent["seconds"] += time.perf_counter() - clock
            spent["events"] += 1

    store.store_event = timed
    return spent


def _instance_config(instance_kind: str) -> str:
    """The instance's dagster.yaml: the repository's, with deploy/dagster.yaml's Postgres storage
    (read from the DAGSTER_POSTGRES_* variables) unless `instance_kind` is `local`."""
    config = (REPO_ROOT / "dagster.yaml").read_text()
    if instance_kind == "local":
        return config
    production = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())
    return config + "\n" + yaml.safe_dump({"storage": production["storage"]})


def child(size_name: str, output: str, instance_kind: str = "local") -> None:
    """One measured run in this process; writes its figures to `output`."""
    started = time.perf_counter()
    # The benchmark ingests a fixed day into a temporary lake: bronze's days must include it.
    os.environ.setdefault("BREWERY_BRONZE_START_DATE", DAY.isoformat())
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "1")
    import dagster as dg
    from deltalake import DeltaTable

    from brewery_assets.definitions import build_definitions
    from brewery_assets.ingestion.bronze import latest_snapshot, write_snapshot
    from brewery_assets.lake import LakeLayout
    from brewery_assets.locations import location_key, locations_of
    from brewery_assets.partitions import location_partitions
    from brewery_assets.pipeline import console_log_config, run_daily_refresh
    from brewery_assets.replay import ReplayServer, generate_breweries, iter_breweries
    from brewery_assets.resources.lake import LakeResource
    from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
    from brewery_assets.resources.spark import SparkConnectResource

    count = SIZES[size_name]
    figures: dict = {"size": size_name, "rows": count, "instance": instance_kind}
    with tempfile.TemporaryDirectory(prefix="brewery-bench-") as tmp:
        layout = LakeLayout(str(Path(tmp) / "lake"))
        home = Path(tmp) / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text(_instance_config(instance_kind))
        os.environ["BREWERY_COMPUTE_LOGS_DIR"] = str(Path(tmp) / "logs")
        instance = dg.DagsterInstance.from_config(str(home))
        events = _timed_events(instance)
        resources = {"lake": LakeResource(root=layout.root), "spark": SparkConnectResource()}
        if size_name == "12k":
            records = generate_breweries(count)
            with ReplayServer(records) as server:
                defs = build_definitions({**resources, "openbrewerydb": OpenBreweryDBResource(base_url=server.url)})
                clock = time.perf_counter()
                bronze_run, refresh_run, history_run = run_daily_refresh(defs, instance, DAY,
                                                                         console_level="WARNING")
                figures["pipeline_seconds"] = round(time.perf_counter() - clock, 3)
            figures["stages"] = {**_step_seconds(instance, bronze_run.run_id),
                                 **_step_seconds(instance, refresh_run.run_id),
                                 **_step_seconds(instance, history_run.run_id)}
            figures["run_start_to_gold_seconds"] = round(
                _gold_published(instance, refresh_run.run_id) - instance.get_run_record_by_id(
                    bronze_run.run_id).start_time, 3)
        else:
            clock = time.perf_counter()
            pages = _pages(iter_breweries(count), DIRECT_PAGE_SIZE)
            manifest = write_snapshot(layout, DAY, pages, {"kind": "generated", "rows": count})
            figures["bronze_direct_write_seconds"] = round(time.perf_counter() - clock, 3)
            keys = [location_key(c, s) for c, s in locations_of(manifest["locations"])]
            instance.add_dynamic_partitions(location_partitions.name, keys)
            defs = build_definitions({**resources, "openbrewerydb": OpenBreweryDBResource()})
            clock = time.perf_counter()
            refresh_run = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
                instance=instance,
                tags={"dagster/asset_partition_range_start": keys[0],
                      "dagster/asset_partition_range_end": keys[-1]},
                run_config=console_log_config("WARNING"),
            )
            assert refresh_run.success
            figures["pipeline_seconds"] = round(time.perf_counter() - clock, 3)
            figures["stages"] = _step_seconds(instance, refresh_run.run_id)
        figures["events"] = events["events"]
        figures["event_write_seconds"] = round(events["seconds"], 3)
        figures["silver_files"] = len(DeltaTable(layout.silver_breweries).file_uris())
        snapshot = latest_snapshot(layout)
        # The floor's input: the same snapshot, kept for it outside this temporary lake.
        kept = Path(output).with_suffix(".snapshot")
        shutil.copytree(snapshot.path, kept, dirs_exist_ok=True)
        instance.dispose()
    figures["process_seconds"] = round(time.perf_counter() - started, 3)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(output).write_text(json.dumps(figures))


def _floor(snapshot: Path) -> dict:
    """One fresh process of the floor (benchmarks/floor.py) on `snapshot`: its figures, wall time and RSS."""
    with tempfile.TemporaryDirectory(prefix="brewery-floor-") as out:
        clock = time.perf_counter()
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("floor.py")), str(snapshot), out],
                              check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - clock
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = round(seconds, 3)
    figures["work_seconds"] = round(sum(figures["stages"].values()), 3)
    return figures


def _storage(instance_kind: str):
    """A fresh Postgres (behind PgBouncer) for one process, or nothing for the local instance."""
    if instance_kind == "local":
        return nullcontext()
    from brewery_assets.local_postgres import local_postgres

    return local_postgres(PGBOUNCER_SCRIPT)


def measure(size_name: str, repeat: int, instance_kind: str = "local") -> dict:
    """Runs `repeat` fresh processes of the pipeline and of the floor for one size; returns the runs,
    their medians and the ratios."""
    runs, floors = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="brewery-bench-out-") as out_dir, _storage(instance_kind) as server:
            out = Path(out_dir) / "figures.json"
            storage_env = server.dagster_environment(pooled=instance_kind == "pgbouncer") if server else {}
            subprocess.run([sys.executable, __file__, "--child", size_name, str(out), instance_kind], check=True,
                           env={**os.environ, "RUST_LOG": "error", **storage_env})
            runs.append(json.loads(out.read_text()))
            floors.append(_floor(out.with_suffix(".snapshot")))
    stages = sorted({stage for run in runs for stage in run["stages"]})
    median = {
        "pipeline_seconds": statistics.median(r["pipeline_seconds"] for r in runs),
        "process_seconds": statistics.median(r["process_seconds"] for r in runs),
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "stages": {s: statistics.median(r["stages"][s] for r in runs) for s in stages},
    }
    for name in ("events", "event_write_seconds", "run_start_to_gold_seconds"):
        if name in runs[0]:
            median[name] = statistics.median(r[name] for r in runs)
    silver_gold = median["stages"].get("silver_breweries", 0) + median["stages"].get("gold_brewery_counts", 0)
    median["silver_plus_gold_seconds"] = round(silver_gold, 3)
    median["rows_per_second"] = round(runs[0]["rows"] / median["pipeline_seconds"])
    floor = {
        "process_seconds": statistics.median(f["process_seconds"] for f in floors),
        "work_seconds": statistics.median(f["work_seconds"] for f in floors),
        "peak_rss_mb": statistics.median(f["peak_rss_mb"] for f in floors),
    }
    # At 500k and 2M the child writes the bronze snapshot itself (test setup the floor does not do).
    setup = statistics.median(r.get("bronze_direct_write_seconds", 0) for r in runs)
    median["process_without_bronze_write_seconds"] = round(median["process_seconds"] - setup, 3)
    ratios = {
        "process_over_floor_process": round(median["process_seconds"] / floor["process_seconds"], 2),
        "process_without_bronze_write_over_floor_process": round(
            median["process_without_bronze_write_seconds"] / floor["process_seconds"], 2),
        "silver_plus_gold_over_floor_work": round(silver_gold / floor["work_seconds"], 2),
    }
    return {"size": size_name, "rows": runs[0]["rows"], "runs": runs, "median": median,
            "floor_runs": floors, "floor_median": floor, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="12k,500k,2m")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instance", choices=INSTANCES, default="local",
                        help="the Dagster instance's storage: local SQLite, or Postgres through PgBouncer or directly")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    default_name = "pipeline.json" if args.instance == "local" else f"pipeline_{args.instance}.json"
    output = args.output or RESULTS / default_name
    results = [measure(size, args.repeat, args.instance) for size in args.sizes.split(",")]
    report = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "instance": args.instance,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "results": results,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    print(f"{'size':>6} {'bronze s':>9} {'silver s':>9} {'copy s':>7} {'gold s':>7} {'events':>7} {'events s':>9} "
          f"{'pipeline s':>11} {'process s':>10} {'floor s':>8} {'x floor':>8} {'RSS MB':>7}")
    for result in results:
        m, floor = result["median"], result["floor_median"]
        bronze = m["stages"].get("bronze_breweries", result["runs"][0].get("bronze_direct_write_seconds", 0))
        print(f"{result['size']:>6} {bronze:>9.2f} {m['stages']['silver_breweries']:>9.2f} "
              f"{m['stages']['silver_breweries_anonymized']:>7.2f} {m['stages']['gold_brewery_counts']:>7.2f} "
              f"{m['events']:>7.0f} {m['event_write_seconds']:>9.2f} {m['pipeline_seconds']:>11.2f} "
              f"{m['process_seconds']:>10.2f} {floor['process_seconds']:>8.2f} "
              f"{result['ratios']['process_over_floor_process']:>8.2f} {m['peak_rss_mb']:>7,.0f}")
    print(f"medians of {args.repeat} fresh processes each, {args.instance} instance; written to {output}")


if __name__ == "__main__":
    main()
