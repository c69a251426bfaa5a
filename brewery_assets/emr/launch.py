"""Launching the lake's Spark jobs on EMR Serverless through Dagster Pipes.

A job run executes `emr_entrypoint.py` from the artifacts bucket with the packaged
`brewery_assets` code on the Python path (see `brewery_assets.emr.package`). Delta comes from
EMR's bundled jars, switched on with the two Spark settings below. CloudWatch logging is always
on: Pipes reads the job's messages (row counts, check results) from the driver's stdout stream
there.
"""

import json
import shlex

import dagster as dg
from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesEMRServerlessClient
from pydantic import Field

from brewery_assets.lake import LakeLayout
from brewery_assets.resources.job_runners import SparkJobRunner, outcome_of, pipes_extras
from brewery_assets.spark_jobs.entrypoint import DELTA_SPARK_CONF
from brewery_assets.spark_jobs.outcome import JobOutcome

ENTRYPOINT_NAME = "emr_entrypoint.py"
PACKAGE_NAME = "brewery_assets.zip"


class EmrServerlessJobFailed(dg.Failure):
    """An EMR Serverless job run ended FAILED or CANCELLED; the description carries EMR's own message."""


class _DetailedEMRServerlessClient(PipesEMRServerlessClient):
    """dagster-aws's Pipes client, failing with EMR's `stateDetails` instead of a bare "job failed"."""

    def _wait_for_completion(self, context, start_response):
        try:
            return super()._wait_for_completion(context, start_response)
        except RuntimeError as exc:
            job_run = self.client.get_job_run(
                applicationId=start_response["applicationId"], jobRunId=start_response["jobRunId"]
            )["jobRun"]
            raise EmrServerlessJobFailed(
                description=f"EMR Serverless job run {job_run['jobRunId']} on application "
                f"{job_run['applicationId']} ended {job_run['state']}: {job_run.get('stateDetails') or 'no details'}",
                metadata={"emr_job_run_id": job_run["jobRunId"], "emr_state": job_run["state"]},
            ) from exc


class EmrServerlessResource(SparkJobRunner):
    """Runs the lake's Spark jobs as EMR Serverless job runs (all settings from the environment)."""

    application_id: str = Field(description="EMR Serverless application id (terraform output).")
    execution_role_arn: str = Field(description="Job execution role ARN (terraform output).")
    artifacts_uri: str = Field(description="s3:// prefix holding emr_entrypoint.py and brewery_assets.zip.")
    log_group_name: str = Field(description="CloudWatch log group of job runs; Pipes reads messages there.")
    log_uri: str | None = Field(default=None, description="s3:// prefix for Spark event logs, if any.")
    python_archive_uri: str | None = Field(
        default=None,
        description="s3:// URI of a packed Python environment (venv-pack tar.gz) whose interpreter runs the job, "
        "for releases whose default Python is older than the package needs.",
    )
    spark_conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark settings for every job.")
    execution_timeout_minutes: int = 60
    region_name: str | None = None
    endpoint_url: str | None = Field(default=None, description="Custom AWS endpoint (tests, private endpoints).")
    poll_interval_seconds: float = 5.0

    def start_job_run_params(self, job_name: str, arguments: list[str]) -> dict:
        """The StartJobRun request for one job: entry point, arguments, Spark settings, role, logging."""
        artifacts = self.artifacts_uri.rstrip("/")
        conf = {**DELTA_SPARK_CONF, "spark.submit.pyFiles": f"{artifacts}/{PACKAGE_NAME}"}
        if self.region_name:
            # The driver's own S3 clients (boto3 for bronze, deltalake for table versions) need the region.
            conf["spark.emr-serverless.driverEnv.AWS_REGION"] = self.region_name
        conf.update(self.spark_conf)
        if self.python_archive_uri:
            conf["spark.archives"] = f"{self.python_archive_uri}#environment"
            conf["spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON"] = "./environment/bin/python"
            conf["spark.emr-serverless.driverEnv.PYSPARK_PYTHON"] = "./environment/bin/python"
            conf["spark.executorEnv.PYSPARK_PYTHON"] = "./environment/bin/python"
        monitoring: dict = {
            "cloudWatchLoggingConfiguration": {
                "enabled": True,
                "logGroupName": self.log_group_name,
                "logTypes": {"SPARK_DRIVER": ["STDOUT", "STDERR"]},
            }
        }
        if self.log_uri:
            monitoring["s3MonitoringConfiguration"] = {"logUri": self.log_uri}
        return {
            "applicationId": self.application_id,
            "executionRoleArn": self.execution_role_arn,
            "name": job_name,
            "jobDriver": {
                "sparkSubmit": {
                    "entryPoint": f"{artifacts}/{ENTRYPOINT_NAME}",
                    "entryPointArguments": arguments,
                    "sparkSubmitParameters": " ".join(
                        f"--conf {shlex.quote(f'{key}={value}')}" for key, value in sorted(conf.items())
                    ),
                }
            },
            "configurationOverrides": {"monitoringConfiguration": monitoring},
            "executionTimeoutMinutes": self.execution_timeout_minutes,
            "tags": {"brewery/job": job_name},
        }

    def pipes_client(self) -> PipesEMRServerlessClient:
        """A Pipes client for EMR Serverless that reads the job's messages from CloudWatch."""
        import boto3

        session = boto3.session.Session(region_name=self.region_name)
        return _DetailedEMRServerlessClient(
            client=session.client("emr-serverless", endpoint_url=self.endpoint_url),
            message_reader=PipesCloudWatchMessageReader(client=session.client("logs", endpoint_url=self.endpoint_url)),
            poll_interval=self.poll_interval_seconds,
        )

    def run_job(self, context: dg.AssetExecutionContext, job: str, layout: LakeLayout, request: dict) -> JobOutcome:
        """Runs one of the lake's jobs (`silver`, `anonymized`, `gold`) to completion on EMR Serverless;
        raises `EmrServerlessJobFailed` with EMR's message if the job run fails."""
        job_name = f"brewery-{job}"
        params = self.start_job_run_params(job_name, [])
        context.log.info(f"starting EMR Serverless job {job_name}: {json.dumps(params['jobDriver'])}")
        invocation = self.pipes_client().run(
            context=context, start_job_run_params=params, extras=pipes_extras(job, layout, request)
        )
        return outcome_of(invocation)
