"""The entry point of the lake's Spark jobs run outside the Dagster process, through Dagster Pipes.

EMR Serverless runs it as `emr_entrypoint.py` (see `brewery_assets.emr.package`); locally,
`python -m brewery_assets.spark_jobs.entrypoint` under `PipesSubprocessClient` runs exactly the same code. The
Pipes extras name the job (a key of `brewery_assets.spark_jobs.JOBS`), the lake's locations and the request;
the job reports its check results and its materialization (or why nothing was published) back
through Pipes, which EMR delivers via the driver's stdout in CloudWatch.

The Spark session is classic Spark with Delta Lake's extension and catalog (EMR ships Delta's
jars; the job run's Spark settings switch them on too), or a Spark Connect session when
`SPARK_REMOTE` is set.
"""

import os
import traceback

from dagster_pipes import PipesContext, open_dagster_pipes
from pyspark.sql import SparkSession

from brewery_assets.lake import LakeLayout
from brewery_assets.spark_jobs import JOBS, JobOutcome
from brewery_assets.spark_jobs.errors import is_transient
from brewery_assets.spark_jobs.outcome import check_to_pipes, to_pipes_metadata

DELTA_SPARK_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}
APP_NAME = "brewery-lake"
LOCATIONS_PER_MESSAGE = 50


def spark_session() -> SparkSession:
    """Spark Connect at `SPARK_REMOTE` when set, else a classic session with Delta switched on."""
    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        return SparkSession.builder.remote(remote).getOrCreate()
    builder = SparkSession.builder.appName(APP_NAME)
    for key, value in DELTA_SPARK_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def report(pipes: PipesContext, outcome: JobOutcome) -> None:
    """Sends the outcome through Pipes: every check result, then the materialization or the failure."""
    for check in outcome.checks:
        pipes.report_asset_check(**check_to_pipes(check))
    if not outcome.published:
        pipes.report_custom_message(
            {"failure": outcome.failure, "retryable": outcome.retryable, "metadata": outcome.metadata})
        return
    # Per-location figures go in chunks: each Pipes message is one line of the driver's log.
    for start in range(0, len(outcome.by_location), LOCATIONS_PER_MESSAGE):
        pipes.report_custom_message({"by_location": outcome.by_location[start:start + LOCATIONS_PER_MESSAGE]})
    pipes.report_asset_materialization(metadata=to_pipes_metadata(outcome.metadata))


def run(pipes: PipesContext, session: SparkSession) -> JobOutcome:
    """Runs the job the Pipes extras ask for on `session` and reports its outcome."""
    job = pipes.get_extra("job")
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}; known: {', '.join(sorted(JOBS))}")
    layout = LakeLayout(**pipes.get_extra("layout"))
    pipes.log.info(f"{job}: bronze {layout.bronze_uri}, silver {layout.silver_uri}, gold {layout.gold_uri}")
    try:
        outcome = JOBS[job](session, layout, pipes.get_extra("request"))
    except Exception as error:
        # Reported, not raised: the asset then knows whether a retry could help.
        pipes.log.error(traceback.format_exc())
        first_line = (str(error).strip().splitlines() or [""])[0][:500]
        outcome = JobOutcome(failure=f"the {job} job failed: {type(error).__name__}: {first_line}",
                             retryable=is_transient(error))
    report(pipes, outcome)
    return outcome


def main() -> None:
    """Opens the Pipes session from the environment Dagster set up and runs the requested job."""
    with open_dagster_pipes() as pipes:
        run(pipes, spark_session())


if __name__ == "__main__":
    main()
