"""`brewery-lake`: run the main job, or the Dagster UI, with offline defaults; query the lake with SQL.

Unless `OPENBREWERYDB_API_URL` is set, `run` and `dev` serve Open Brewery DB from the replay server
on loopback: the file named by `BREWERIES_SNAPSHOT`, or a generated catalogue, with the faults
named by `BREWERY_REPLAY_FAULTS` if any. `sql` runs a Spark SQL query over the lake's tables by
name (`brewery_assets.lake_sql`) on the jobs' engine: the embedded one, or `SPARK_REMOTE`.

Both print a short account of what happens; Dagster's own log (every event, each sensor tick)
stays in the instance and the UI. `--verbose`, or `BREWERY_VERBOSE=1`, prints it too.
"""

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from collections.abc import Iterator

from brewery_assets import settings


def say(line: str = "") -> None:
    """One line of the command's own output, at once (it is often read through a pipe)."""
    print(line, flush=True)


@contextlib.contextmanager
def api_for_local_runs() -> Iterator[str]:
    """Yields the API URL to use, starting the replay server when no API is configured."""
    configured = os.environ.get(settings.API_URL_ENV)
    if configured:
        yield configured
        return
    from brewery_assets.replay import ReplayServer, generate_breweries, load_dump
    from brewery_assets.replay.faults import FAULTS_ENV, FaultPlan

    snapshot = os.environ.get(settings.SNAPSHOT_ENV)
    records = load_dump(snapshot) if snapshot else generate_breweries()
    with ReplayServer(records) as server:
        faults = os.environ.get(FAULTS_ENV)
        if faults:
            # Rehearse a bad day of the API: the same run, with the faults the plan names.
            server.inject_faults(FaultPlan.parse(faults))
        say(f"replay server: {server.url} serving {len(records):,} breweries "
            f"from {snapshot or 'the generated dataset'}" + (f" with faults {faults}" if faults else ""))
        os.environ[settings.API_URL_ENV] = server.url
        try:
            yield server.url
        finally:
            os.environ.pop(settings.API_URL_ENV, None)


def run_pipeline(day: dt.date, verbose: bool, refetch: bool = False) -> None:
    """Materializes the day's bronze partition (again from the source when `refetch`), every silver
    location and gold; prints the gold summary."""
    started = time.monotonic()
    say("loading the code location ...")
    import dagster as dg

    from brewery_assets.definitions import defs
    from brewery_assets.partitions import START_DATE_ENV, current_ingest_date, ingest_date_partitions
    from brewery_assets.pipeline import PipelineFailed, run_daily_refresh

    if not ingest_date_partitions.has_partition_key(day.isoformat()):
        raise SystemExit(
            f"brewery-lake: {day} is not a bronze day: they run from {ingest_date_partitions.start.date()} to "
            f"{current_ingest_date()} (UTC); set {START_DATE_ENV}=YYYY-MM-DD to ingest earlier days"
        )
    home = os.environ.get("DAGSTER_HOME")
    instance = dg.DagsterInstance.get() if home else dg.DagsterInstance.ephemeral()
    try:
        run_daily_refresh(defs, instance, day, progress=say, console_level="DEBUG" if verbose else "WARNING",
                          refetch=refetch)
    except PipelineFailed as exc:
        raise SystemExit(f"brewery-lake: {exc}") from None
    where = f"the Dagster instance at {home} (`make dev` shows them)" if home else "a temporary Dagster instance"
    logs = f"the runs' full logs are in {where}, step output under {os.environ.get('BREWERY_COMPUTE_LOGS_DIR')}"
    hint = "" if verbose else f"; {settings.VERBOSE_ENV}=1 prints them here"
    say(f"done in {time.monotonic() - started:.0f} s; {logs}{hint}")
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
    print(largest[["country", "state", "brewery_type", "brewery_count"]].to_string(index=False), flush=True)


