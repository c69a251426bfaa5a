"""The whole lake in S3: bronze through gold on a real S3-compatible server on loopback, a bucket per layer,
with the resources the production deployment builds from its environment."""

import datetime as dt
import hashlib
import hmac
import json
import sys
from collections import Counter

import boto3
import dagster as dg
import pytest
from deltalake import DeltaTable

from brewery_assets import delta_tables
from brewery_assets.definitions import build_definitions
from brewery_assets.deployments import production_resources
from brewery_assets.emr.package import build_job_bundle
from brewery_assets.ingestion.bronze import write_snapshot
from brewery_assets.pipeline import run_daily_refresh
from brewery_assets.replay import ReplayServer
from brewery_assets.resources.job_runners import PipesSubprocessSparkJobs
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets.resources.spark import embedded_spark_remote
from brewery_assets_tests.production.conftest import s3_keys
from brewery_assets_tests.quality.lake_runs import refresh_all, register_locations

# Two ingestion days that exist on any date the suite runs (the partitions end today).
DAY = dt.date(2026, 11, 20)
NEXT_DAY = dt.date(2026, 11, 21)
# A slice of the official dataset in a few locations keeps moto's S3 server (one Python process)
# quick: its cost is per object, and each location is files in every Delta table. The whole
# dataset end to end on disk is test_pipeline.py's.
STATES = {"Colorado", "Oregon", "Vermont", "Missouri", "MIssouri", "Bayern", "Dublin", "Cork"}


def _slice(records: list[dict]) -> list[dict]:
    return [record for record in records if record["state_province"] in STATES]


@pytest.fixture(scope="module")
def official_server(official_records):
    with ReplayServer(_slice(official_records)) as server:
        yield server


def _production_definitions(buckets: dict, api_url: str) -> dg.Definitions:
    env = {
        "DAGSTER_DEPLOYMENT": "prod",
        "BREWERY_BRONZE_BUCKET": buckets["bronze"],
        "BREWERY_SILVER_BUCKET": buckets["silver"],
        "BREWERY_GOLD_BUCKET": buckets["gold"],
        # Spark jobs on a Spark Connect server (here the embedded one) instead of EMR.
        "SPARK_REMOTE": embedded_spark_remote(),
        "OPENBREWERYDB_API_URL": api_url,
    }
    return build_definitions(production_resources(env))


