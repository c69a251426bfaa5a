"""Each audit on small tables: the verdict, the figures and the sample rows that explain it."""

import datetime as dt

from brewery_assets.quality.anonymized_audits import audit_anonymized, group_sizes, reidentification_risk
from brewery_assets.quality.gold_audits import audit_gold
from brewery_assets.quality.silver_audits import (
    BronzeProfile,
    DriftThresholds,
    LocationFigures,
    Reconciliation,
    Scope,
    audit_silver,
    location_figures,
    reconcile,
    table_stats,
)
from brewery_assets.transformations.anonymize import CLEAR_COLUMNS
from brewery_assets.transformations.silver import REJECTED_COLUMNS, SILVER_COLUMNS

SCHEMA = ", ".join(
    f"{c} {'double' if c in ('longitude', 'latitude') else 'date' if c == 'ingest_date' else 'string'}"
    for c in SILVER_COLUMNS
)
DAY = dt.date(2026, 11, 22)


REJECTED_SCHEMA = ", ".join(f"{c} {'date' if c == 'ingest_date' else 'string'}" for c in REJECTED_COLUMNS)


def _row(id, brewery_type="micro", country="C", state="S", longitude=None, latitude=None, name="N",  # noqa: A002
         location="c.s"):
    values = dict.fromkeys(SILVER_COLUMNS)
    values.update(id=id, name=name, brewery_type=brewery_type, country=country, state=state,
                  longitude=longitude, latitude=latitude, ingest_date=DAY, location_id=location)
    return tuple(values[c] for c in SILVER_COLUMNS)


def _books(rows: int) -> Reconciliation:
    return Reconciliation(rows, rows, 0, rows, 0, {}, 0, 0)


def _audit(spark, rows, previous_rows=None, books=None, fields=None, scope=None):
    table = spark.createDataFrame(rows, SCHEMA)
    previous = table_stats(spark.createDataFrame(previous_rows, SCHEMA)) if previous_rows is not None else None
    stats = table_stats(table)
    books = books or _books(stats.rows)
    results = audit_silver(table, stats, previous, books, BronzeProfile(0, 0, 0, fields or set()), scope or Scope(),
                           DriftThresholds(0.2, 0.1))
    return {r.name: r for r in results}


def test_clean_table_passes_every_blocking_check(spark):
    results = _audit(spark, [_row("a", longitude=1.0, latitude=2.0), _row("b")])
    for name in ("id_not_null", "id_unique", "not_empty", "schema_and_values", "reconciles_with_bronze"):
        assert results[name].passed and results[name].blocking, name


def test_null_and_repeated_ids_fail_with_figures_and_samples(spark):
    results = _audit(spark, [_row("a"), _row("a", name="again"), _row(None)])
    assert not results["id_not_null"].passed and results["id_not_null"].metadata["null_ids"] == 1
    unique = results["id_unique"]
    assert not unique.passed and unique.metadata["repeated_rows"] == 1
    assert "| a " in unique.metadata["sample"]


def test_schema_and_value_rules_fail_with_offending_rows(spark):
    results = _audit(spark, [_row("a", brewery_type="megabrewery"), _row("b", latitude=95.0, longitude=1.0),
                             _row("c", state=None)])
    check = results["schema_and_values"]
    assert not check.passed
    failing = {finding["column"] for finding in check.metadata["findings"]}
    assert failing == {"brewery_type", "latitude", "state"}
    assert "megabrewery" in check.metadata["sample_brewery_type"]
    assert "| b " in check.metadata["sample_latitude"]


def test_an_empty_table_fails(spark):
    results = _audit(spark, [], books=_books(0))
    assert not results["not_empty"].passed and results["not_empty"].metadata["rows"] == 0
    assert results["not_empty"].description == "the table would be empty"


def _rejected(spark, rows):
    return spark.createDataFrame([(i, "C", "S", reason, "{}", DAY) for i, reason in rows], REJECTED_SCHEMA)


def _bronze(spark, ids, records):
    from brewery_assets.quality.silver_audits import bronze_profile

    lines = spark.createDataFrame([(f'{{"id": "{i}"}}' if i is not None else "not json",) for i in ids], "value string")
    return bronze_profile(lines, {"records": records})


