import re
from collections import Counter

import pytest

from brewery_assets.locations import (
    UNKNOWN,
    canonical_mapping,
    canonical_part,
    count_raw_locations,
    location_id,
    location_issue,
    location_key,
    location_mapping,
    locations_of,
    parse_location_key,
    raw_location,
)

GREEK_REGION = "Αποκεντρωμένη Διοίκηση Πελοποννήσου, Δυτικής Ελλάδας και Ιονίου"

ODD_LOCATIONS = [
    ("United States", "Texas"),
    ("Germany", "Baden-Württemberg"),
    ("Poland", "dolnośląskie"),
    ("Finland", "Åland"),
    ("New Zealand", "Manawatū-Whanganui Region"),
    ("X", "a/b,c|d[e]f%g"),
    ("Y", "wait... what"),
    ("Z", "tab\there"),
    ("Ireland", "O'Hare"),
]


@pytest.mark.parametrize(("country", "state"), ODD_LOCATIONS)
def test_location_keys_round_trip_and_avoid_reserved_characters(country, state):
    key = location_key(country, state)
    assert parse_location_key(key) == (country, state)
    assert key.count("/") == 1
    for reserved in (",", "|", "[", "]", "...", "\t"):
        assert reserved not in key


def test_location_keys_stay_readable():
    assert location_key("United States", "Texas") == "United States/Texas"
    assert location_key("Germany", "Baden-Württemberg") == "Germany/Baden-Württemberg"


def test_every_official_location_gets_a_distinct_reversible_key(official_records):
    mapping = location_mapping(count_raw_locations(official_records))
    pairs = {(row["country"], row["state"]) for row in mapping}
    keys = {location_key(*pair) for pair in pairs}
    # 213 raw (country, state) pairs, 212 locations: the one-row typo 'MIssouri' is a case variant of
    # 'Missouri' (141 rows) and merges into it.
    assert len(mapping) == 213
    assert len(pairs) == len(keys) == 212
    assert {parse_location_key(key) for key in keys} == pairs == set(locations_of(mapping))
    merged = [row for row in mapping if (row["country"], row["state"]) != (row["country_raw"], row["state_raw"])]
    assert merged == [{"country_raw": "United States", "state_raw": "MIssouri", "country": "United States",
                       "state": "Missouri", "location_id": location_id("United States", "Missouri"),
                       "location_issue": None, "records": 1}]
    # Every location gets its own short, file-system-safe partition folder name.
    ids = {location_id(*pair) for pair in pairs}
    assert len(ids) == 212
    assert all(re.fullmatch(r"[a-z0-9._-]+", i) and len(f"location_id={i}".encode()) < 120 for i in ids)


def test_parse_rejects_keys_without_a_single_separator():
    with pytest.raises(ValueError, match="country/state"):
        parse_location_key("Texas")
    with pytest.raises(ValueError):
        parse_location_key("a/b/c")


def test_canonical_part_trims_collapses_and_names_missing_values():
    assert canonical_part("  New   South  Wales ") == "New South Wales"
    assert canonical_part("") == UNKNOWN
    assert canonical_part("   ") == UNKNOWN
    assert canonical_part(None) == UNKNOWN
    assert canonical_part("ACT") == "ACT"


def test_mapping_uses_state_province_then_state_and_counts_records():
    records = [
        {"country": "Australia", "state_province": "NSW", "state": "NSW"},
        {"country": "Australia", "state_province": None, "state": "NSW"},
        {"country": " Australia ", "state_province": "NSW", "state": None},
        {"country": None, "state_province": "", "state": None},
    ]
    mapping = location_mapping(count_raw_locations(records))
    by_raw = {(row["country_raw"], row["state_raw"]): row for row in mapping}
    assert by_raw[("Australia", "NSW")]["records"] == 2
    assert (by_raw[(" Australia ", "NSW")]["country"], by_raw[(" Australia ", "NSW")]["state"]) == (
        "Australia",
        "NSW",
    )
    assert (by_raw[(None, "")]["country"], by_raw[(None, "")]["state"]) == (UNKNOWN, UNKNOWN)
    assert sum(row["records"] for row in mapping) == len(records)
    assert isinstance(count_raw_locations(records), Counter)


def _canonical(pairs: dict[tuple, int]) -> dict[tuple, tuple]:
    rows = [{"country_raw": c, "state_raw": s, "records": n} for (c, s), n in pairs.items()]
    return {(r["country_raw"], r["state_raw"]): (r["country"], r["state"]) for r in canonical_mapping(rows)}


def test_case_and_whitespace_variants_merge_into_the_most_frequent_spelling():
    canonical = _canonical({
        ("United States", "MIssouri"): 1,
        ("United States", "Missouri"): 141,
        (" united  states ", " missouri"): 1,
        ("Australia", "ACT"): 30,
        ("Australia", "act"): 2,
        ("Australia", "NSW"): 5,
        ("United States", "District of Columbia"): 20,
        ("United States", "DISTRICT OF COLUMBIA"): 1,
    })
    assert canonical[("United States", "MIssouri")] == ("United States", "Missouri")
    assert canonical[(" united  states ", " missouri")] == ("United States", "Missouri")
    assert canonical[("Australia", "act")] == ("Australia", "ACT")  # never re-cased to 'Act'
    assert canonical[("Australia", "NSW")] == ("Australia", "NSW")
    assert canonical[("United States", "DISTRICT OF COLUMBIA")] == ("United States", "District of Columbia")


