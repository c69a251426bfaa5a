"""Silver and gold through Dagster: exact contents, the accounting, blocking and WARN checks, and
write-audit-publish (a failed blocking check publishes nothing and stops gold)."""

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable, write_deltalake

from brewery_assets.locations import UNKNOWN, location_id, location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.pipeline import failure_cause
from brewery_assets.quality.anonymization_key import DEPLOYMENT_ENV, DEVELOPMENT_KEY, KEY_ENV
from brewery_assets.transformations.anonymize import ANONYMIZED_COLUMNS
from brewery_assets.transformations.silver import SILVER_COLUMNS
from brewery_assets_tests.quality.lake_runs import (
    definitions,
    materialize_anonymized,
    refresh_all,
    register_locations,
    rows,
    version,
    write_bronze,
)
from brewery_assets_tests.transformations.edge_records import (
    BROKEN_LINES,
    EDGE_RECORDS,
    EXPECTED_GOLD,
    EXPECTED_REJECTED,
    EXPECTED_SILVER,
)
from brewery_assets_tests.transformations.helpers import api_record

DAY = dt.date(2026, 11, 22)


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.to_user_string()}.{e.check_name}": e for e in result.get_asset_check_evaluations()}


def _gold(layout) -> dict[tuple, int]:
    return {(r["country"], r["state"], r["brewery_type"]): r["brewery_count"] for r in rows(layout.gold_brewery_counts)}


def _edge_lake(layout):
    defs, instance = definitions(layout), dg.DagsterInstance.ephemeral()
    manifest = write_bronze(layout, DAY, EDGE_RECORDS, BROKEN_LINES)
    register_locations(instance, manifest)
    return defs, instance, refresh_all(defs, instance)


def test_edge_records_give_exact_silver_rejected_and_gold(layout):
    _, _, result = _edge_lake(layout)
    assert result.success

    silver = {r["id"]: r for r in rows(layout.silver_breweries)}
    assert sorted(silver) == sorted(EXPECTED_SILVER)
    for row_id, expected in EXPECTED_SILVER.items():
        assert {k: v for k, v in silver[row_id].items() if k not in ("ingest_date", "location_id")} == expected, row_id
        assert silver[row_id]["location_id"] == location_id(expected["country"], expected["state"])
    assert {str(r["ingest_date"]) for r in silver.values()} == {"2026-11-22"}

    rejected = rows(layout.silver_rejected)
    assert sorted(((r["id"], r["country"], r["state"], r["reject_reason"]) for r in rejected), key=repr) == \
        EXPECTED_REJECTED
    assert set(BROKEN_LINES) <= {r["raw_record"] for r in rejected}
    assert {str(r["ingest_date"]) for r in rejected} == {"2026-11-22"}

    assert _gold(layout) == EXPECTED_GOLD

    # Nothing silently dropped: 27 bronze lines = 21 silver rows + 2 duplicates + 4 rejected, over the
    # whole table (the check's metadata); each location's materialization has that location's figures.
    checks = _checks(result)
    meta = checks["silver_breweries.reconciles_with_bronze"].metadata
    figures = {k: meta[k].value for k in ("bronze_records", "silver_rows", "duplicates_removed", "rejected",
                                          "unaccounted", "ids_unaccounted", "id_checksums_match")}
    assert figures == {"bronze_records": 27, "silver_rows": 21, "duplicates_removed": 2, "rejected": 4,
                       "unaccounted": 0, "ids_unaccounted": 0, "id_checksums_match": True}
    assert meta["rejected_by_reason"].value == {"unreadable_record": 2, "missing_id": 2, "invalid_location": 0,
                                                "duplicate_id": 2}
    by_partition = {m.partition: m.metadata for m in result.asset_materializations_for_node("silver_breweries")}
    texas = by_partition[location_key("United States", "Texas")]
    assert (texas["dagster/row_count"].value, texas["duplicates_removed"].value, texas["rejected"].value) == (5, 1, 0)
    assert "| a " in texas["preview"].value and "Bayern" not in texas["preview"].value
    nsw = by_partition[location_key("Australia", "NSW")]
    assert (nsw["dagster/row_count"].value, nsw["rejected"].value) == (0, 2)
    assert "table_rows" not in texas and "bronze_records" not in texas

    assert all(e.passed for name, e in checks.items() if e.severity == dg.AssetCheckSeverity.ERROR)
    drift = checks["silver_breweries.source_schema_drift"]
    assert not drift.passed and drift.severity == dg.AssetCheckSeverity.WARN
    assert drift.metadata["new_brewery_types"].value == ["Mega Brewery"]
    assert "| i " in drift.metadata["sample_new_types"].value
    assert checks["silver_breweries.reconciles_with_bronze"].metadata["unaccounted"].value == 0
    assert checks["gold_brewery_counts.sums_to_silver"].metadata["sum_of_counts"].value == 21

    # The chart of gold sits next to it and is shown on the materialization.
    png = Path(layout.gold_chart).read_bytes()
    assert png.startswith(b"\x89PNG")
    gold_meta = result.asset_materializations_for_node("gold_brewery_counts")[0].metadata
    assert gold_meta["chart"].value.startswith("![") and "data:image/png;base64," in gold_meta["chart"].value


