"""Our side of the EMR Serverless contract, against moto's EMR Serverless API on loopback."""

import json
import shlex
import time

import boto3
import dagster as dg
import pytest

from brewery_assets.assets.gold import gold_brewery_counts
from brewery_assets.emr.launch import EmrServerlessJobFailed, EmrServerlessResource
from brewery_assets.lake import LakeLayout
from brewery_assets.resources.lake import LakeResource
from brewery_assets.spark_jobs.entrypoint import DELTA_SPARK_CONF

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/brewery-emr-job"


def _add_dashboard_endpoint() -> None:
    """moto lacks GetDashboardForJobRun, which the Pipes client calls once a job has ended."""
    from moto.core.responses import ActionResult
    from moto.emrserverless import urls
    from moto.emrserverless.responses import EMRServerlessResponse

    def get_dashboard_for_job_run(self):
        return ActionResult({"url": f"https://dashboard.example/{self._get_param('jobRunId')}"})

    EMRServerlessResponse.get_dashboard_for_job_run = get_dashboard_for_job_run
    urls.url_paths["{0}/applications/(?P<applicationId>[^/]+)/jobruns/(?P<jobRunId>[^/]+)/dashboard$"] = (
        EMRServerlessResponse.dispatch)


@pytest.fixture(scope="module")
def aws_endpoint():
    """moto's server on a free loopback port, in this process so tests can steer job run states."""
    from moto.server import ThreadedMotoServer

    _add_dashboard_endpoint()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def emr(aws_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("emr-serverless", region_name=REGION, endpoint_url=aws_endpoint)
    application_id = client.create_application(name="brewery", releaseLabel="emr-7.13.0", type="SPARK")[
        "applicationId"]
    resource = EmrServerlessResource(
        application_id=application_id,
        execution_role_arn=ROLE,
        artifacts_uri="s3://brewery-artifacts/jobs/0.1.0/",
        log_group_name="/brewery/emr",
        log_uri="s3://brewery-logs/emr/",
        spark_conf={"spark.executor.memory": "4g"},
        region_name=REGION,
        endpoint_url=aws_endpoint,
        poll_interval_seconds=0.05,
    )
    return client, resource


LAYOUT = LakeLayout(bronze_uri="s3://brewery-bronze", silver_uri="s3://brewery-silver", gold_uri="s3://brewery-gold")


@dg.asset
def silver_on_emr(context: dg.AssetExecutionContext, emr: EmrServerlessResource):
    outcome = emr.run_job(context, "silver", LAYOUT, {"locations": [["Ireland", "Dublin"]]})
    return dg.MaterializeResult(metadata=outcome.metadata, check_results=outcome.checks)


def _pipes_context_of(confs: dict) -> dict:
    """The Pipes context Dagster handed the job run (base64 of zlib-compressed JSON in the driver's env)."""
    import base64
    import zlib

    encoded = confs["spark.emr-serverless.driverEnv.DAGSTER_PIPES_CONTEXT"]
    return json.loads(zlib.decompress(base64.b64decode(encoded)))


def _pipes_line(method: str, params: dict) -> str:
    from dagster_pipes import PIPES_PROTOCOL_VERSION, PIPES_PROTOCOL_VERSION_FIELD

    return json.dumps({PIPES_PROTOCOL_VERSION_FIELD: PIPES_PROTOCOL_VERSION, "method": method, "params": params})


def _driver_writes_pipes_messages(monkeypatch, aws_endpoint):
    """Makes each started job run print Pipes messages to its driver's stdout stream in CloudWatch,
    as the entrypoint does on EMR, so the launch reads real messages from CloudWatch."""
    from moto.emrserverless import models

    original = models.EMRServerlessBackend.start_job_run

    def start_and_log(self, *args, **kwargs):
        job_run = original(self, *args, **kwargs)
        logs = boto3.client("logs", region_name=REGION, endpoint_url=aws_endpoint)
        group = job_run.configuration_overrides["monitoringConfiguration"]["cloudWatchLoggingConfiguration"][
            "logGroupName"]
        stream = f"/applications/{job_run.application_id}/jobs/{job_run.id}/SPARK_DRIVER/stdout"
        if group not in {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}:
            logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        metadata = {"table_rows": {"raw_value": 11822, "type": "int"}, "engine": {"raw_value": "emr", "type": "text"}}
        lines = [_pipes_line("opened", {"extras": {}}),
                 _pipes_line("report_asset_materialization",
                             {"asset_key": "silver_on_emr", "metadata": metadata, "data_version": None}),
                 _pipes_line("closed", {})]
        now = int(time.time() * 1000) + 1000
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)])
        return job_run

    monkeypatch.setattr(models.EMRServerlessBackend, "start_job_run", start_and_log)


