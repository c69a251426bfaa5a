"""`DAGSTER_DEPLOYMENT` selects the resources; production settings come from the environment only."""

import pytest

from brewery_assets.deployments import (
    DeploymentSettingsError,
    deployment,
    deployment_resources,
    production_resources,
)
from brewery_assets.emr.launch import EmrServerlessResource
from brewery_assets.resources.spark import SparkConnectResource

TERRAFORM_OUTPUTS = {
    "DAGSTER_DEPLOYMENT": "prod",
    "AWS_REGION": "eu-west-1",
    "BREWERY_BRONZE_BUCKET": "acme-brewery-bronze",
    "BREWERY_SILVER_BUCKET": "acme-brewery-silver",
    "BREWERY_GOLD_BUCKET": "acme-brewery-gold",
    "BREWERY_ARTIFACTS_BUCKET": "acme-brewery-artifacts",
    "BREWERY_EMR_APPLICATION_ID": "00fabc123",
    "BREWERY_EMR_JOB_ROLE_ARN": "arn:aws:iam::123456789012:role/brewery-emr-job",
    "BREWERY_EMR_LOG_GROUP": "/aws/emr-serverless/brewery",
    "BREWERY_EMR_LOG_URI": "s3://acme-brewery-logs/emr/",
}


def test_local_is_the_default_and_keeps_the_lake_on_disk(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_DEPLOYMENT", raising=False)
    monkeypatch.setenv("BREWERY_LAKE_ROOT", str(tmp_path / "lake"))
    assert deployment() == "local"
    resources = deployment_resources()
    assert resources["lake"].layout.silver_breweries == str(tmp_path / "lake" / "silver" / "breweries")
    assert isinstance(resources["spark"], SparkConnectResource) and resources["spark"].remote is None


def test_production_puts_each_layer_in_its_bucket_and_spark_on_emr_serverless():
    resources = deployment_resources(TERRAFORM_OUTPUTS)
    layout = resources["lake"].layout
    assert layout.bronze_root == "s3://acme-brewery-bronze/breweries"
    assert layout.silver_breweries == "s3://acme-brewery-silver/breweries"
    assert layout.gold_brewery_counts == "s3://acme-brewery-gold/brewery_counts"
    emr = resources["spark"]
    assert isinstance(emr, EmrServerlessResource)
    assert emr.application_id == "00fabc123"
    assert emr.execution_role_arn.endswith(":role/brewery-emr-job")
    assert emr.artifacts_uri == "s3://acme-brewery-artifacts/jobs/0.1.0/"  # where package-emr uploads
    assert emr.log_group_name == "/aws/emr-serverless/brewery" and emr.log_uri == "s3://acme-brewery-logs/emr/"
    params = emr.start_job_run_params("brewery-gold", [])
    submit = params["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == "s3://acme-brewery-artifacts/jobs/0.1.0/emr_entrypoint.py"
    # The job's driver gets the region for its own S3 clients.
    assert "--conf spark.emr-serverless.driverEnv.AWS_REGION=eu-west-1" in submit["sparkSubmitParameters"]


def test_production_with_spark_remote_runs_jobs_on_that_spark_connect_server():
    env = {**TERRAFORM_OUTPUTS, "SPARK_REMOTE": "sc://emr-session.example:15002", "BREWERY_EMR_SPARK_CONF": "{}"}
    del env["BREWERY_EMR_APPLICATION_ID"]
    spark = production_resources(env)["spark"]
    assert isinstance(spark, SparkConnectResource) and spark.remote == "sc://emr-session.example:15002"


def test_production_names_every_missing_setting():
    env = {key: value for key, value in TERRAFORM_OUTPUTS.items()
           if key not in ("BREWERY_SILVER_BUCKET", "BREWERY_EMR_JOB_ROLE_ARN")}
    with pytest.raises(DeploymentSettingsError, match="BREWERY_SILVER_BUCKET, BREWERY_EMR_JOB_ROLE_ARN"):
        production_resources(env)


def test_an_unknown_deployment_is_refused():
    with pytest.raises(DeploymentSettingsError, match="'production'"):
        deployment({"DAGSTER_DEPLOYMENT": "production"})