def test_a_failing_blocking_check_publishes_nothing_and_gold_does_not_run(layout):
    defs, instance, first = _edge_lake(layout)
    assert first.success
    before = {p: (version(p), rows(p)) for p in (layout.silver_breweries, layout.silver_rejected,
                                                   layout.gold_brewery_counts)}
    chart_before = Path(layout.gold_chart).read_bytes()

    # The next snapshot renames a brewery, but its manifest counts a record its pages do not hold
    # (a page lost after the count): silver cannot account for every bronze record.
    renamed = [dict(r, name="Alpha (renamed)") if r["id"] == "a" else r for r in EDGE_RECORDS]
    register_locations(instance, write_bronze(layout, DAY + dt.timedelta(days=1), renamed, BROKEN_LINES,
                                              manifest_records=len(renamed) + len(BROKEN_LINES) + 1))
    result = refresh_all(defs, instance)

    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert failure.step_key == "silver_breweries"
    assert "reconciles_with_bronze" in failure.step_failure_data.error.message
    # The CLI's failure line: the step and its cause, without the framework's prefix.
    assert failure_cause(failure).startswith("silver not published: blocking checks failed (reconciles_with_bronze: "
                                            "whole table does not reconcile with the snapshot: 1 records")
    check = _checks(result)["silver_breweries.reconciles_with_bronze"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR and check.blocking
    assert check.metadata["bronze_records"].value == 28 and check.metadata["unaccounted"].value == 1
    # The check result is stored on the instance, for the asset-check page and the alerts.
    key = dg.AssetCheckKey(dg.AssetKey("silver_breweries"), "reconciles_with_bronze")
    assert not instance.event_log_storage.get_asset_check_execution_history(key, limit=1)[0].event \
        .dagster_event.event_specific_data.passed

    # Gold did not run; silver, its quarantine, gold and the chart are the previously published ones.
    assert "gold_brewery_counts" not in {e.step_key for e in result.all_events if e.is_step_start}
    assert result.asset_materializations_for_node("gold_brewery_counts") == []
    assert result.asset_materializations_for_node("silver_breweries") == []
    assert {p: (version(p), rows(p)) for p in before} == before
    assert Path(layout.gold_chart).read_bytes() == chart_before
    # The audited candidate stays staged for inspection, in a folder of its run, as a Delta table.
    staged_path = failure.step_failure_data.user_failure_data.metadata["staged"].value
    assert staged_path.startswith(str(Path(layout.silver_breweries) / "runs" / result.run_id))
    staged = {r["id"]: r["name"] for r in rows(staged_path)}
    assert staged["a"] == "Alpha (renamed)"
    # One attempt: a failed blocking check is not retried.
    assert len([e for e in result.all_events if e.is_step_start and e.step_key == "silver_breweries"]) == 1


def test_a_partial_rebuild_from_a_newer_snapshot_is_refused_at_once(layout):
    defs, instance, first = _edge_lake(layout)
    assert first.success
    silver_before = rows(layout.silver_breweries)

    # Brewery "u" moves from Bayern to Hessen in the next snapshot; rebuilding only Hessen from it
    # would leave "u" in both, and the table would mix two snapshots.
    moved = [dict(r, state_province="Hessen") if r["id"] == "u" else r for r in EDGE_RECORDS]
    register_locations(instance, write_bronze(layout, DAY + dt.timedelta(days=1), moved, BROKEN_LINES))
    result = defs.resolve_job_def("refresh_silver_gold").execute_in_process(
        instance=instance, partition_key=location_key("Germany", "Hessen"), raise_on_error=False)

    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert failure.step_key == "silver_breweries"
    message = failure.step_failure_data.error.message
    assert "silver holds snapshot 2026-11-22 and the newest bronze snapshot is 2026-11-23" in message
    assert "Rebuild every location" in message
    assert len([e for e in result.all_events if e.is_step_start and e.step_key == "silver_breweries"]) == 1
    assert rows(layout.silver_breweries) == silver_before


def test_a_warn_check_does_not_stop_the_run_and_a_smaller_snapshot_leaves_no_stale_rows(layout, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    defs, instance, first = _edge_lake(layout)
    assert first.success
    materialize_anonymized(layout, instance)

    # A much smaller snapshot: Texas only, and one record with a field the API never sent before.
    smaller = [r for r in EDGE_RECORDS if r["id"] in ("a", "e")]
    smaller.append({**api_record(id="v", name="Victor", brewery_type="micro", country="United States",
                                 state_province="Texas"), "founded": 1999})
    register_locations(instance, write_bronze(layout, DAY + dt.timedelta(days=1), smaller))
    result = refresh_all(defs, instance, {"ops": {"silver_breweries": {"config": {"volume_change_threshold": 0.5}}}})

    assert result.success
    checks = _checks(result)
    volume = checks["silver_breweries.row_volume_change"]
    assert not volume.passed and volume.severity == dg.AssetCheckSeverity.WARN
    assert (volume.metadata["previous_rows"].value, volume.metadata["rows"].value) == (21, 3)
    assert volume.metadata["threshold"].value == 0.5
    drift = checks["silver_breweries.source_schema_drift"]
    assert not drift.passed and drift.metadata["new_fields"].value == ["founded"]
    assert '"founded":1999' in drift.metadata["sample_new_fields"].value
    assert all(e.passed for e in checks.values() if e.severity == dg.AssetCheckSeverity.ERROR)
    assert result.asset_materializations_for_node("gold_brewery_counts")  # gold ran

    # No stale rows anywhere: every table holds the new snapshot only.
    assert sorted(r["id"] for r in rows(layout.silver_breweries)) == ["a", "e", "v"]  # the duplicate of "a" lost
    assert sorted((r["id"], r["reject_reason"]) for r in rows(layout.silver_rejected)) == [("a", "duplicate_id")]
    assert _gold(layout) == {("United States", "Texas", "micro"): 3}
    assert {str(r["ingest_date"]) for r in rows(layout.silver_breweries)} == {"2026-11-23"}
    materialize_anonymized(layout, instance)
    assert sorted(r["brewery_key"] for r in rows(layout.silver_anonymized)) == sorted(
        hmac.new(DEVELOPMENT_KEY, i.encode(), hashlib.sha256).hexdigest() for i in ("a", "e", "v"))
    # Locations that left the source are still registered partitions, now empty ones.
    assert location_key("Belgium", "Région wallonne") in instance.get_dynamic_partitions(location_partitions.name)
    assert location_key(UNKNOWN, UNKNOWN) in instance.get_dynamic_partitions(location_partitions.name)


def test_anonymization_needs_a_key_outside_local_development(layout, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(DEPLOYMENT_ENV, "prod")
    _, instance, refresh = _edge_lake(layout)
    # The refresh publishes silver and gold; only its anonymized copy fails, naming what is missing.
    assert not refresh.success
    assert [event.step_key for event in refresh.get_step_failure_events()] == ["silver_breweries_anonymized"]
    assert refresh.asset_materializations_for_node("gold_brewery_counts")
    message = refresh.get_step_failure_events()[0].step_failure_data.error.message
    assert KEY_ENV in message and "DAGSTER_DEPLOYMENT='prod'" in message
    result = materialize_anonymized(layout, instance)
    assert not result.success


@pytest.mark.parametrize("deployment", [None, "local"])
def test_local_development_uses_the_public_development_key(layout, monkeypatch, deployment):
    monkeypatch.delenv(KEY_ENV, raising=False)
    if deployment is None:
        monkeypatch.delenv(DEPLOYMENT_ENV, raising=False)
    else:
        monkeypatch.setenv(DEPLOYMENT_ENV, deployment)
    _, instance, _ = _edge_lake(layout)
    result = materialize_anonymized(layout, instance)
    assert result.success
    assert result.asset_materializations_for_node("silver_breweries_anonymized")[0].metadata[
        "development_key"].value is True


def test_a_copy_in_the_former_layout_is_replaced_whole_by_a_one_location_run(layout):
    _, instance, first = _edge_lake(layout)
    assert first.success
    # The copy as it used to be: every silver column, the id and the address in it.
    silver = DeltaTable(layout.silver_breweries).to_pyarrow_table()
    write_deltalake(layout.silver_anonymized, silver, mode="overwrite", partition_by=["location_id"],
                    schema_mode="overwrite")
    texas = location_key("United States", "Texas")
    result = materialize_anonymized(layout, instance, keys=[texas, texas])
    assert result.success
    assert result.asset_materializations_for_node("silver_breweries_anonymized")[0].metadata[
        "full_rebuild"].value is True
    copy = DeltaTable(layout.silver_anonymized)
    assert sorted(f.name for f in copy.schema().fields) == sorted(ANONYMIZED_COLUMNS)
    assert copy.metadata().partition_columns == ["location_id"]
    assert len(copy.to_pandas()) == silver.num_rows


GREEK_REGION = "Αποκεντρωμένη Διοίκηση Πελοποννήσου, Δυτικής Ελλάδας και Ιονίου"


def _latest(instance: dg.DagsterInstance, partition: str) -> dg.AssetMaterialization:
    """The latest materialization of one silver partition, as the UI's partition page reads it."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("silver_breweries"), asset_partitions=[partition]), limit=1)
    return records.records[0].asset_materialization


def test_long_real_names_are_stored_exactly_and_absurd_ones_are_quarantined(layout, tmp_path):
    """A real 63-character Greek region (over 255 bytes once percent-encoded) and a 300-character state."""
    records = [
        *EDGE_RECORDS,
        api_record(id="gr-1", name="Ζυθοποιία", brewery_type="micro", country="Greece", state_province=GREEK_REGION),
        api_record(id="gr-2", name="Μπύρα", brewery_type="brewpub", country="Greece", state_province=GREEK_REGION),
        api_record(id="long", name="Long", brewery_type="micro", country="United States", state_province="S" * 300),
    ]
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        defs = definitions(layout)
        keys = register_locations(instance, write_bronze(layout, DAY, records, BROKEN_LINES))
        greek_key = location_key("Greece", GREEK_REGION)
        assert greek_key in keys and not any("SSSS" in key for key in keys)  # the absurd one is no partition
        result = refresh_all(defs, instance)
        assert result.success

        silver = {r["id"]: r for r in rows(layout.silver_breweries)}
        assert (silver["gr-1"]["country"], silver["gr-1"]["state"]) == ("Greece", GREEK_REGION)
        assert silver["gr-1"]["location_id"] == location_id("Greece", GREEK_REGION)
        assert "long" not in silver and len(silver) == len(EXPECTED_SILVER) + 2
        rejected = {r["id"]: r["reject_reason"] for r in rows(layout.silver_rejected) if r["id"]}
        assert rejected["long"] == "invalid_location"
        # Every folder name of the table stays well under the file systems' 255-byte limit.
        assert max(len(p.name.encode()) for p in Path(layout.silver_breweries).rglob("*")) < 200

        # The Greek partition rebuilds alone.
        alone = defs.resolve_job_def("refresh_silver_gold").execute_in_process(instance=instance,
                                                                              partition_key=greek_key)
        assert alone.success
        assert sorted(r["id"] for r in rows(layout.silver_breweries) if r["country"] == "Greece") == ["gr-1", "gr-2"]

        # Each partition's latest materialization, read through the instance, has its own figures.
        texas = _latest(instance, location_key("United States", "Texas"))
        assert texas.metadata["dagster/row_count"].value == 5
        assert texas.metadata["duplicates_removed"].value == 1
        preview = texas.metadata["preview"].value
        assert "Alpha" in preview and "Ζυθοποιία" not in preview and "Bayern" not in preview
        # The table's columns, each with its type and description, are on every materialization.
        schema = texas.metadata["dagster/column_schema"].value
        assert [column.name for column in schema.columns] == list(SILVER_COLUMNS)
        assert all(column.description for column in schema.columns)
        assert {c.name for c in schema.columns if c.tags.get("identifying")} == {
            "name", "address_1", "address_2", "address_3", "phone", "website_url"}
        greek = _latest(instance, greek_key)
        assert greek.metadata["dagster/row_count"].value == 2 and greek.metadata["full_rebuild"].value is False
