from collections import Counter

import pytest

from brewery_assets.locations import (
    UNKNOWN,
    canonical_part,
    count_raw_locations,
    location_key,
    location_mapping,
    parse_location_key,
)

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
    assert len(pairs) == len(keys) == 213
    assert {parse_location_key(key) for key in keys} == pairs


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
