"""The silver cleaning rules and gold counts, on records that exercise each rule."""

import hashlib
import hmac
import json
import math
from collections import Counter

import pytest

from brewery_assets.locations import location_id
from brewery_assets.transformations.anonymize import (
    ANONYMIZED_COLUMNS,
    Generalisation,
    anonymize,
    hmac_sha256,
    pseudonyms,
)
from brewery_assets.transformations.gold import GOLD_COLUMNS, count_breweries
from brewery_assets.transformations.silver import (
    REJECTED_COLUMNS,
    SILVER_COLUMNS,
    classify_records,
    parse_bronze_lines,
    profile_lines,
    rejected_rows,
    restrict_to_locations,
    silver_rows,
    suspect_lines,
)
from brewery_assets_tests.transformations.edge_records import (
    BROKEN_LINES,
    EDGE_RECORDS,
    EXPECTED_GOLD,
    EXPECTED_REJECTED,
    EXPECTED_SILVER,
)
from brewery_assets_tests.transformations.helpers import api_record, bronze_frames

DAY = "2026-11-22"


def _classified(spark, records=EDGE_RECORDS, broken=BROKEN_LINES):
    raw, locations = bronze_frames(spark, records, broken)
    return classify_records(raw, locations, DAY)


def _silver(spark, records=EDGE_RECORDS, broken=BROKEN_LINES) -> dict[str, dict]:
    rows = silver_rows(_classified(spark, records, broken)).collect()
    return {row["id"]: row.asDict() for row in rows}


def test_silver_columns_and_types(spark):
    silver = silver_rows(_classified(spark))
    assert tuple(silver.columns) == SILVER_COLUMNS
    types = dict(silver.dtypes)
    assert types["longitude"] == types["latitude"] == "double" and types["ingest_date"] == "date"


def test_silver_holds_exactly_the_expected_rows(spark):
    rows = _silver(spark)
    assert sorted(rows) == sorted(EXPECTED_SILVER)
    for row_id, expected in EXPECTED_SILVER.items():
        got = {k: v for k, v in rows[row_id].items() if k not in ("ingest_date", "location_id")}
        assert got == expected, row_id
        assert rows[row_id]["location_id"] == location_id(expected["country"], expected["state"])
    assert {str(row["ingest_date"]) for row in rows.values()} == {DAY}


def test_rejected_records_keep_their_raw_line_and_reason(spark):
    rejected = rejected_rows(_classified(spark))
    assert tuple(rejected.columns) == REJECTED_COLUMNS
    rows = rejected.collect()
    assert sorted(((r["id"], r["country"], r["state"], r["reject_reason"]) for r in rows), key=repr) == \
        EXPECTED_REJECTED
    raw = {r["raw_record"] for r in rows}
    assert set(BROKEN_LINES) <= raw
    assert json.dumps(EDGE_RECORDS[1], ensure_ascii=False) in raw  # the losing duplicate of "a", as received
    assert {str(r["ingest_date"]) for r in rows} == {DAY}


def test_every_record_is_a_silver_row_or_a_rejected_one(spark):
    classified = _classified(spark)
    assert silver_rows(classified).count() + rejected_rows(classified).count() == len(EDGE_RECORDS) + 2


GREEK_REGION = "Αποκεντρωμένη Διοίκηση Πελοποννήσου, Δυτικής Ελλάδας και Ιονίου"


def test_locations_that_cannot_name_a_place_are_rejected_and_long_real_names_kept(spark):
    records = [
        api_record(id="gr", name="Greek", brewery_type="micro", country="Greece", state_province=GREEK_REGION),
        api_record(id="long", name="Long", brewery_type="micro", country="United States", state_province="S" * 300),
        api_record(id="ctl", name="Ctl", brewery_type="micro", country="United States", state_province="Tex\x07as"),
        api_record(id="ok", name="Ok", brewery_type="micro", country="United States", state_province="Texas"),
    ]
    classified = _classified(spark, records, [])
    silver = {row["id"]: row for row in silver_rows(classified).collect()}
    assert sorted(silver) == ["gr", "ok"]
    assert (silver["gr"]["country"], silver["gr"]["state"]) == ("Greece", GREEK_REGION)
    assert silver["gr"]["location_id"] == location_id("Greece", GREEK_REGION)
    rejected = {row["id"]: row for row in rejected_rows(classified).collect()}
    assert {i: r["reject_reason"] for i, r in rejected.items()} == {"long": "invalid_location",
                                                                    "ctl": "invalid_location"}
    assert '"SSSS' in rejected["long"]["raw_record"]  # the record as received is kept


def test_a_record_whose_location_is_missing_from_the_mapping_is_rejected_not_left_without_one(spark):
    raw, locations = bronze_frames(spark, [api_record(id="a", country="X", state_province="Y")], [])
    other = bronze_frames(spark, [api_record(id="b", country="Z", state_province="W")], [])[1]
    classified = classify_records(raw, other, DAY)
    assert silver_rows(classified).count() == 0
    assert [r["reject_reason"] for r in rejected_rows(classified).collect()] == ["invalid_location"]