def test_the_whole_lake_runs_on_s3_and_reads_back(buckets, official_server, official_records, monkeypatch):
    records = _slice(official_records)
    rows = len(records)
    # The anonymization key is kept in Secrets Manager (moto serves it too); only its name is configured.
    monkeypatch.delenv("BREWERY_ANONYMIZATION_KEY", raising=False)
    secret = boto3.client("secretsmanager").create_secret(Name="brewery/anonymization", SecretString="s3 test key")
    monkeypatch.setenv("BREWERY_ANONYMIZATION_KEY_SECRET_ID", secret["ARN"])
    defs = _production_definitions(buckets, official_server.url)
    instance = dg.DagsterInstance.ephemeral()
    bronze_run, refresh_run, history_run = run_daily_refresh(defs, instance, DAY)
    assert bronze_run.success and refresh_run.success and history_run.success

    # Bronze: pages, manifest and pointer as objects in the bronze bucket, nothing anywhere else.
    s3 = boto3.client("s3")
    day = f"breweries/ingest_date={DAY.isoformat()}/"
    version = s3.get_object(Bucket=buckets["bronze"], Key=f"{day}_current")["Body"].read().decode().strip()
    keys = s3_keys(buckets["bronze"])
    assert f"{day}{version}/_manifest.json" in keys
    pages = [key for key in keys if key.endswith(".jsonl")]
    assert len(pages) == -(-rows // 200) and all(key.startswith(f"{day}{version}/page-") for key in pages)
    manifest = json.loads(s3.get_object(Bucket=buckets["bronze"], Key=f"{day}{version}/_manifest.json")["Body"].read())
    assert manifest["records"] == manifest["distinct_ids"] == rows
    first_page = s3.get_object(Bucket=buckets["bronze"], Key=pages[0])["Body"].read().decode("utf-8").splitlines()
    assert [json.loads(line) for line in first_page] == records[:200]

    # Silver and gold: Delta tables in their own buckets, read back from S3.
    silver = DeltaTable(f"s3://{buckets['silver']}/breweries")
    assert silver.metadata().partition_columns == ["location_id"]
    frame = silver.to_pandas()
    assert len(frame) == frame["id"].nunique() == rows
    assert sorted(frame["id"]) == sorted(r["id"] for r in records)
    assert Counter(frame["brewery_type"]) == Counter(r["brewery_type"] for r in records)
    # The audited candidate's files, committed where the run wrote them.
    assert any(key.startswith(f"breweries/runs/{refresh_run.run_id}.") and "/location_id=" in key
               and key.endswith(".parquet") for key in s3_keys(buckets["silver"]))
    assert len(DeltaTable(f"s3://{buckets['silver']}/breweries_rejected").to_pandas()) == 0
    anonymized = DeltaTable(f"s3://{buckets['silver']}/breweries_anonymized").to_pandas()
    assert len(anonymized) == rows and not {"id", "name"} & set(anonymized.columns)
    # The pseudonyms are the ids under the key from Secrets Manager, location by location.
    expected = {hmac.new(b"s3 test key", row["id"].encode("utf-8"), hashlib.sha256).hexdigest(): row["location_id"]
                for _, row in frame.iterrows()}
    assert dict(zip(anonymized["brewery_key"], anonymized["location_id"], strict=True)) == expected
    assert refresh_run.asset_materializations_for_node("silver_breweries_anonymized")[0].metadata[
        "development_key"].value is False
    gold = DeltaTable(f"s3://{buckets['gold']}/brewery_counts").to_pandas()
    assert gold["brewery_count"].sum() == rows
    assert not gold.duplicated(["country", "state", "brewery_type"]).any()
    chart = s3.get_object(Bucket=buckets["gold"], Key="visualizations/brewery_counts_by_type.png")["Body"].read()
    assert chart.startswith(b"\x89PNG")

    # Every check ran on the S3 tables and passed; the metadata points at S3.
    evaluations = refresh_run.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    silver_meta = [m.metadata for m in refresh_run.asset_materializations_for_node("silver_breweries")]
    assert all(meta["path"].value == f"s3://{buckets['silver']}/breweries" for meta in silver_meta)
    # Seven locations: MIssouri is a case variant of Missouri.
    assert len(silver_meta) == len(frame[["country", "state"]].drop_duplicates()) == 7

    # The next day's run publishes a new bronze day and rewrites silver and gold: no row twice.
    next_day = NEXT_DAY
    assert all(run.success for run in run_daily_refresh(defs, instance, next_day))
    again = DeltaTable(f"s3://{buckets['silver']}/breweries").to_pandas()
    assert len(again) == again["id"].nunique() == rows
    assert set(again["ingest_date"].astype(str)) == {next_day.isoformat()}
    assert DeltaTable(f"s3://{buckets['gold']}/brewery_counts").to_pandas()["brewery_count"].sum() == rows
    days = {key.split("/")[1] for key in s3_keys(buckets["bronze"], "breweries/ingest_date=")}
    assert days == {f"ingest_date={DAY.isoformat()}", f"ingest_date={next_day.isoformat()}"}

    # The history holds both days on S3: nothing changed between them, so one version per brewery,
    # valid from the first day; the days it holds are recorded in its commits.
    history = DeltaTable(f"s3://{buckets['silver']}/brewery_history")
    versions = history.to_pandas()
    assert len(versions) == rows and versions["is_current"].all()
    assert set(versions["valid_from"].astype(str)) == {DAY.isoformat()}
    record = delta_tables.commit_info(defs.resources["lake"].layout.store(f"s3://{buckets['silver']}"),
                                      f"s3://{buckets['silver']}/brewery_history", history.version())
    assert sorted(json.loads(record["brewery.history_days"])) == [DAY.isoformat(), next_day.isoformat()]
    daily = DeltaTable(f"s3://{buckets['gold']}/brewery_counts_daily").to_pandas()
    assert daily.groupby("snapshot_date")["brewery_count"].sum().tolist() == [rows, rows]


def test_a_failed_bronze_ingestion_on_s3_publishes_nothing(buckets, official_server):
    defs = _production_definitions(buckets, f"{official_server.url}/missing")
    bronze = defs.resolve_job_def("ingest_bronze").execute_in_process(
        partition_key=DAY.isoformat(), instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not bronze.success
    # No pointer, no manifest, no pages left behind in the bucket.
    assert s3_keys(buckets["bronze"]) == []


def test_the_spark_jobs_run_out_of_process_on_the_s3_lake(buckets, official_records, tmp_path):
    """As on EMR: the job process finds bronze in S3 with its own clients and writes silver and gold there."""
    lake = LakeResource(**{f"{layer}_uri": f"s3://{bucket}" for layer, bucket in buckets.items()})
    records = _slice(official_records)
    manifest = write_snapshot(lake.layout, DAY, [(1, records, None)], {"kind": "test"})
    instance = dg.DagsterInstance.ephemeral()
    register_locations(instance, manifest)
    archive, entrypoint = build_job_bundle(tmp_path / "bundle")
    # The AWS_* variables reach the job through the inherited environment, as the job role does on EMR.
    jobs = PipesSubprocessSparkJobs(command=[sys.executable, str(entrypoint)],
                                    env={"PYTHONPATH": str(archive), "SPARK_REMOTE": embedded_spark_remote()})
    # Bronze was written above; the API is never called.
    defs = build_definitions({"lake": lake, "spark": jobs,
                              "openbrewerydb": OpenBreweryDBResource(base_url="http://127.0.0.1:9/v1")})
    result = refresh_all(defs, instance)
    assert result.success

    silver = DeltaTable(f"s3://{buckets['silver']}/breweries").to_pandas()
    assert sorted(silver["id"]) == sorted(r["id"] for r in records)
    gold = DeltaTable(f"s3://{buckets['gold']}/brewery_counts").to_pandas()
    assert gold["brewery_count"].sum() == len(records)
    metadata = result.asset_materializations_for_node("silver_breweries")[0].metadata
    assert metadata["path"].value == f"s3://{buckets['silver']}/breweries"
    (books,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "reconciles_with_bronze"]
    assert books.metadata["bronze_records"].value == len(records)
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_a_commit_against_an_outdated_version_is_refused_on_s3(buckets):
    """Delta's version check holds on S3 too: the second of two commits made against one version fails."""
    from pyspark.sql import SparkSession

    from brewery_assets.delta_tables import PublishConflict
    from brewery_assets.quality import wap

    spark = SparkSession.builder.remote(embedded_spark_remote()).getOrCreate()
    table = f"s3://{buckets['silver']}/conflict"

    def stage(name: str, row_id: str) -> wap.Staged:
        return wap.stage(spark.createDataFrame([(row_id, "x")], "id string, location_id string"), table, name,
                         ["location_id"])

    assert wap.publish(stage("one", "a"), None) == 0
    first, second = stage("two", "b"), stage("three", "c")
    assert wap.publish(first, 0, ("location_id", ["x"])) == 1
    with pytest.raises(PublishConflict):
        wap.publish(second, 0, ("location_id", ["x"]))
    assert DeltaTable(table).to_pandas()["id"].tolist() == ["b"]
