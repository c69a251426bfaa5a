"""Each audit on small tables: the verdict, the figures and the sample rows that explain it."""

import datetime as dt

import dagster as dg

from brewery_assets.quality.gold_audits import audit_gold
from brewery_assets.quality.silver_audits import (
    Accounting,
    BronzeFields,
    DriftThresholds,
    audit_silver,
    table_stats,
)
from brewery_assets.transformations.silver import SILVER_COLUMNS

SCHEMA = ", ".join(
    f"{c} {'double' if c in ('longitude', 'latitude') else 'date' if c == 'ingest_date' else 'string'}"
    for c in SILVER_COLUMNS
)
DAY = dt.date(2026, 11, 22)


def _row(id, brewery_type="micro", country="C", state="S", longitude=None, latitude=None, name="N"):  # noqa: A002
    values = dict.fromkeys(SILVER_COLUMNS)
    values.update(id=id, name=name, brewery_type=brewery_type, country=country, state=state,
                  longitude=longitude, latitude=latitude, ingest_date=DAY)
    return tuple(values[c] for c in SILVER_COLUMNS)


def _audit(spark, rows, previous_rows=None, books=None, fields=None):
    table = spark.createDataFrame(rows, SCHEMA)
    previous = table_stats(spark.createDataFrame(previous_rows, SCHEMA)) if previous_rows is not None else None
    stats = table_stats(table)
    books = books or Accounting(stats.rows, stats.rows, {})
    results = audit_silver(table, stats, previous, books, BronzeFields(fields or set()), DriftThresholds(0.2, 0.1))
    return {r.check_name: r for r in results}


def test_clean_table_passes_every_blocking_check(spark):
    results = _audit(spark, [_row("a", longitude=1.0, latitude=2.0), _row("b")])
    for name in ("id_not_null", "id_unique", "not_empty", "schema_and_values", "reconciles_with_bronze"):
        assert results[name].passed and results[name].severity == dg.AssetCheckSeverity.ERROR, name


def test_null_and_repeated_ids_fail_with_figures_and_samples(spark):
    results = _audit(spark, [_row("a"), _row("a", name="again"), _row(None)])
    assert not results["id_not_null"].passed and results["id_not_null"].metadata["null_ids"].value == 1
    unique = results["id_unique"]
    assert not unique.passed and unique.metadata["repeated_rows"].value == 1
    assert "| a " in unique.metadata["sample"].value


def test_schema_and_value_rules_fail_with_offending_rows(spark):
    results = _audit(spark, [_row("a", brewery_type="megabrewery"), _row("b", latitude=95.0, longitude=1.0),
                             _row("c", state=None)])
    check = results["schema_and_values"]
    assert not check.passed
    failing = {finding["column"] for finding in check.metadata["findings"].value}
    assert failing == {"brewery_type", "latitude", "state"}
    assert "megabrewery" in check.metadata["sample_brewery_type"].value
    assert "| b " in check.metadata["sample_latitude"].value


def test_an_empty_table_fails(spark):
    results = _audit(spark, [], books=Accounting(0, 0, {}))
    assert not results["not_empty"].passed and results["not_empty"].metadata["rows"].value == 0


def test_reconciliation_counts_every_bronze_record(spark):
    books = Accounting(bronze_records=10, silver_rows=2, rejected_by_reason={"duplicate_id": 3, "missing_id": 4})
    check = _audit(spark, [_row("a"), _row("b")], books=books)["reconciles_with_bronze"]
    assert not check.passed
    assert (check.metadata["duplicates_removed"].value, check.metadata["rejected"].value,
            check.metadata["unaccounted"].value) == (3, 4, 1)


def test_drift_checks_warn_on_volume_null_rates_and_source_fields(spark):
    previous = [_row(str(i), longitude=1.0, latitude=1.0) for i in range(10)]
    current = [_row("a"), _row("b")]
    results = _audit(spark, current, previous_rows=previous, fields={"id", "name", "opening_hours"})
    volume = results["row_volume_change"]
    assert not volume.passed and volume.severity == dg.AssetCheckSeverity.WARN
    assert volume.metadata["change"].value == -0.8
    nulls = results["null_rate_drift"]
    assert not nulls.passed and set(nulls.metadata["drifted_columns"].value) == {"longitude", "latitude"}
    source = results["source_schema_drift"]
    assert not source.passed and source.metadata["new_fields"].value == ["opening_hours"]
    assert "website_url" in source.metadata["missing_fields"].value


def test_gold_checks(spark):
    schema = "country string, state string, brewery_type string, brewery_count long, ingest_date date"
    good = spark.createDataFrame([("C", "S", "micro", 2, DAY), ("C", "S", "nano", 1, DAY)], schema)
    assert all(r.passed for r in audit_gold(good, 3))
    bad = spark.createDataFrame([("C", "S", "micro", 2, DAY), ("C", "S", "micro", 0, DAY)], schema)
    results = {r.check_name: r for r in audit_gold(bad, 3)}
    assert not results["counts_positive"].passed and results["counts_positive"].metadata["not_positive"].value == 1
    assert not results["sums_to_silver"].passed and results["sums_to_silver"].metadata["difference"].value == -1
    assert not results["one_row_per_location_and_type"].passed
    assert "micro" in results["one_row_per_location_and_type"].metadata["sample"].value
