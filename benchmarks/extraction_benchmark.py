"""Bronze extraction speed: the official dataset through the replay server with latency on every request.

Each scenario ingests the whole catalogue into a fresh lake with `ingest_from_api`, over real HTTP on
loopback, with the replay server adding `--latency` seconds to every response (the round trip of the real
API). Sequential (one request at a time) is compared with the bronze asset's configured concurrency and
rate limit. Figures go to benchmarks/results/extraction.json and a table on stdout.

    .venv/bin/python benchmarks/extraction_benchmark.py [--latency 0.1] [--concurrency 1 4 8]
"""

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from brewery_assets.assets.bronze import BronzeConfig
from brewery_assets.ingestion.api import ExtractionSettings, ingest_from_api
from brewery_assets.lake import LakeLayout
from brewery_assets.openbrewerydb.client import OpenBreweryDBClient
from brewery_assets.replay import ReplayServer, load_dump
from brewery_assets.replay.faults import FaultPlan

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_CSV = REPO_ROOT.parent / "shared" / "data" / "openbrewerydb" / "breweries.csv"
RESULTS = REPO_ROOT / "benchmarks" / "results" / "extraction.json"
DAY = dt.date(2026, 11, 22)


def run_scenario(server: ReplayServer, concurrency: int, config: BronzeConfig) -> dict:
    """One full extraction into a temporary lake; its figures."""
    client = OpenBreweryDBClient(server.url, timeout=30, requests_per_minute=config.requests_per_minute,
                                 max_connections=concurrency)
    settings = ExtractionSettings(per_page=config.per_page, max_concurrency=concurrency)
    with tempfile.TemporaryDirectory(prefix="brewery-extraction-") as tmp:
        started = time.perf_counter()
        manifest = ingest_from_api(client, LakeLayout(tmp), DAY, settings)
        seconds = time.perf_counter() - started
    client.close()
    extraction = manifest["extraction"]
    return {
        "max_concurrency": concurrency,
        "requests_per_minute": config.requests_per_minute,
        "seconds": round(seconds, 3),
        "records": manifest["records"],
        "pages": len(manifest["pages"]),
        "requests": extraction["requests"],
        "retries": extraction["retries"],
        "rate_limit_wait_seconds": extraction["rate_limit_wait_seconds"],
        "bytes_received": extraction["bytes_received"],
        "records_per_second": round(manifest["records"] / seconds),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=OFFICIAL_CSV, help="dump to serve (default: official CSV)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every response")
    parser.add_argument("--concurrency", type=int, nargs="*", help="levels (default: 1, configured, twice that)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.dataset.is_file():
        parser.exit(2, f"extraction benchmark: no dataset at {args.dataset}\n")

    config = BronzeConfig()
    levels = args.concurrency or sorted({1, config.max_concurrency, 2 * config.max_concurrency})
    records = load_dump(args.dataset)
    with ReplayServer(records) as server:
        server.inject_faults(FaultPlan(latency=args.latency))
        scenarios = [run_scenario(server, level, config) for level in levels]
    sequential = next((s for s in scenarios if s["max_concurrency"] == 1), scenarios[0])
    for scenario in scenarios:
        scenario["speedup_vs_sequential"] = round(sequential["seconds"] / scenario["seconds"], 2)

    figures = {
        "dataset": str(args.dataset.name),
        "records": len(records),
        "latency_seconds": args.latency,
        "per_page": config.per_page,
        "configured_concurrency": config.max_concurrency,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenarios": scenarios,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")

    print(f"{len(records):,} records, {args.latency * 1000:g} ms per request, per_page {config.per_page}")
    print("| concurrency | seconds | requests | records/s | speedup |")
    print("|---:|---:|---:|---:|---:|")
    for s in scenarios:
        label = f"{s['max_concurrency']}" + (" (configured)" if s["max_concurrency"] == config.max_concurrency else "")
        print(f"| {label} | {s['seconds']:.2f} | {s['requests']} | {s['records_per_second']:,} "
              f"| {s['speedup_vs_sequential']:.2f}x |")
    print(f"figures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