def test_reconciliation_counts_every_bronze_record_and_id(spark):
    # 5 lines: a, b, a again (a duplicate), one without id... and one more line nobody accounts for.
    bronze = _bronze(spark, ["a", "b", "a", None, "c"], records=5)
    silver = spark.createDataFrame([_row("a"), _row("b")], SCHEMA)
    rejected = _rejected(spark, [("a", "duplicate_id"), (None, "unreadable_record")])
    books = reconcile(bronze, table_stats(silver), rejected)
    check = _audit(spark, [_row("a"), _row("b")], books=books)["reconciles_with_bronze"]
    assert not check.passed
    figures = {k: check.metadata[k] for k in ("bronze_records", "silver_rows", "duplicates_removed",
                                                     "rejected", "unaccounted", "ids_unaccounted")}
    assert figures == {"bronze_records": 5, "silver_rows": 2, "duplicates_removed": 1, "rejected": 1,
                       "unaccounted": 1, "ids_unaccounted": 1}
    assert check.metadata["scope"] == "whole table"
    assert "1 records and 1 ids unaccounted" in check.description

    # The same counts with an id swapped for another: the records add up, the ids do not.
    swapped = spark.createDataFrame([_row("a"), _row("z")], SCHEMA)
    books = reconcile(_bronze(spark, ["a", "b", "a", None], records=4), table_stats(swapped), rejected)
    assert books.unaccounted == 0 and books.ids_unaccounted == 0 and not books.ids_match
    assert not _audit(spark, [_row("a"), _row("z")], books=books)["reconciles_with_bronze"].passed

    exact = reconcile(_bronze(spark, ["a", "b", "a", None], records=4), table_stats(silver), rejected)
    assert exact.ids_match and exact.unaccounted == 0
    assert _audit(spark, [_row("a"), _row("b")], books=exact)["reconciles_with_bronze"].passed


def _scope(spark, published, candidate_rows) -> Scope:
    """Texas ("tx") rebuilt, against `published`."""
    candidate = location_figures(spark.createDataFrame(candidate_rows, SCHEMA))
    return Scope(frozenset({"tx"}), location_figures(published), candidate)


def test_locations_not_rebuilt_must_keep_exactly_their_rows(spark):
    published = spark.createDataFrame([_row("a", location="tx"), _row("b", location="by"), _row("c", location="be")],
                                      SCHEMA)
    # Rebuilding "tx": a candidate that keeps by and be as published passes...
    good = [_row("a2", location="tx"), _row("b", location="by"), _row("c", location="be")]
    scope = _scope(spark, published, good)
    check = _audit(spark, good, scope=scope)["other_locations_unchanged"]
    assert check.passed and check.metadata["locations_kept"] == 2 and check.metadata["rows_kept"] == 2
    # ...one that brings a row into another location, or loses one, does not.
    brought = [_row("a2", location="tx"), _row("b", location="by"), _row("x", location="by"), _row("c", location="be")]
    lost = [_row("a2", location="tx"), _row("b", location="by")]
    for bad in (brought, lost):
        scope = _scope(spark, published, bad)
        check = _audit(spark, bad, scope=scope)["other_locations_unchanged"]
        assert not check.passed and check.blocking
        assert "would change" in check.description
    # The same ids in the same count but another id: still a change.
    swapped = [_row("a2", location="tx"), _row("q", location="by"), _row("c", location="be")]
    scope = _scope(spark, published, swapped)
    assert not _audit(spark, swapped, scope=scope)["other_locations_unchanged"].passed


def test_the_copy_must_match_silver_in_every_rebuilt_location():
    silver = LocationFigures({"tx": (2, 11), "by": (1, 7)})
    results = {r.name: r for r in audit_anonymized(LocationFigures({"tx": (2, 11), "by": (1, 7)}), silver,
                                                         frozenset({"tx"}), 4)}
    assert results["matches_silver"].passed and results["other_locations_current"].passed
    # Bayern kept rows silver no longer has: a warning naming it; Texas wrong: blocking.
    stale = audit_anonymized(LocationFigures({"tx": (2, 11), "by": (5, 9)}), LocationFigures({"tx": (2, 11)}),
                             frozenset({"tx"}), 4)
    results = {r.name: r for r in stale}
    assert results["matches_silver"].passed
    assert not results["other_locations_current"].passed
    assert results["other_locations_current"].metadata["stale"] == {"by": {"copy_rows": 5, "silver_rows": 0}}
    wrong = {r.name: r for r in audit_anonymized(LocationFigures({"tx": (1, 3)}), silver, frozenset({"tx"}), 4)}
    assert not wrong["matches_silver"].passed and wrong["matches_silver"].blocking


COPY_SCHEMA = ("brewery_key string, brewery_type string, country string, state string, cell_latitude double, "
               "cell_longitude double, ingest_date date, location_id string")


def _copy_row(key, brewery_type, cell, location):
    country, state = location.split(".")
    return (key, brewery_type, country, state, cell, cell, DAY, location)


