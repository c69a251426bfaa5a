"""Times the whole pipeline, stage by stage, on generated catalogues of 12k, 500k and 2M breweries.

Each run is a fresh process (so engine start-up is included) that executes the real Dagster jobs
in process on a new lake:
- `12k`: end to end over HTTP: the replay server, bronze ingestion, silver, gold, and the day's
  history (its changes and daily counts), as `brewery-lake run` does.
- `500k`, `2m`: the bronze snapshot is written directly (pages of 10,000 records), then silver
  and gold run through Dagster as usual.

Stage times come from the runs' step events; `process` is the child's wall time from start to
exit, imports included. Figures go to benchmarks/results/pipeline.json and a table on stdout.

    python benchmarks/pipeline_benchmark.py [--sizes 12k,500k,2m] [--repeat 3]
"""

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"12k": 12_000, "500k": 500_000, "2m": 2_000_000}
DIRECT_PAGE_SIZE = 10_000
DAY = dt.date(2026, 11, 22)
RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"


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


def child(size_name: str, output: str) -> None:
    """One measured run in this process; writes its figures to `output`."""
    started = time.perf_counter()
    # The benchmark ingests a fixed day into a temporary lake: bronze's days must include it.
    os.environ.setdefault("BREWERY_BRONZE_START_DATE", DAY.isoformat())
    import dagster as dg

    from brewery_assets.definitions import build_definitions
    from brewery_assets.ingestion.bronze import write_snapshot
    from brewery_assets.lake import LakeLayout
    from brewery_assets.locations import location_key, locations_of
    from brewery_assets.partitions import location_partitions
    from brewery_assets.pipeline import run_daily_refresh
    from brewery_assets.replay import ReplayServer, generate_breweries, iter_breweries
    from brewery_assets.resources.lake import LakeResource
    from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
    from brewery_assets.resources.spark import SparkConnectResource

    count = SIZES[size_name]
    figures: dict = {"size": size_name, "rows": count}
    with tempfile.TemporaryDirectory(prefix="brewery-bench-") as tmp:
        layout = LakeLayout(str(Path(tmp) / "lake"))
        instance = dg.DagsterInstance.ephemeral()
        resources = {"lake": LakeResource(root=layout.root), "spark": SparkConnectResource()}
        if size_name == "12k":
            records = generate_breweries(count)
            with ReplayServer(records) as server:
                defs = build_definitions({**resources, "openbrewerydb": OpenBreweryDBResource(base_url=server.url)})
                clock = time.perf_counter()
                runs = run_daily_refresh(defs, instance, DAY)
                figures["pipeline_seconds"] = round(time.perf_counter() - clock, 3)
            figures["stages"] = {step: seconds for run in runs for step, seconds in _step_seconds(
                instance, run.run_id).items()}
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
            )
            assert refresh_run.success
            figures["pipeline_seconds"] = round(time.perf_counter() - clock, 3)
            figures["stages"] = _step_seconds(instance, refresh_run.run_id)
        silver_files = sum(1 for _ in Path(layout.silver_breweries).rglob("*.parquet"))
        figures["silver_files"] = silver_files
    figures["process_seconds"] = round(time.perf_counter() - started, 3)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(output).write_text(json.dumps(figures))


def measure(size_name: str, repeat: int) -> dict:
    """Runs `repeat` fresh processes for one size; returns the runs and their medians."""
    runs = []
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run([sys.executable, __file__, "--child", size_name, out.name], check=True,
                           env={**os.environ, "RUST_LOG": "error"})
            runs.append(json.loads(Path(out.name).read_text()))
    stages = sorted({stage for run in runs for stage in run["stages"]})
    median = {
        "pipeline_seconds": statistics.median(r["pipeline_seconds"] for r in runs),
        "process_seconds": statistics.median(r["process_seconds"] for r in runs),
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "stages": {s: statistics.median(r["stages"][s] for r in runs) for s in stages},
    }
    silver_gold = median["stages"].get("silver_breweries", 0) + median["stages"].get("gold_brewery_counts", 0)
    median["silver_plus_gold_seconds"] = round(silver_gold, 3)
    median["rows_per_second"] = round(runs[0]["rows"] / median["pipeline_seconds"])
    return {"size": size_name, "rows": runs[0]["rows"], "runs": runs, "median": median}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="12k,500k,2m")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    results = [measure(size, args.repeat) for size in args.sizes.split(",")]
    report = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(f"{'size':>6} {'rows':>10} {'bronze s':>9} {'silver s':>9} {'gold s':>7} {'pipeline s':>11} "
          f"{'process s':>10} {'rows/s':>10} {'peak RSS MB':>12}")
    for result in results:
        m = result["median"]
        bronze = m["stages"].get("bronze_breweries", result["runs"][0].get("bronze_direct_write_seconds", 0))
        print(f"{result['size']:>6} {result['rows']:>10,} {bronze:>9.2f} {m['stages']['silver_breweries']:>9.2f} "
              f"{m['stages']['gold_brewery_counts']:>7.2f} {m['pipeline_seconds']:>11.2f} "
              f"{m['process_seconds']:>10.2f} {m['rows_per_second']:>10,} {m['peak_rss_mb']:>12,.0f}")
    print(f"medians of {args.repeat} fresh processes; written to {args.output}")


if __name__ == "__main__":
    main()
