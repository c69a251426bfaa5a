"""The bronze_breweries asset in Dagster: skip or force, idempotent re-runs, metadata, logs, the file source."""

from pathlib import Path

import dagster as dg
import pytest

from brewery_assets.assets.bronze import bronze_breweries
from brewery_assets.ingestion.bronze import published_snapshot
from brewery_assets.jobs import build_ingest_bronze_job
from brewery_assets.partitions import location_partitions
from brewery_assets.replay import ReplayServer, generate_breweries, write_dump
from brewery_assets.replay.faults import FaultPlan
from brewery_assets.resources.lake import LakeResource
from brewery_assets.resources.openbrewerydb import OpenBreweryDBResource
from brewery_assets_tests.ingestion.conftest import (
    DAY,
    FAST,
    assert_unchanged,
    materialize,
    metadata,
    published_records,
    snapshot_files,
)


@pytest.fixture(scope="module")
def records():
    return generate_breweries(450, seed=3)


@pytest.fixture
def server(records):
    with ReplayServer(records) as server:
        yield server


def test_a_complete_day_is_skipped_unless_forced(layout, server):
    instance = dg.DagsterInstance.ephemeral()
    first = materialize(layout, server.url, instance, per_page=50)
    assert first.success and metadata(first)["skipped"] is False
    requests_after_first = server.request_count
    version = published_snapshot(layout, DAY).manifest["version"]

    skipped = materialize(layout, server.url, instance, per_page=50)
    assert skipped.success and metadata(skipped)["skipped"] is True
    assert server.request_count == requests_after_first, "a skipped run does not call the API"
    assert published_snapshot(layout, DAY).manifest["version"] == version
    assert metadata(skipped)["records"] == 450 and metadata(skipped)["new_locations"] == 0

    forced = materialize(layout, server.url, instance, per_page=50, if_complete="force")
    assert forced.success and metadata(forced)["skipped"] is False
    assert server.request_count > requests_after_first
    assert published_snapshot(layout, DAY).manifest["version"] != version


def test_a_damaged_snapshot_is_not_skipped_but_ingested_again(layout, server):
    materialize(layout, server.url, per_page=50)
    snapshot = published_snapshot(layout, DAY)
    (Path(snapshot.path) / "page-00003.jsonl").write_text("")

    again = materialize(layout, server.url, per_page=50)
    assert again.success and metadata(again)["skipped"] is False
    assert len(published_records(layout)) == 450


def test_materializing_a_day_twice_gives_the_same_bronze_content(layout, server, records):
    first = materialize(layout, server.url, if_complete="force")
    first_files, first_manifest = snapshot_files(layout), published_snapshot(layout, DAY).manifest
    second = materialize(layout, server.url, if_complete="force")
    second_manifest = published_snapshot(layout, DAY).manifest

    assert first.success and second.success
    assert snapshot_files(layout) == first_files
    assert second_manifest["content_sha256"] == first_manifest["content_sha256"]
    assert second_manifest["pages"] == first_manifest["pages"]
    assert second_manifest["version"] != first_manifest["version"]
    ids = [r["id"] for r in published_records(layout)]
    assert ids == [r["id"] for r in records] and len(set(ids)) == 450


def test_metadata_and_logs_report_the_extraction(layout, server):
    server.inject_faults(FaultPlan(rate_limit_after=2, rate_limit_burst=2, retry_after="0.01"))
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(layout, server.url, instance, per_page=20, max_concurrency=3)

    assert result.success
    meta = metadata(result)
    assert meta["records"] == meta["distinct_ids"] == meta["api_total"] == 450 and meta["pages"] == 23
    assert meta["requests"] == server.request_count == 26 + 2  # meta, 23 pages, one empty, meta; two 429s
    assert meta["retries"] == meta["rate_limited"] == 2 and meta["retry_wait_seconds"] >= 0.02
    assert meta["bytes_received"] > 100_000 and meta["duration_seconds"] > 0 and meta["passes"] == 1
    assert meta["source_kind"] == "api" and meta["source"] == server.url
    assert meta["new_locations"] == len(instance.get_dynamic_partitions(location_partitions.name)) > 0
    messages = [record.user_message for record in instance.all_logs(result.run_id)]
    assert any("pass 1: pages 10/24" in message for message in messages)
    assert any("pass 1: pages 24/24, requests" in message for message in messages)
    assert any(message.startswith("retry 1 of GET") and "HTTP 429" in message for message in messages)