def _only_job_run(application_id):
    """The job run as moto's EMR Serverless backend received it."""
    from moto.emrserverless.models import emrserverless_backends

    runs = emrserverless_backends["123456789012"][REGION].job_runs[application_id]
    assert len(runs) == 1
    return runs[0]


def test_start_job_run_request_is_exactly_ours(emr, monkeypatch, aws_endpoint):
    client, resource = emr
    _driver_writes_pipes_messages(monkeypatch, aws_endpoint)
    result = dg.materialize([silver_on_emr], resources={"emr": resource})
    assert result.success
    # What the job reported through Pipes (read back from CloudWatch) is the materialization's metadata.
    metadata = result.asset_materializations_for_node("silver_on_emr")[0].metadata
    assert metadata["table_rows"].value == 11822 and metadata["engine"].value == "emr"

    job_run = _only_job_run(resource.application_id)
    assert job_run.execution_role_arn == ROLE
    assert job_run.name == "brewery-silver"
    assert job_run.execution_timeout_minutes == 60
    submit = job_run.job_driver["sparkSubmit"]
    assert submit["entryPoint"] == "s3://brewery-artifacts/jobs/0.1.0/emr_entrypoint.py"
    assert not submit.get("entryPointArguments")
    words = shlex.split(submit["sparkSubmitParameters"])
    confs = dict(words[i + 1].split("=", 1) for i in range(0, len(words), 2) if words[i] == "--conf")
    for key, value in DELTA_SPARK_CONF.items():
        assert confs[key] == value
    assert confs["spark.submit.pyFiles"] == "s3://brewery-artifacts/jobs/0.1.0/brewery_assets.zip"
    assert confs["spark.executor.memory"] == "4g"
    # Pipes adds how the job finds its Dagster context, which names the job, the lake and the request.
    extras = _pipes_context_of(confs)["data"]["extras"]
    assert extras == {"job": "silver", "layout": LAYOUT.uris(), "request": {"locations": [["Ireland", "Dublin"]]}}
    monitoring = job_run.configuration_overrides["monitoringConfiguration"]
    assert monitoring["cloudWatchLoggingConfiguration"] == {
        "enabled": True, "logGroupName": "/brewery/emr", "logTypes": {"SPARK_DRIVER": ["STDOUT", "STDERR"]}}
    assert monitoring["s3MonitoringConfiguration"] == {"logUri": "s3://brewery-logs/emr/"}
    assert job_run.tags["brewery/job"] == "brewery-silver"


def test_a_failed_job_run_fails_the_asset_with_emrs_message(emr, monkeypatch):
    from moto.emrserverless import models

    client, resource = emr
    original = models.EMRServerlessBackend.start_job_run

    def start_and_fail(self, *args, **kwargs):
        job_run = original(self, *args, **kwargs)
        job_run.state = "FAILED"
        job_run.state_details = "Job failed: java.lang.OutOfMemoryError: Java heap space"
        return job_run

    monkeypatch.setattr(models.EMRServerlessBackend, "start_job_run", start_and_fail)
    # The real gold asset, with EMR Serverless as its Spark runner.
    result = dg.materialize([gold_brewery_counts], raise_on_error=False,
                            resources={"spark": resource, "lake": LakeResource(**LAYOUT.uris())})

    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data
    assert failure.user_failure_data.description.endswith(
        "ended FAILED: Job failed: java.lang.OutOfMemoryError: Java heap space")
    assert failure.user_failure_data.metadata["emr_state"].value == "FAILED"
    assert EmrServerlessJobFailed.__name__ in failure.error.cls_name or failure.error.cls_name == "Failure"
