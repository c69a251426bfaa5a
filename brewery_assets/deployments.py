"""Which resources the code location runs with, chosen by one variable: `DAGSTER_DEPLOYMENT`.

- `local` (the default): the lake under `BREWERY_LAKE_ROOT` (default `./lake`), Spark jobs in this
  process on the embedded engine (or on the Spark Connect server at `SPARK_REMOTE`).
- `prod`: the lake in S3, a bucket per layer (`BREWERY_BRONZE_BUCKET`, `BREWERY_SILVER_BUCKET`,
  `BREWERY_GOLD_BUCKET`, or one `s3://` root in `BREWERY_LAKE_ROOT`); Spark jobs as EMR
  Serverless job runs through Dagster Pipes (`BREWERY_EMR_*`), or, when `SPARK_REMOTE` is set, on
  that Spark Connect server (e.g. an EMR Serverless Spark Connect session).

AWS credentials and the region come from the standard AWS chain (instance role, `AWS_*`), and
`AWS_ENDPOINT_URL` points every client at an S3-compatible server such as MinIO. A production
deployment missing a setting fails to load, naming every missing variable.
"""

import json
import os
from collections.abc import Mapping

from brewery_assets import settings
from brewery_assets.emr.launch import EmrServerlessResource
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.settings import PRODUCTION_DEPLOYMENT, DeploymentSettingsError, deployment


def local_resources() -> dict:
    """The lake on disk; Spark jobs in this process, on the embedded engine unless `SPARK_REMOTE` is set."""
    return {
        "lake": LakeResource(root=settings.lake_root()),
        "spark": SparkConnectResource(remote=settings.spark_remote()),
        "openbrewerydb": OpenBreweryDBResource(base_url=settings.api_url()),
    }


class _Settings:
    """Reads variables and collects the missing ones, so one error can name them all."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env, self.missing = env, []

    def get(self, name: str, default: str = "") -> str:
        return self.env.get(name) or default

    def require(self, name: str) -> str:
        value = self.env.get(name, "")
        if not value:
            self.missing.append(name)
        return value


def production_lake(env: Mapping[str, str]) -> tuple[LakeResource, list[str]]:
    """The lake in S3 (a bucket per layer, or one `s3://` root) and the variables missing for it."""
    read = _Settings(env)
    root = read.get(settings.LAKE_ROOT_ENV)
    if root.startswith("s3://"):
        lake = LakeResource(root=root)
    else:
        lake = LakeResource(
            bronze_uri=f"s3://{read.require('BREWERY_BRONZE_BUCKET')}",
            silver_uri=f"s3://{read.require('BREWERY_SILVER_BUCKET')}",
            gold_uri=f"s3://{read.require('BREWERY_GOLD_BUCKET')}",
        )
    return lake, read.missing


def emr_serverless(env: Mapping[str, str]) -> tuple[EmrServerlessResource, list[str]]:
    """The EMR Serverless job runner from `BREWERY_EMR_*` (terraform outputs) and the variables missing for it."""
    from importlib.metadata import version

    read = _Settings(env)
    artifacts = read.get("BREWERY_EMR_ARTIFACTS_URI")
    if not artifacts:
        # Where `brewery-lake package-emr` uploads this version's bundle by default.
        artifacts = f"s3://{read.require('BREWERY_ARTIFACTS_BUCKET')}/jobs/{version('brewery_assets')}/"
    spark_conf = json.loads(read.get("BREWERY_EMR_SPARK_CONF", "{}"))
    runner = EmrServerlessResource(
        application_id=read.require("BREWERY_EMR_APPLICATION_ID"),
        execution_role_arn=read.require("BREWERY_EMR_JOB_ROLE_ARN"),
        log_group_name=read.require("BREWERY_EMR_LOG_GROUP"),
        artifacts_uri=artifacts,
        log_uri=read.get("BREWERY_EMR_LOG_URI") or None,
        python_archive_uri=read.get("BREWERY_EMR_PYTHON_ARCHIVE_URI") or None,
        spark_conf={str(key): str(value) for key, value in spark_conf.items()},
        execution_timeout_minutes=int(read.get("BREWERY_EMR_TIMEOUT_MINUTES", "60")),
        region_name=read.get("AWS_REGION") or read.get("AWS_DEFAULT_REGION") or None,
    )
    return runner, read.missing


def production_resources(env: Mapping[str, str] | None = None) -> dict:
    """The lake in S3 and Spark on EMR Serverless (or the Spark Connect server at `SPARK_REMOTE`)."""
    env = os.environ if env is None else env
    lake, missing = production_lake(env)
    remote = env.get(settings.SPARK_REMOTE_ENV)
    if remote:
        spark = SparkConnectResource(remote=remote)
    else:
        spark, missing_emr = emr_serverless(env)
        missing += missing_emr
    if missing:
        raise DeploymentSettingsError(
            f"{settings.DEPLOYMENT_ENV}={PRODUCTION_DEPLOYMENT} needs {', '.join(missing)} (see deploy/README.md: "
            "terraform output dagster_environment)"
        )
    api = env.get(settings.API_URL_ENV) or settings.PUBLIC_API_URL
    return {"lake": lake, "spark": spark, "openbrewerydb": OpenBreweryDBResource(base_url=api.rstrip("/"))}


def deployment_resources(env: Mapping[str, str] | None = None) -> dict:
    """The resources of the deployment `DAGSTER_DEPLOYMENT` names."""
    return production_resources(env) if deployment(env) == PRODUCTION_DEPLOYMENT else local_resources()