def test_a_failing_source_fails_the_run_and_keeps_the_previous_snapshot(layout, server, previous_snapshot):
    server.inject_faults(FaultPlan(short_page=2, short_page_times=0))
    result = materialize(layout, server.url, if_complete="force", per_page=50)

    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "page 2 has 49 rows where 50 were due" in failure.step_failure_data.error.message
    assert "the previous one is unchanged" in failure.step_failure_data.error.message
    figures = failure.step_failure_data.user_failure_data.metadata
    assert figures["requests"].value > 10 and [p["pass"] for p in figures["passes"].value] == [1, 2]
    assert_unchanged(layout, previous_snapshot)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_file_dump_gives_the_same_bronze_as_the_api(tmp_path, official_records, fmt):
    from brewery_assets.lake import LakeLayout

    dump = write_dump(official_records, tmp_path / f"breweries.{fmt}", fmt)
    from_file, from_api = LakeLayout(str(tmp_path / "file")), LakeLayout(str(tmp_path / "api"))
    file_run = materialize(from_file, source="file", dump_path=str(dump))
    with ReplayServer(official_records) as official_server:
        api_run = materialize(from_api, official_server.url)

    assert file_run.success and api_run.success
    assert snapshot_files(from_file) == snapshot_files(from_api)
    assert published_records(from_file) == official_records
    file_manifest = published_snapshot(from_file, DAY).manifest
    api_manifest = published_snapshot(from_api, DAY).manifest
    for key in ("records", "distinct_ids", "content_sha256", "locations"):
        assert file_manifest[key] == api_manifest[key]
    assert file_manifest["source"]["kind"] == "file" and file_manifest["source"]["format"] == fmt
    assert metadata(file_run)["source_kind"] == "file" and metadata(file_run)["requests"] == 0


def test_the_official_csv_itself_is_a_source(layout, official_csv, official_records):
    result = materialize(layout, source="file", dump_path=str(official_csv))
    assert result.success
    assert published_records(layout) == official_records
    assert metadata(result)["records"] == 11_822 and metadata(result)["pages"] == 60


def test_the_file_source_without_a_path_fails_clearly(layout):
    result = materialize(layout, source="file")
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "bronze source 'file' needs dump_path" in failure.step_failure_data.error.message


def _retried_steps(layout, url, **config) -> tuple[bool, int]:
    """Runs the ingest_bronze job with a two-retry step policy; (success, how many times the step was retried)."""
    job = build_ingest_bronze_job(dg.RetryPolicy(max_retries=2, delay=0))
    defs = dg.Definitions(assets=[bronze_breweries], jobs=[job], resources={
        "lake": LakeResource(root=layout.root), "openbrewerydb": OpenBreweryDBResource(base_url=url)})
    result = defs.resolve_job_def("ingest_bronze").execute_in_process(
        partition_key=DAY.isoformat(), raise_on_error=False,
        run_config={"ops": {"bronze_breweries": {"config": {**FAST, **config}}}})
    return result.success, sum(event.event_type_value == "STEP_UP_FOR_RETRY" for event in result.all_events)


def test_the_step_is_retried_after_an_outage_but_not_after_a_rejected_request(layout, server, tmp_path):
    server.inject_faults(FaultPlan(error_rate=1.0))
    assert _retried_steps(layout, server.url, max_retries=1) == (False, 2)
    server.inject_faults(None)
    assert _retried_steps(layout, server.url + "/nowhere") == (False, 0)
    missing = tmp_path / "missing.csv"
    assert _retried_steps(layout, server.url, source="file", dump_path=str(missing)) == (False, 0)