def test_accents_are_kept_while_case_is_folded():
    canonical = _canonical({
        ("Belgium", "Région wallonne"): 3,
        ("Belgium", "RÉGION WALLONNE"): 1,
        ("Belgium", "Region wallonne"): 5,
        ("Germany", "Thüringen"): 2,
        ("Germany", "THÜRINGEN"): 1,
    })
    assert canonical[("Belgium", "RÉGION WALLONNE")] == ("Belgium", "Région wallonne")
    assert canonical[("Belgium", "Region wallonne")] == ("Belgium", "Region wallonne")
    assert canonical[("Germany", "THÜRINGEN")] == ("Germany", "Thüringen")


def test_ties_are_broken_by_code_point_order_whatever_the_input_order():
    pairs = {("X", "Foo"): 2, ("X", "foo"): 2}
    forward = _canonical(pairs)
    backward = _canonical(dict(reversed(list(pairs.items()))))
    assert forward == backward == {("X", "Foo"): ("X", "Foo"), ("X", "foo"): ("X", "Foo")}


def test_states_merge_only_within_their_country():
    canonical = _canonical({("A", "Georgia"): 5, ("B", "GEORGIA"): 1})
    assert canonical[("B", "GEORGIA")] == ("B", "GEORGIA")


def test_locations_of_recomputes_the_canonical_pairs_from_the_raw_rows():
    stale = [{"country_raw": "US", "state_raw": "Ohio", "country": "US", "state": "Ohio", "records": 4},
             {"country_raw": "US", "state_raw": "OHIO", "country": "US", "state": "OHIO", "records": 1}]
    assert locations_of(stale) == [("US", "Ohio")]


def test_location_ids_are_short_readable_and_tell_exact_names_apart():
    assert location_id("United States", "Texas").startswith("united-states.texas.")
    assert location_id("Germany", "Baden-Württemberg").startswith("germany.baden-wurttemberg.")
    greek = location_id("Greece", GREEK_REGION)
    assert len(greek) < 90 and greek.isascii()
    # Names that slug alike are still different folders.
    assert location_id("Belgium", "Région wallonne") != location_id("Belgium", "Region wallonne")
    assert location_id("X", "a" * 500) != location_id("X", "a" * 499)


@pytest.mark.parametrize(("value", "issue"), [
    (GREEK_REGION, None),
    ("Baden-Württemberg", None),
    ("x" * 120, None),
    ("x" * 121, "too_long"),
    ("a\x00b", "control_characters"),
    ("Texas\x7f", "control_characters"),
    ('{"name":"Texas"}', "not_text"),
    ('["Texas"]', "not_text"),
])
def test_location_issues(value, issue):
    assert location_issue(value) == issue


def test_locations_that_cannot_name_a_place_are_marked_and_never_become_partitions():
    rows = canonical_mapping([
        {"country_raw": "Greece", "state_raw": GREEK_REGION, "records": 3},
        {"country_raw": "United States", "state_raw": "S" * 300, "records": 1},
        {"country_raw": "United States", "state_raw": '{"a":1}', "records": 1},
    ])
    by_state = {row["state_raw"]: row for row in rows}
    assert by_state[GREEK_REGION]["state"] == GREEK_REGION and by_state[GREEK_REGION]["location_issue"] is None
    assert by_state["S" * 300]["location_issue"] == "too_long"
    assert by_state["S" * 300]["country"] is by_state["S" * 300]["location_id"] is None
    assert by_state['{"a":1}']["location_issue"] == "not_text"
    assert locations_of(rows) == [("Greece", GREEK_REGION)]


# Locations that are not text, as a source may send them. Spark reads them into string fields.
NON_TEXT_LOCATIONS = [
    {"name": "Oregon", "code": "OR"},
    {"nested": {"list": [1, 2.5, None, True, "a/b \"q\"\n"]}, "empty": {}},
    ["Bayern", "Bavaria"],
    [],
    {"unicode": "Baden-Württemberg 🍺", "control": "\x01\x7f", "separator": "\u2028"},
    42,
    -7.25,
    True,
    1e16,
    1.5e-7,
    0.00001,
    {"small": 1e-5, "tiny": 2.5e-9, "large": 1.2345e22, "integer_float": 100.0},
    18446744073709551615,
    18446744073709551616,
]


def test_raw_location_renders_non_text_values_as_the_spark_engine_does(spark):
    from brewery_assets.ingestion.bronze import encode_page
    from brewery_assets.transformations.silver import parse_bronze_lines

    records = [{"id": str(i), "country": value, "state_province": value} for i, value in enumerate(NON_TEXT_LOCATIONS)]
    records.append({"id": "fallback", "country": "X", "state_province": None, "state": {"k": [1]}})
    lines = encode_page(records).decode("utf-8").split("\n")[:-1]
    parsed = parse_bronze_lines(spark.createDataFrame([(line,) for line in lines], "value string"))
    from_spark = {row["id"]: (row["country"], row["state_province"] or row["state"])
                  for row in parsed.select("id", "country", "state_province", "state").collect()}
    expected = {record["id"]: raw_location(record) for record in records}
    assert from_spark == expected
    assert expected["0"] == ('{"name":"Oregon","code":"OR"}',) * 2
    assert expected["fallback"] == ("X", '{"k":[1]}')


def test_elements_that_are_not_objects_have_no_location():
    counts = count_raw_locations([{"country": "X", "state_province": "Y"}, "abc", None, 42, ["X", "Y"]])
    assert counts == Counter({("X", "Y"): 1})
