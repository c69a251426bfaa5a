"""Bronze records that exercise every cleaning rule, with the exact silver and rejected rows they must give.

Used by the transformation tests, the classic Spark comparison and the pipeline tests.
"""

from brewery_assets.locations import UNKNOWN
from brewery_assets_tests.transformations.helpers import api_record

US, DE, AU, BE = "United States", "Germany", "Australia", "Belgium"

EDGE_RECORDS = [
    # Trimmed text, blank as null; a number and numeric text both parse; US phone with separators.
    api_record(id="a", name=" Alpha  Brewing ", brewery_type="micro", city="Austin", country=US,
               state_province="Texas", state="Texas", longitude=-97.7, latitude="30.2", phone="  ",
               website_url="Http://WWW.Alpha.example/Beer?Id=1"),
    # The same id again, less complete: the fuller row wins whatever the read order.
    api_record(id="a", name="Alpha", brewery_type="micro", country=US, state_province="Texas"),
    # Upper-case type; a latitude that is not a number nulls the pair.
    api_record(id="b", name="Beta", brewery_type="BrewPub", country=DE, state_province="Baden-Württemberg",
               longitude="181.5", latitude="not a number"),
    # state_province missing: the deprecated `state` alias is used.
    api_record(id="c", name="Gamma", brewery_type="micro", country=DE, state_province=None,
               state="Baden-Württemberg", phone="+49 7021 123 456"),
    # A blank state is kept under (unknown).
    api_record(id="d", name="Delta", brewery_type="closed", country=AU, state_province=" "),
    # No id, or a blank one: rejected.
    api_record(id=None, name="No id", brewery_type="micro", country=AU, state_province="NSW"),
    api_record(id="  ", name="Blank id", brewery_type="micro", country=AU, state_province="NSW"),
    # Swapped, out-of-range, incomplete and NaN coordinates: nulled and flagged, rows kept.
    api_record(id="e", name="Echo", brewery_type="micro", country=US, state_province="Texas",
               longitude=30.2, latitude=-97.7, phone="(512) 555-0100"),
    api_record(id="f", name="Foxtrot", brewery_type="micro", country=US, state_province="Texas",
               longitude="200", latitude="10"),
    api_record(id="g", name="Golf", brewery_type="micro", country=US, state_province="Texas", longitude=10.5),
    api_record(id="h", name="Hotel", brewery_type="nano", country=AU, state_province="ACT",
               longitude="NaN", latitude="-35.3"),
    # A type outside the API's list becomes `unknown`, the original kept.
    api_record(id="i", name="India", brewery_type="Mega Brewery", country=AU, state_province="ACT"),
    # Whitespace and case variants merge into the snapshot's most frequent spelling.
    api_record(id="j", name="Juliett", brewery_type="micro", country=" united  states ", state_province=" texas "),
    api_record(id="k", name="Kilo", brewery_type="brewpub", country=AU, state_province="act"),
    api_record(id="l", name="Lima", brewery_type="micro", country=US, state_province="District of Columbia"),
    api_record(id="m", name="Mike", brewery_type="micro", country=US, state_province="district of columbia"),
    api_record(id="n", name="November", brewery_type="micro", country=US, state_province="District of Columbia"),
    # Non-ASCII names and places are kept as they are; accents are not folded away.
    api_record(id="o", name="강릉브루어리 바이 현 (Gangneung_Brewery)", brewery_type="brewpub",
               country="South Korea", state_province="Gangwon-do"),
    api_record(id="p", name="Gassl Bräu", brewery_type="micro", country=BE, state_province="Région wallonne"),
    api_record(id="q", name="Brasserie Q", brewery_type="micro", country=BE, state_province="Région wallonne"),
    api_record(id="r", name="Santé!🍻", brewery_type="micro", country=BE, state_province="RÉGION WALLONNE"),
    api_record(id="s", name="Sierra", brewery_type="micro", country=BE, state_province="Region wallonne"),
    # No country, no state at all: kept under (unknown).
    api_record(id="t", name="Tango", brewery_type="micro", country=None, state_province=None),
    # Equally complete duplicates: the smallest by value wins.
    api_record(id="u", name="Uniform B", brewery_type="micro", country=DE, state_province="Bayern"),
    api_record(id="u", name="Uniform A", brewery_type="micro", country=DE, state_province="Bayern"),
]

