"""Times the daily history update: a generated catalogue on day 1, the same with 1 % changed on day 2.

Each run is a fresh process on a new lake. Both bronze snapshots are written directly (pages of
10,000 records); then `update_history` runs through Dagster for day 1 (the first load) and for
day 2 (the measured update: the history, its changes and daily counts), then day 2 again (a
re-run, which publishes nothing). Of the changed breweries a third are renamed with a new phone,
a third removed and a third added.

Stage times come from the runs' step events. The figures also say how much of the history the
day's commit replaced: a day rewrites the current versions and adds the ones it closed, never the
versions closed before it. Figures go to benchmarks/results/history.json and a table on stdout.

    python benchmarks/history_benchmark.py [--sizes 12k,500k] [--changed 0.01] [--repeat 3]
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

# The pipeline benchmark's helpers (this folder is on the path when a benchmark runs as a script).
from pipeline_benchmark import _pages as pages_of  # noqa: E402
from pipeline_benchmark import _step_seconds  # noqa: E402

SIZES = {"12k": 12_000, "100k": 100_000, "500k": 500_000}
PAGE_SIZE = 10_000
DAYS = (dt.date(2026, 11, 21), dt.date(2026, 11, 22))
RESULTS = Path(__file__).resolve().parent / "results" / "history.json"
STEPS = ("silver_brewery_history", "gold_brewery_changes", "gold_brewery_counts_daily")


def changes_of(count: int, changed: float) -> tuple[set[int], set[int], int]:
    """Which rows of a catalogue of `count` are renamed and removed a day later, and how many are added:
    `changed` of it, a third each, spread evenly."""
    third = max(1, round(count * changed / 3))
    step = count // (2 * third)
    return set(range(0, 2 * third * step, 2 * step)), set(range(step, 2 * third * step, 2 * step)), third


def next_day(count: int, changed: float):
    """The generated catalogue of `count` a day later: renamed with a new phone, removed or added, a third each."""
    from brewery_assets.replay import generate_breweries, iter_breweries

    renamed, removed, added = changes_of(count, changed)
    for index, record in enumerate(iter_breweries(count)):
        if index in renamed:
            yield dict(record, name=f"{record['name']} II", phone="5550000000")
        elif index not in removed:
            yield record
    yield from generate_breweries(added, seed=20261122)


def _files(path: str, version: int) -> dict[str, int]:
    import pyarrow as pa
    from deltalake import DeltaTable

    actions = pa.table(DeltaTable(path, version=version).get_add_actions(flatten=True)).to_pydict()
    return dict(zip(actions["path"], actions["size_bytes"], strict=True))


def child(size_name: str, changed: float, output: str) -> None:
    """One measured run in this process; writes its figures to `output`."""
    started = time.perf_counter()
    os.environ.setdefault("BREWERY_BRONZE_START_DATE", DAYS[0].isoformat())
    import dagster as dg
    from deltalake import DeltaTable

    from brewery_assets.definitions import build_definitions
    from brewery_assets.ingestion.bronze import write_snapshot
    from brewery_assets.lake import LakeLayout
    from brewery_assets.pipeline import console_log_config
    from brewery_assets.replay import iter_breweries
    from brewery_assets.resources.lake import LakeResource
    from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
    from brewery_assets.resources.spark import SparkConnectResource

    count = SIZES[size_name]
    figures: dict = {"size": size_name, "rows": count, "changed_share": changed}
    with tempfile.TemporaryDirectory(prefix="brewery-history-bench-") as tmp:
        layout = LakeLayout(str(Path(tmp) / "lake"))
        renamed, removed, added = changes_of(count, changed)
        figures["changes"] = {"renamed": len(renamed), "removed": len(removed), "added": added}
        write_snapshot(layout, DAYS[0], pages_of(iter_breweries(count), PAGE_SIZE),
                       {"kind": "generated", "rows": count})
        write_snapshot(layout, DAYS[1], pages_of(next_day(count, changed), PAGE_SIZE), {"kind": "generated"})
        defs = build_definitions({"lake": LakeResource(root=layout.root), "spark": SparkConnectResource(),
                                  "openbrewerydb": OpenBreweryDBResource()})
        instance = dg.DagsterInstance.ephemeral()
        job = defs.resolve_job_def("update_history")
        runs = {}
        for name, day in (("first_load", DAYS[0]), ("daily_update", DAYS[1]), ("rerun", DAYS[1])):
            clock = time.perf_counter()
            result = job.execute_in_process(instance=instance, partition_key=day.isoformat(),
                                            run_config=console_log_config("WARNING"))
            assert result.success, name
            runs[name] = {"run_seconds": round(time.perf_counter() - clock, 3),
                          "stages": _step_seconds(instance, result.run_id)}
        figures["runs"] = runs

        history = DeltaTable(layout.silver_brewery_history)
        before, after = _files(layout.silver_brewery_history, 0), _files(layout.silver_brewery_history, 1)
        kept = before.keys() & after.keys()
        figures["history"] = {
            "versions": history.to_pyarrow_dataset().count_rows(),
            "versions_after_first_load": DeltaTable(layout.silver_brewery_history, version=0)
            .to_pyarrow_dataset().count_rows(),
            "table_version": history.version(),
            "daily_update_files_added": len(after.keys() - kept),
            "daily_update_bytes_added": sum(after[f] for f in after.keys() - kept),
            "daily_update_files_removed": len(before.keys() - kept),
            "table_bytes": sum(after.values()),
        }
        figures["change_rows"] = DeltaTable(layout.gold_brewery_changes).to_pyarrow_dataset().count_rows()
    figures["process_seconds"] = round(time.perf_counter() - started, 3)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(output).write_text(json.dumps(figures))


def measure(size_name: str, changed: float, repeat: int) -> dict:
    """Runs `repeat` fresh processes for one size; returns the runs and their medians."""
    runs = []
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run([sys.executable, __file__, "--child", size_name, str(changed), out.name], check=True,
                           env={**os.environ, "RUST_LOG": "error"})
            runs.append(json.loads(Path(out.name).read_text()))
    median = {
        name: {
            "run_seconds": statistics.median(r["runs"][name]["run_seconds"] for r in runs),
            "stages": {s: statistics.median(r["runs"][name]["stages"][s] for r in runs) for s in STEPS},
        }
        for name in ("first_load", "daily_update", "rerun")
    }
    median["process_seconds"] = statistics.median(r["process_seconds"] for r in runs)
    median["peak_rss_mb"] = statistics.median(r["peak_rss_mb"] for r in runs)
    return {"size": size_name, "rows": runs[0]["rows"], "runs": runs, "median": median}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500k")
    parser.add_argument("--changed", type=float, default=0.01, help="share of breweries changed on day 2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], float(args.child[1]), args.child[2])
        return
    results = [measure(size, args.changed, args.repeat) for size in args.sizes.split(",")]
    report = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "changed_share": args.changed,
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(f"{'size':>6} {'rows':>9} {'first load s':>13} {'history s':>10} {'changes s':>10} {'counts s':>9} "
          f"{'update s':>9} {'re-run s':>9} {'peak RSS MB':>12}")
    for result in results:
        m = result["median"]
        update = m["daily_update"]
        print(f"{result['size']:>6} {result['rows']:>9,} {m['first_load']['run_seconds']:>13.2f} "
              f"{update['stages']['silver_brewery_history']:>10.2f} {update['stages']['gold_brewery_changes']:>10.2f} "
              f"{update['stages']['gold_brewery_counts_daily']:>9.2f} {update['run_seconds']:>9.2f} "
              f"{m['rerun']['run_seconds']:>9.2f} {m['peak_rss_mb']:>12,.0f}")
    print(f"medians of {args.repeat} fresh processes; written to {args.output}")


if __name__ == "__main__":
    main()