def test_duplicate_resolution_does_not_depend_on_input_order(spark):
    forward = _silver(spark, EDGE_RECORDS)
    backward = _silver(spark, list(reversed(EDGE_RECORDS)), list(reversed(BROKEN_LINES)))
    assert forward == backward


@pytest.mark.parametrize(
    ("longitude", "latitude", "issue"),
    [
        (-97.7, 30.2, None),
        ("-97.7", "30.2", None),
        (None, None, None),
        (10.0, None, "incomplete"),
        (None, "", None),  # blank is missing, not incomplete
        ("abc", 1, "not_a_number"),
        ("NaN", 1, "not_a_number"),
        (30.2, -97.7, "swapped"),
        (200, 10, "out_of_range"),
        (10, 95, "swapped"),
        (100, 95, "out_of_range"),
        ("Infinity", 1, "out_of_range"),
        (180, -90, None),
    ],
)
def test_coordinate_rules(spark, longitude, latitude, issue):
    rows = _silver(spark, [api_record(id="x", name="X", brewery_type="micro", country="C", state_province="S",
                                      longitude=longitude, latitude=latitude)], [])
    row = rows["x"]
    assert row["coordinates_issue"] == issue
    if issue is not None:
        assert (row["longitude"], row["latitude"]) == (None, None)


@pytest.mark.parametrize(
    ("country", "state", "longitude", "latitude", "issue"),
    [
        ("United States", "Connecticut", -72.56, 41.78, None),
        # In range but exchanged: a Connecticut brewery at latitude -72.6 (from the official dataset).
        ("United States", "Connecticut", 41.78, -72.56, "swapped"),
        ("United States", "Hawaii", -159.59, 21.97, None),
        ("United States", "Alaska", 179.5, 51.9, None),  # the Aleutians, across the antimeridian
        ("Italy", "Bolzano", 46.5, 11.36, "swapped"),
        # A lost sign: an Irish brewery east of Greenwich is outside Ireland either way round.
        ("Ireland", "Mayo", 9.73, 53.75, "outside_country"),
        ("Ireland", "Mayo", -9.73, 53.75, None),
        ("Portugal", "Azores", -27.21, 38.66, None),
        ("New Zealand", "Chatham Islands", -176.56, -43.95, None),
        # A country without boxes is not checked; the ranges still are.
        ("Atlantis", "Deep", 41.78, -72.56, None),
        ("Atlantis", "Deep", 10, 95, "swapped"),
    ],
)
def test_a_located_pair_must_lie_in_its_country(spark, country, state, longitude, latitude, issue):
    rows = _silver(spark, [api_record(id="x", name="X", brewery_type="micro", country=country, state_province=state,
                                      longitude=longitude, latitude=latitude)], [])
    row = rows["x"]
    assert row["coordinates_issue"] == issue
    expected = (longitude, latitude) if issue is None else (None, None)
    assert (row["longitude"], row["latitude"]) == expected


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("United States", "303-555-0100", "3035550100"),
        ("United States", "(303) 555.0100", "3035550100"),
        ("United States", "1-303-555-0100", "1-303-555-0100"),  # 11 digits: left as written
        ("United States", "http://www.farmacybrewing.com/", "http://www.farmacybrewing.com/"),
        ("South Africa", "+27 63 Hey-Joe", "+27 63 Hey-Joe"),
        ("Canada", "604-555-0100", "604-555-0100"),  # only the US form is rewritten
    ],
)
def test_phone_rules(spark, country, raw, expected):
    rows = _silver(spark, [api_record(id="x", name="X", brewery_type="micro", country=country,
                                      state_province="S", phone=raw)], [])
    assert rows["x"]["phone"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Http://www.ColfaxAleCellar.com", "http://www.colfaxalecellar.com"),
        ("HTTPS://Example.COM/Path/Page?Utm=A#Top", "https://example.com/Path/Page?Utm=A#Top"),
        ("www.Example.com", "www.Example.com"),  # no scheme: nothing is guessed
        ("\t http://x.example \u00a0", "http://x.example"),
    ],
)
def test_website_rules(spark, raw, expected):
    rows = _silver(spark, [api_record(id="x", name="X", brewery_type="micro", country="C", state_province="S",
                                      website_url=raw)], [])
    assert rows["x"]["website_url"] == expected


def test_restrict_to_locations_keeps_exactly_those_pairs(spark):
    silver = silver_rows(_classified(spark))
    only = restrict_to_locations(silver, [("Germany", "Baden-Württemberg")])
    assert sorted(row["id"] for row in only.collect()) == ["b", "c"]
    assert restrict_to_locations(silver, []).count() == 0


def test_gold_counts_reconcile_with_silver(spark):
    silver = silver_rows(_classified(spark))
    gold = count_breweries(silver)
    assert tuple(gold.columns) == GOLD_COLUMNS
    counts = {(r["country"], r["state"], r["brewery_type"]): r["brewery_count"] for r in gold.collect()}
    assert counts == EXPECTED_GOLD
    assert sum(counts.values()) == silver.count() == len(EXPECTED_SILVER)