def run_dev(host: str, port: int, verbose: bool) -> int:
    """The Dagster UI (webserver, daemon, code server) until Ctrl-C, SIGTERM or SIGHUP; then every process ends."""
    from brewery_assets.dev_server import run_dagster_dev

    home = os.environ.get("DAGSTER_HOME")
    # Alert links point at this UI unless configured otherwise.
    os.environ.setdefault("DAGSTER_UI_URL", f"http://{host}:{port}")
    # `dg dev`, the `dg` CLI's webserver, daemon and code server, on the repository's workspace.
    dg = os.path.join(os.path.dirname(sys.executable), "dg")
    command = [dg, "dev", "-w", str(settings.REPO_ROOT / "workspace.yaml"), "-h", host, "-p", str(port)]
    say(f"starting the Dagster UI on {host}:{port} (webserver, daemon, code server) ...")
    # In DAGSTER_HOME, so that `dagster dev` does not warn about the repository's dagster.yaml.
    cwd = home if home and os.path.isdir(home) else str(settings.REPO_ROOT)
    status = run_dagster_dev(command, cwd, dict(os.environ), verbose=verbose, write=say)
    say("the Dagster UI has stopped")
    return status


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


def run_sql(query: str, output: str) -> None:
    """Prints the result of a Spark SQL query over the lake's tables; a refused query fails naming the tables."""
    from pyspark.errors import PySparkException

    from brewery_assets.deployments import deployment_resources
    from brewery_assets.lake_sql import format_rows, register_tables
    from brewery_assets.resources.spark import SparkConnectResource

    layout = deployment_resources()["lake"].layout
    spark = SparkConnectResource(remote=settings.spark_remote()).spark_session
    names = register_tables(spark, layout)
    try:
        result = spark.sql(query)
        columns, rows = result.columns, [tuple(row) for row in result.collect()]
    except PySparkException as error:
        first_line = (str(error).strip().splitlines() or [""])[0]
        raise SystemExit(f"brewery-lake sql: {first_line}\ntables: {', '.join(names) or '(none yet)'}") from None
    sys.stdout.write(format_rows(columns, rows, output))
    sys.stdout.flush()


def build_parser() -> argparse.ArgumentParser:
    """The command line of `brewery-lake`."""
    parser = argparse.ArgumentParser(prog="brewery-lake", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="ingest today's bronze snapshot, rebuild silver and gold")
    run.add_argument("--date", type=dt.date.fromisoformat, default=None,
                     help="ingestion date (YYYY-MM-DD), default today in UTC (bronze's days are UTC days)")
    run.add_argument("--refetch", action="store_true",
                     help="ingest the day again even if it already has a complete snapshot (which is kept otherwise)")
    dev = commands.add_parser("dev", help="the Dagster UI with the same defaults")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--host", default="127.0.0.1")
    for command in (run, dev):
        command.add_argument("--verbose", action="store_true", default=settings.verbose(),
                             help=f"print Dagster's full log too (also {settings.VERBOSE_ENV}=1)")
    sql = commands.add_parser("sql", help="run a Spark SQL query over the lake's tables, by name")
    sql.add_argument("query", help='e.g. "SELECT change, count(*) FROM gold_brewery_changes GROUP BY change"')
    sql.add_argument("--format", dest="output", choices=("table", "csv", "json"), default="table",
                     help="an aligned table (default), CSV with a header, or JSON lines")
    package = commands.add_parser("package-emr", help="build the EMR Serverless job bundle, optionally upload it")
    package.add_argument("--out", default="dist/emr", help="folder for brewery_assets.zip and emr_entrypoint.py")
    package.add_argument("--artifacts-uri", help="s3://bucket/prefix/ to upload to (the artifacts bucket)")
    return parser


def ingest_date_of(args: argparse.Namespace) -> dt.date:
    """The day `run` ingests: `--date`, else today in UTC (not the local date)."""
    from brewery_assets.partitions import current_ingest_date

    return args.date or current_ingest_date()


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "package-emr":
        package_emr(args.out, args.artifacts_uri)
        return
    if args.command == "sql":
        run_sql(args.query, args.output)
        return
    # dagster.yaml keeps step logs with the lake; the default follows the lake root.
    os.environ.setdefault("BREWERY_COMPUTE_LOGS_DIR", os.path.join(settings.lake_root(), "logs"))
    # A run over every location records one planned event per asset instead of one per location
    # (hundreds of writes to the local SQLite instance before the first step).
    os.environ.setdefault(settings.PLANNED_EVENTS_ENV, "1")

    with api_for_local_runs():
        if args.command == "run":
            run_pipeline(ingest_date_of(args), args.verbose, args.refetch)
        else:
            status = run_dev(args.host, args.port, args.verbose)
            if status:
                raise SystemExit(status)


if __name__ == "__main__":
    main()
