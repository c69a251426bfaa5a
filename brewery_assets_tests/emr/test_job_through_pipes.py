"""The EMR job entry point, launched locally through Dagster Pipes, gives the in-process silver, gold and history.

The job runs exactly as on EMR Serverless: `emr_entrypoint.py` from the job bundle, with
`brewery_assets.zip` first on the Python path (EMR's `spark.submit.pyFiles`), its Pipes context
from the environment and its results reported through Pipes. Spark is the embedded engine over
Spark Connect (`SPARK_REMOTE`), since classic Spark here has no Delta.
"""

import datetime as dt
import json
import sys

import dagster as dg
import pytest

from brewery_assets.emr.package import build_job_bundle
from brewery_assets.lake import LakeLayout
from brewery_assets.resources.job_runners import PipesSubprocessSparkJobs
from brewery_assets.resources.spark import SparkConnectResource, embedded_spark_remote
from brewery_assets_tests.quality.lake_runs import definitions, refresh_all, register_locations, rows, write_bronze
from brewery_assets_tests.transformations.edge_records import BROKEN_LINES, EDGE_RECORDS

DAY = dt.date(2026, 11, 22)
FIGURES = ("dagster/row_count", "duplicates_removed", "rejected", "full_rebuild", "snapshot", "preview",
           "breweries", "locations", "unique_rows", "smallest_group", "table_unique_row_share", "clear_columns")


@pytest.fixture(scope="module")
def job_runner(tmp_path_factory) -> PipesSubprocessSparkJobs:
    """Runs each job as `python emr_entrypoint.py` from a freshly built bundle, through Pipes."""
    bundle_dir = tmp_path_factory.mktemp("bundle")
    archive, entrypoint = build_job_bundle(bundle_dir)
    return PipesSubprocessSparkJobs(
        command=[sys.executable, str(entrypoint)],
        env={"PYTHONPATH": str(archive), "SPARK_REMOTE": embedded_spark_remote()},
        cwd=str(bundle_dir),
    )


def _lake(tmp_path, name: str, spark, records, **bronze) -> tuple[LakeLayout, dg.ExecuteInProcessResult]:
    layout = LakeLayout(str(tmp_path / name))
    manifest = write_bronze(layout, DAY, records, BROKEN_LINES, **bronze)
    instance = dg.DagsterInstance.ephemeral()
    register_locations(instance, manifest)
    return layout, refresh_all(definitions(layout, spark), instance)


def _tables(layout: LakeLayout) -> dict:
    return {path: rows(path) for path in (layout.silver_breweries, layout.silver_rejected,
                                           layout.silver_anonymized, layout.gold_brewery_counts)}


def test_the_job_through_pipes_gives_the_in_process_silver_and_gold(tmp_path, official_records, job_runner):
    records = official_records + EDGE_RECORDS
    local_layout, local = _lake(tmp_path, "in_process", SparkConnectResource(), records)
    piped_layout, piped = _lake(tmp_path, "pipes", job_runner, records)
    assert local.success and piped.success

    # The same tables, row for row.
    local_tables, piped_tables = _tables(local_layout), _tables(piped_layout)
    for (local_path, local_rows), piped_rows in zip(local_tables.items(), piped_tables.values(), strict=True):
        assert local_rows == piped_rows, local_path
    assert len(piped_tables[piped_layout.silver_rejected]) == 6

    # The same materialization figures, location by location, and check results, reported through Pipes.
    for asset in ("silver_breweries", "gold_brewery_counts", "silver_breweries_anonymized"):
        local_meta = {m.partition: m.metadata for m in local.asset_materializations_for_node(asset)}
        piped_meta = {m.partition: m.metadata for m in piped.asset_materializations_for_node(asset)}
        assert piped_meta.keys() == local_meta.keys()
        for partition, meta in piped_meta.items():
            for name in set(FIGURES) & set(local_meta[partition]):
                assert meta[name].value == local_meta[partition][name].value, (asset, partition, name)
            assert meta["path"].value.startswith(piped_layout.root)
    piped_silver = piped.asset_materializations_for_node("silver_breweries")
    assert sum(m.metadata["dagster/row_count"].value for m in piped_silver) == len(
        piped_tables[piped_layout.silver_breweries])

    def checks(result):
        return sorted((e.asset_key.to_user_string(), e.check_name, e.passed, e.severity.value)
                      for e in result.get_asset_check_evaluations())

    assert checks(piped) == checks(local) and len(checks(piped)) == 15
    # Descriptions travel too (inside the check's Pipes metadata, restored on this side).
    descriptions = {e.check_name: e.description for e in piped.get_asset_check_evaluations()}
    assert descriptions["row_volume_change"] == "no previously published table to compare with"