def test_hmac_matches_the_standard_and_nothing_without_the_key(spark):
    key = b"k" * 100  # longer than a block: hashed first, as RFC 2104 says
    frame = spark.createDataFrame([("Gassl Bräu",), (None,)], "name string")
    hashed = [r["h"] for r in frame.select(hmac_sha256(frame["name"], key).alias("h")).collect()]
    assert hashed == [hmac.new(key, "Gassl Bräu".encode(), hashlib.sha256).hexdigest(), None]
    assert hashed[0] != hashlib.sha256("Gassl Bräu".encode()).hexdigest()


def test_anonymize_keeps_a_pseudonym_place_type_and_cell_only(spark):
    silver = silver_rows(_classified(spark))
    # k=1 withholds nothing: each row shows what it can, generalised.
    anonymized = anonymize(silver, b"secret", Generalisation(min_group_size=1, grid_degrees=1.0))
    assert tuple(anonymized.columns) == ANONYMIZED_COLUMNS
    before = {r["id"]: r.asDict() for r in silver.collect()}
    by_key = {hmac.new(b"secret", row_id.encode(), hashlib.sha256).hexdigest(): row for row_id, row in before.items()}
    after = {r["brewery_key"]: r.asDict() for r in anonymized.collect()}
    assert after.keys() == by_key.keys()
    for key, row in after.items():
        source = by_key[key]
        assert {c: row[c] for c in ("brewery_type", "country", "state", "ingest_date", "location_id")} == {
            c: source[c] for c in ("brewery_type", "country", "state", "ingest_date", "location_id")}
        for cell, exact in (("cell_latitude", "latitude"), ("cell_longitude", "longitude")):
            assert row[cell] == (None if source[exact] is None else math.floor(source[exact]) + 0.5)
    # Key holders map the pseudonyms back to silver's ids.
    assert {r["brewery_key"]: r["id"] for r in pseudonyms(silver, b"secret").collect()} == {
        key: source["id"] for key, source in by_key.items()}


def test_anonymize_withholds_what_too_few_breweries_of_a_location_share(spark):
    silver = silver_rows(_classified(spark))
    rows = [r.asDict() for r in anonymize(silver, b"secret", Generalisation(min_group_size=2)).collect()]
    sizes = Counter(r["location_id"] for r in rows)
    groups = Counter(tuple(r[c] for c in ANONYMIZED_COLUMNS if c != "brewery_key") for r in rows)
    for row in rows:
        group = groups[tuple(row[c] for c in ANONYMIZED_COLUMNS if c != "brewery_key")]
        # Every group has 2 rows or more, or is a location of one brewery with nothing shown.
        assert group >= 2 or (sizes[row["location_id"]] == 1 and row["brewery_type"] is None
                              and row["cell_latitude"] is None), row
    # The edge records' Texas holds several micro breweries: their type is shown.
    texas = [r for r in rows if r["state"] == "Texas"]
    assert any(r["brewery_type"] == "micro" for r in texas)


def _lines(spark, records, broken=BROKEN_LINES):
    values = [json.dumps(r, ensure_ascii=False) for r in records] + list(broken)
    return spark.createDataFrame([(v,) for v in values], "value string")


def test_the_profile_lists_every_field_of_every_record_and_counts_the_ids(spark):
    extra = {**EDGE_RECORDS[0], "id": "new", "founded": 1999}
    names, ids, _ = profile_lines(_lines(spark, [*EDGE_RECORDS, extra]))
    assert names == set(EDGE_RECORDS[0]) | {"founded"}
    assert ids == sum(1 for r in [*EDGE_RECORDS, extra] if (r.get("id") or "").strip())


def test_suspect_lines_hold_every_record_rejected_for_its_content(spark):
    lines = _lines(spark, EDGE_RECORDS)
    _, locations = bronze_frames(spark, EDGE_RECORDS, BROKEN_LINES)
    everything = rejected_rows(classify_records(parse_bronze_lines(lines), locations, DAY))
    suspects = rejected_rows(classify_records(parse_bronze_lines(suspect_lines(lines)), locations, DAY), False)
    assert suspects.count() == 4
    assert sorted(map(tuple, suspects.collect()), key=repr) == sorted(
        (tuple(r) for r in everything.collect() if r["reject_reason"] != "duplicate_id"), key=repr)


def test_without_repeated_ids_the_ranking_can_be_skipped_with_the_same_result(spark):
    unique = [r for i, r in enumerate(EDGE_RECORDS) if i not in (1, len(EDGE_RECORDS) - 1)]
    raw, locations = bronze_frames(spark, unique, BROKEN_LINES)
    classified = classify_records(raw, locations, DAY)
    for build in (silver_rows, rejected_rows):
        ranked = sorted(map(tuple, build(classified).collect()), key=repr)
        assert sorted(map(tuple, build(classified, False).collect()), key=repr) == ranked
