"""Where the lake's Spark jobs run: the `spark` resource of the silver and gold assets.

Every runner takes the same job name and JSON request and gives back a `JobOutcome`:
- `SparkConnectResource` (`brewery_assets.resources.spark`): in this process, on the embedded
  engine or any Spark Connect server (a Sail sidecar, Apache Spark Connect, an EMR Serverless
  Spark Connect session);
- `PipesSubprocessSparkJobs`: in a process of its own through Dagster Pipes, e.g. `spark-submit`
  on a cluster's edge node;
- `EmrServerlessResource` (`brewery_assets.emr.launch`): an EMR Serverless job run through Pipes.
All of them run the functions of `brewery_assets.spark_jobs`.
"""

import sys

import dagster as dg
from pydantic import Field

from brewery_assets.lake import LakeLayout
from brewery_assets.quality.checks import CheckOutcome, Markdown
from brewery_assets.spark_jobs.errors import is_transient
from brewery_assets.spark_jobs.outcome import DESCRIPTION_KEY, JobOutcome


def pipes_extras(job: str, layout: LakeLayout, request: dict) -> dict:
    """What a job run through Pipes receives: the job's name, the lake's locations and the request."""
    return {"job": job, "layout": layout.uris(), "request": request}


def outcome_of(invocation: dg.PipesClientCompletedInvocation) -> JobOutcome:
    """The outcome a job reported through Pipes."""
    return from_pipes_results(invocation.get_results(), invocation.get_custom_messages())


def _plain(metadata) -> dict:
    """Dagster metadata values back into the plain values a job produces (markdown kept as `Markdown`)."""
    return {name: Markdown(value.value) if isinstance(value, dg.MarkdownMetadataValue) else value.value
            for name, value in (metadata or {}).items()}


def from_pipes_results(results, custom_messages: list) -> JobOutcome:
    """The outcome of a job run through Pipes, from its reported results and custom messages."""
    outcomes, metadata = [], {}
    for result in results:
        if isinstance(result, dg.AssetCheckResult):
            values = _plain(result.metadata)
            description = values.pop(DESCRIPTION_KEY, None)
            outcomes.append(CheckOutcome(result.check_name, result.passed,
                                         result.severity == dg.AssetCheckSeverity.ERROR, description or "", values))
        elif isinstance(result, dg.MaterializeResult):
            metadata = _plain(result.metadata)
    messages = [message for message in custom_messages if isinstance(message, dict)]
    by_location = [row for message in messages for row in message.get("by_location", [])]
    failures = [message for message in messages if "failure" in message]
    if failures:
        return JobOutcome(metadata=failures[-1].get("metadata", {}), checks=outcomes, failure=failures[-1]["failure"],
                          retryable=bool(failures[-1].get("retryable")))
    if not metadata:
        return JobOutcome(checks=outcomes, failure="the job ended without reporting a materialization")
    return JobOutcome(metadata=metadata, checks=outcomes, by_location=by_location)


class SparkJobRunner(dg.ConfigurableResource):
    """Runs one of the lake's Spark jobs (`brewery_assets.spark_jobs.JOBS`) and returns its outcome."""

    def run_job(self, context: dg.AssetExecutionContext, job: str, layout: LakeLayout, request: dict) -> JobOutcome:
        raise NotImplementedError

    def run(self, context: dg.AssetExecutionContext, job: str, layout: LakeLayout, request: dict) -> JobOutcome:
        """Runs the job; an error that cannot pass on a retry fails the step at once, naming its cause.

        Transient errors (`is_transient`) are raised as they are, for the job's retry policy.
        """
        try:
            return self.run_job(context, job, layout, request)
        except dg.Failure:
            raise
        except Exception as error:
            if is_transient(error):
                raise
            first_line = (str(error).strip().splitlines() or [""])[0][:500]
            raise dg.Failure(
                description=f"the {job} job failed with an error a retry cannot fix: "
                f"{type(error).__name__}: {first_line}",
                allow_retries=False,
            ) from error


class PipesSubprocessSparkJobs(SparkJobRunner):
    """Runs each job as a subprocess through Dagster Pipes (by default
    `python -m brewery_assets.spark_jobs.entrypoint`).

    `command` may be any launcher of that module or of the packaged `emr_entrypoint.py`, such as
    `spark-submit --master yarn emr_entrypoint.py`; `env` is added to the subprocess's environment
    (e.g. `SPARK_REMOTE` to run on a Spark Connect server).
    """

    command: list[str] = Field(default_factory=lambda: [sys.executable, "-m", "brewery_assets.spark_jobs.entrypoint"])
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None

    def run_job(self, context: dg.AssetExecutionContext, job: str, layout: LakeLayout, request: dict) -> JobOutcome:
        client = dg.PipesSubprocessClient(env=self.env, cwd=self.cwd)
        return outcome_of(client.run(command=self.command, context=context, extras=pipes_extras(job, layout, request)))
