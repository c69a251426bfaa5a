from brewery_assets.locations import UNKNOWN
from brewery_assets.transformations.gold import GOLD_COLUMNS, count_breweries
from brewery_assets.transformations.silver import (
    SILVER_COLUMNS,
    build_silver,
    records_without_id,
    restrict_to_locations,
)
from brewery_assets_tests.transformations.helpers import api_record, bronze_frames

RECORDS = [
    api_record(id="a", name=" Alpha  Brewing ", brewery_type="micro", city="Austin", country="United States",
               state_province="Texas", state="Texas", longitude=-97.7, latitude="30.2", phone="  "),
    # The same id again, less complete: the fuller row must win whatever the read order.
    api_record(id="a", name="Alpha", brewery_type="micro", country="United States", state_province="Texas"),
    api_record(id="b", name="Beta", brewery_type="BrewPub", country="Germany",
               state_province="Baden-Württemberg", longitude="181.5", latitude="not a number"),
    api_record(id="c", name="Gamma", brewery_type="micro", country="Germany", state_province=None,
               state="Baden-Württemberg"),
    api_record(id="d", name="Delta", brewery_type="closed", country="Australia", state_province=" "),
    api_record(id=None, name="No id", brewery_type="micro", country="Australia", state_province="NSW"),
    api_record(id="  ", name="Blank id", brewery_type="micro", country="Australia", state_province="NSW"),
]


def _silver(spark, records=RECORDS):
    raw, locations = bronze_frames(spark, records)
    return raw, build_silver(raw, locations, "2026-11-22")


def test_silver_is_typed_trimmed_and_one_row_per_id(spark):
    raw, silver = _silver(spark)
    assert tuple(silver.columns) == SILVER_COLUMNS
    assert dict(silver.dtypes)["longitude"] == "double" and dict(silver.dtypes)["ingest_date"] == "date"
    rows = {row["id"]: row.asDict() for row in silver.collect()}
    assert sorted(rows) == ["a", "b", "c", "d"]
    assert records_without_id(raw) == 2

    alpha = rows["a"]
    assert alpha["name"] == "Alpha  Brewing"  # trimmed; inner spacing is the source's
    assert alpha["city"] == "Austin"  # the more complete duplicate won
    assert (alpha["longitude"], alpha["latitude"]) == (-97.7, 30.2)  # number and numeric text both parse
    assert alpha["phone"] is None  # blank is null
    assert str(alpha["ingest_date"]) == "2026-11-22"

    beta = rows["b"]
    assert beta["brewery_type"] == "brewpub"
    assert (beta["longitude"], beta["latitude"]) == (None, None)  # out of range, not a number

    assert (rows["c"]["country"], rows["c"]["state"]) == ("Germany", "Baden-Württemberg")  # `state` fallback
    assert (rows["d"]["country"], rows["d"]["state"]) == ("Australia", UNKNOWN)


def test_duplicate_resolution_does_not_depend_on_input_order(spark):
    _, forward = _silver(spark, RECORDS)
    _, backward = _silver(spark, list(reversed(RECORDS)))
    assert sorted(map(tuple, forward.collect())) == sorted(map(tuple, backward.collect()))


def test_restrict_to_locations_keeps_exactly_those_pairs(spark):
    _, silver = _silver(spark)
    only = restrict_to_locations(silver, [("Germany", "Baden-Württemberg")])
    assert sorted(row["id"] for row in only.collect()) == ["b", "c"]
    assert restrict_to_locations(silver, []).count() == 0


def test_gold_counts_reconcile_with_silver(spark):
    _, silver = _silver(spark)
    gold = count_breweries(silver)
    assert tuple(gold.columns) == GOLD_COLUMNS
    counts = {(r["country"], r["state"], r["brewery_type"]): r["brewery_count"] for r in gold.collect()}
    assert counts == {
        ("United States", "Texas", "micro"): 1,
        ("Germany", "Baden-Württemberg", "brewpub"): 1,
        ("Germany", "Baden-Württemberg", "micro"): 1,
        ("Australia", UNKNOWN, "closed"): 1,
    }
    assert sum(counts.values()) == silver.count()