# Lines that are not JSON objects: a truncated record and an array.
BROKEN_LINES = ['{"id":"zz","name":"Truncated', "[1, 2]"]

_NULLS = dict.fromkeys(
    ("name", "address_1", "address_2", "address_3", "city", "postal_code", "longitude", "latitude", "phone",
     "website_url", "coordinates_issue", "unrecognised_brewery_type"))


def _row(id, brewery_type, country, state, **fields):  # noqa: A002 - the column is called id
    return {**_NULLS, "id": id, "brewery_type": brewery_type, "country": country, "state": state, **fields}


EXPECTED_SILVER = {
    row["id"]: row
    for row in [
        _row("a", "micro", US, "Texas", name="Alpha  Brewing", city="Austin", longitude=-97.7, latitude=30.2,
             website_url="http://www.alpha.example/Beer?Id=1"),
        _row("b", "brewpub", DE, "Baden-Württemberg", name="Beta", coordinates_issue="not_a_number"),
        _row("c", "micro", DE, "Baden-Württemberg", name="Gamma", phone="+49 7021 123 456"),
        _row("d", "closed", AU, UNKNOWN, name="Delta"),
        _row("e", "micro", US, "Texas", name="Echo", coordinates_issue="swapped", phone="5125550100"),
        _row("f", "micro", US, "Texas", name="Foxtrot", coordinates_issue="out_of_range"),
        _row("g", "micro", US, "Texas", name="Golf", coordinates_issue="incomplete"),
        _row("h", "nano", AU, "ACT", name="Hotel", coordinates_issue="not_a_number"),
        _row("i", "unknown", AU, "ACT", name="India", unrecognised_brewery_type="Mega Brewery"),
        _row("j", "micro", US, "Texas", name="Juliett"),
        _row("k", "brewpub", AU, "ACT", name="Kilo"),
        _row("l", "micro", US, "District of Columbia", name="Lima"),
        _row("m", "micro", US, "District of Columbia", name="Mike"),
        _row("n", "micro", US, "District of Columbia", name="November"),
        _row("o", "brewpub", "South Korea", "Gangwon-do", name="강릉브루어리 바이 현 (Gangneung_Brewery)"),
        _row("p", "micro", BE, "Région wallonne", name="Gassl Bräu"),
        _row("q", "micro", BE, "Région wallonne", name="Brasserie Q"),
        _row("r", "micro", BE, "Région wallonne", name="Santé!🍻"),
        _row("s", "micro", BE, "Region wallonne", name="Sierra"),
        _row("t", "micro", UNKNOWN, UNKNOWN, name="Tango"),
        _row("u", "micro", DE, "Bayern", name="Uniform A"),
    ]
}

# (id, country, state, reason) of every rejected record; the raw line is checked separately.
EXPECTED_REJECTED = sorted([
    ("a", US, "Texas", "duplicate_id"),
    ("u", DE, "Bayern", "duplicate_id"),
    (None, AU, "NSW", "missing_id"),
    (None, AU, "NSW", "missing_id"),
    (None, None, None, "unreadable_record"),
    (None, None, None, "unreadable_record"),
], key=repr)

EXPECTED_GOLD = {
    (US, "Texas", "micro"): 5,
    (DE, "Baden-Württemberg", "brewpub"): 1,
    (DE, "Baden-Württemberg", "micro"): 1,
    (AU, UNKNOWN, "closed"): 1,
    (AU, "ACT", "nano"): 1,
    (AU, "ACT", "unknown"): 1,
    (AU, "ACT", "brewpub"): 1,
    (US, "District of Columbia", "micro"): 3,
    ("South Korea", "Gangwon-do", "brewpub"): 1,
    (BE, "Région wallonne", "micro"): 3,
    (BE, "Region wallonne", "micro"): 1,
    (UNKNOWN, UNKNOWN, "micro"): 1,
    (DE, "Bayern", "micro"): 1,
}
