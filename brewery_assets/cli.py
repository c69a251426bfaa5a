"""`brewery-lake`: run the main job, or the Dagster UI, with offline defaults.

Unless `OPENBREWERYDB_API_URL` is set, both commands serve Open Brewery DB from the replay server
on loopback: the file named by `BREWERIES_SNAPSHOT`, or a generated catalogue, with the faults
named by `BREWERY_REPLAY_FAULTS` if any.
"""

import argparse
import contextlib
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator

from brewery_assets import settings


@contextlib.contextmanager
def api_for_local_runs() -> Iterator[str]:
    """Yields the API URL to use, starting the replay server when no API is configured."""
    configured = os.environ.get(settings.API_URL_ENV)
    if configured:
        yield configured
        return
    from brewery_assets.replay import ReplayServer, generate_breweries, load_snapshot
    from brewery_assets.replay.faults import FAULTS_ENV, FaultPlan

    snapshot = os.environ.get(settings.SNAPSHOT_ENV)
    records = load_snapshot(snapshot) if snapshot else generate_breweries()
    with ReplayServer(records) as server:
        faults = os.environ.get(FAULTS_ENV)
        if faults:
            # Rehearse a bad day of the API: the same run, with the faults the plan names.
            server.inject_faults(FaultPlan.parse(faults))
        print(f"replay server: {server.url} serving {len(records):,} breweries "
              f"from {snapshot or 'the generated dataset'}" + (f" with faults {faults}" if faults else ""), flush=True)
        os.environ[settings.API_URL_ENV] = server.url
        try:
            yield server.url
        finally:
            os.environ.pop(settings.API_URL_ENV, None)


def run_pipeline(ingest_date: dt.date) -> None:
    """Materializes the day's bronze partition, every silver location and gold; prints the gold summary."""
    import dagster as dg

    from brewery_assets.definitions import defs
    from brewery_assets.pipeline import PipelineFailed, run_daily_refresh

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    try:
        run_daily_refresh(defs, instance, ingest_date)
    except PipelineFailed as exc:
        raise SystemExit(f"brewery-lake: {exc}") from None
    print_gold_summary()


def print_gold_summary(top: int = 15) -> None:
    """Prints the gold table's totals and its largest counts."""
    from deltalake import DeltaTable

    from brewery_assets.deployments import deployment_resources

    gold = DeltaTable(deployment_resources()["lake"].layout.gold_brewery_counts).to_pandas()
    by_type = gold.groupby("brewery_type")["brewery_count"].sum().sort_values(ascending=False)
    print()
    print(f"gold_brewery_counts: {int(gold['brewery_count'].sum()):,} breweries in "
          f"{len(gold[['country', 'state']].drop_duplicates())} locations "
          f"(snapshot {gold['ingest_date'].max()})")
    print("by type: " + ", ".join(f"{name} {int(count):,}" for name, count in by_type.items()))
    print(f"largest counts (top {top}):")
    largest = gold.sort_values(["brewery_count", "country", "state"], ascending=[False, True, True]).head(top)
    print(largest[["country", "state", "brewery_type", "brewery_count"]].to_string(index=False))


def package_emr(out: str, artifacts_uri: str | None) -> None:
    """Builds the EMR job bundle and uploads it when an artifacts URI is given."""
    from pathlib import Path

    from brewery_assets.emr.package import build_job_bundle, upload_job_bundle

    files = build_job_bundle(Path(out))
    for path in files:
        print(f"built {path}")
    if artifacts_uri:
        import boto3

        for uri in upload_job_bundle(files, artifacts_uri, boto3.client("s3")):
            print(f"uploaded {uri}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="brewery-lake", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="ingest today's bronze snapshot, rebuild silver and gold")
    run.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today(),
                     help="ingestion date (YYYY-MM-DD), default today")
    dev = commands.add_parser("dev", help="the Dagster UI with the same defaults")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--host", default="127.0.0.1")
    package = commands.add_parser("package-emr", help="build the EMR Serverless job bundle, optionally upload it")
    package.add_argument("--out", default="dist/emr", help="folder for brewery_assets.zip and emr_entrypoint.py")
    package.add_argument("--artifacts-uri", help="s3://bucket/prefix/ to upload to (the artifacts bucket)")
    args = parser.parse_args(argv)
    if args.command == "package-emr":
        package_emr(args.out, args.artifacts_uri)
        return
    # dagster.yaml keeps step logs with the lake; the default follows the lake root.
    os.environ.setdefault("BREWERY_COMPUTE_LOGS_DIR", os.path.join(settings.lake_root(), "logs"))

    with api_for_local_runs():
        if args.command == "run":
            run_pipeline(args.date)
        else:
            command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml",
                       "-h", args.host, "-p", str(args.port)]
            with contextlib.suppress(KeyboardInterrupt):
                subprocess.run(command, check=False, cwd=settings.REPO_ROOT)


if __name__ == "__main__":
    main()