def test_a_blocking_check_failed_in_the_job_fails_the_asset_and_publishes_nothing(tmp_path, official_records,
                                                                                   job_runner):
    records = official_records[:500]
    layout, first = _lake(tmp_path, "lake", job_runner, records)
    assert first.success
    published = _tables(layout)

    # The manifest now claims one record more than bronze holds: silver cannot reconcile.
    manifest = write_bronze(layout, DAY, records, BROKEN_LINES, manifest_records=len(records) + len(BROKEN_LINES) + 1)
    instance = dg.DagsterInstance.ephemeral()
    register_locations(instance, manifest)
    failed = refresh_all(definitions(layout, job_runner), instance)

    assert not failed.success
    (failure,) = failed.get_step_failure_events()
    assert failure.step_key == "silver_breweries"
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("silver not published: blocking checks failed (reconciles_with_bronze: whole "
                                  "table does not reconcile with the snapshot: 1 records")
    evaluations = {e.check_name: e for e in failed.get_asset_check_evaluations()}
    assert evaluations["reconciles_with_bronze"].passed is False
    assert "unaccounted" in evaluations["reconciles_with_bronze"].metadata
    assert _tables(layout) == published


def _history_lake(tmp_path, name: str, spark, days: list[tuple[dt.date, list]]) -> tuple[LakeLayout, list]:
    layout = LakeLayout(str(tmp_path / name))
    defs, instance, runs = definitions(layout, spark), dg.DagsterInstance.ephemeral(), []
    for day, records in days:
        write_bronze(layout, day, records)
        runs.append(defs.resolve_job_def("update_history").execute_in_process(
            instance=instance, partition_key=day.isoformat(), raise_on_error=False))
    return layout, runs


def test_the_history_jobs_through_pipes_give_the_in_process_tables_and_figures(tmp_path, official_records,
                                                                                job_runner):
    first = official_records[:300]
    second = [dict(r, name=f"{r['name']} (renamed)") if i % 40 == 0 else r for i, r in enumerate(first) if i % 50 != 7]
    days = [(DAY - dt.timedelta(days=1), first), (DAY, second)]
    local_layout, local = _history_lake(tmp_path, "in_process", SparkConnectResource(), days)
    piped_layout, piped = _history_lake(tmp_path, "pipes", job_runner, days)
    assert all(run.success for run in local + piped)

    for table in ("silver_brewery_history", "gold_brewery_changes", "gold_brewery_counts_daily"):
        local_rows, piped_rows = rows(getattr(local_layout, table)), rows(getattr(piped_layout, table))
        assert [json.dumps(r, default=str) for r in piped_rows] == [json.dumps(r, default=str) for r in local_rows]
    # The day's own figures travel through Pipes as well (each partition's metadata).
    for asset, names in [("silver_brewery_history", ("opened", "closed", "breweries", "current_versions")),
                         ("gold_brewery_changes", ("appeared", "disappeared", "changed", "breweries"))]:
        [local_meta] = [m.metadata for m in local[1].asset_materializations_for_node(asset)]
        [piped_meta] = [m.metadata for m in piped[1].asset_materializations_for_node(asset)]
        assert {n: piped_meta[n].value for n in names} == {n: local_meta[n].value for n in names}
    changed = local[1].asset_materializations_for_node("gold_brewery_changes")[0].metadata
    assert (changed["changed"].value, changed["disappeared"].value) == (8, 6)