def test_rows_alone_on_the_clear_columns_are_counted_per_location(spark):
    rows = ([_copy_row(f"t{i}", "micro", 30.5, "us.tx") for i in range(3)]
            + [_copy_row("t3", None, None, "us.tx"), _copy_row("t4", None, None, "us.tx")]
            # Another type in the same cell is another group: one row alone.
            + [_copy_row("t5", "brewpub", 30.5, "us.tx")]
            + [_copy_row("u0", None, None, "ie.laois")])
    groups = group_sizes(spark.createDataFrame(rows, COPY_SCHEMA), CLEAR_COLUMNS)
    texas, laois = groups.by_location["us.tx"], groups.by_location["ie.laois"]
    assert (texas.country, texas.state, texas.rows, texas.unique_rows, texas.smallest_group) == ("us", "tx", 6, 1, 1)
    assert (texas.type_shown, texas.cell_shown) == (4, 4)
    assert (laois.rows, laois.unique_rows, laois.smallest_group, laois.type_shown) == (1, 1, 1, 0)
    assert (groups.rows, groups.unique_rows, groups.smallest_group) == (7, 2, 1)
    assert groups.unique_share == 2 / 7


def test_the_risk_check_blocks_above_the_allowed_share(spark):
    rows = [_copy_row(f"k{i}", "micro", 30.5, "us.tx") for i in range(99)] + [_copy_row("z", None, None, "ie.laois")]
    groups = group_sizes(spark.createDataFrame(rows, COPY_SCHEMA), CLEAR_COLUMNS)
    at_limit = reidentification_risk(groups, 0.01, 5, CLEAR_COLUMNS)
    assert at_limit.passed and at_limit.blocking
    assert at_limit.metadata["unique_row_share"] == 0.01
    assert at_limit.metadata["locations_with_unique_rows"] == {"ie.laois": {"rows": 1, "unique_rows": 1}}
    assert at_limit.metadata["locations_below_min_group_size"] == 1
    below = reidentification_risk(groups, 0.005, 5, CLEAR_COLUMNS)
    assert not below.passed
    assert "1.00% of rows (1 of 100)" in below.description and "more than the 0.50% allowed" in below.description
    assert below.metadata["smallest_group"] == 1 and below.metadata["min_group_size"] == 5


def test_drift_checks_warn_on_volume_null_rates_and_source_fields(spark):
    previous = [_row(str(i), longitude=1.0, latitude=1.0) for i in range(10)]
    current = [_row("a"), _row("b")]
    results = _audit(spark, current, previous_rows=previous, fields={"id", "name", "opening_hours"})
    volume = results["row_volume_change"]
    assert not volume.passed and volume.blocking is False
    assert volume.metadata["change"] == -0.8
    nulls = results["null_rate_drift"]
    assert not nulls.passed and set(nulls.metadata["drifted_columns"]) == {"longitude", "latitude"}
    source = results["source_schema_drift"]
    assert not source.passed and source.metadata["new_fields"] == ["opening_hours"]
    assert "website_url" in source.metadata["missing_fields"]


def test_gold_checks(spark):
    schema = "country string, state string, brewery_type string, brewery_count long, ingest_date date"
    good = spark.createDataFrame([("C", "S", "micro", 2, DAY), ("C", "S", "nano", 1, DAY)], schema)
    assert all(r.passed for r in audit_gold(good, 3))
    bad = spark.createDataFrame([("C", "S", "micro", 2, DAY), ("C", "S", "micro", 0, DAY)], schema)
    results = {r.name: r for r in audit_gold(bad, 3)}
    assert not results["counts_positive"].passed and results["counts_positive"].metadata["not_positive"] == 1
    assert not results["sums_to_silver"].passed and results["sums_to_silver"].metadata["difference"] == -1
    assert not results["one_row_per_location_and_type"].passed
    assert "micro" in results["one_row_per_location_and_type"].metadata["sample"]


def test_bronze_counts_the_ids_silver_reads_as_the_engine_reads_them(spark):
    """The manifest's id checksum (Python, at ingestion) equals the engine's over the same lines."""
    from brewery_assets.ingestion.bronze import encode_page, page_profile
    from brewery_assets.quality.silver_audits import bronze_profile

    records = [{"id": " a "}, {"id": 12}, {"id": "Ζυθο"}, {"id": "  "}, {"id": None}, "not an object", 7,
               {"name": "no id"}, {"id": True}, {"id": 1.5}, {"id": {"nested": "x"}}]
    ids, checksum, fields = page_profile(records)
    lines = spark.createDataFrame([(line,) for line in encode_page(records).decode().splitlines()], "value string")
    engine = bronze_profile(lines, {"records": len(records)})  # no figures in the manifest: one pass
    assert (ids, checksum) == (engine.ids, engine.id_checksum) and ids == 6
    assert fields == frozenset(engine.field_names) == {"id", "name"}
