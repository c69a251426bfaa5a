"""Locations: the (country, state) pairs that partition silver, and their Dagster partition keys.

A key reads like the location itself, `United States/Texas` or `Germany/Baden-Württemberg`, and
maps back to the exact strings. The characters Dagster, its UI partition picker or its CLI give a
meaning to (`,` `|` `[` `]`, `...`, control characters) and `/` and `%` themselves are
percent-encoded, so every key is safe and reversible.
"""

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import unquote

# Rows without a usable country or state are kept under this value instead of being dropped.
UNKNOWN = "(unknown)"

# The longest country or state name accepted. Real names are far shorter (a Greek region,
# "Αποκεντρωμένη Διοίκηση Πελοποννήσου, Δυτικής Ελλάδας και Ιονίου", has 63 characters); a longer
# value is a broken record, kept in the quarantine instead of becoming a partition.
MAX_LOCATION_LENGTH = 120
# Why a raw location cannot be a silver location (the record is rejected as `invalid_location`).
TOO_LONG = "too_long"
CONTROL_CHARACTERS = "control_characters"
NOT_TEXT = "not_text"

_SEPARATOR = "/"
_ESCAPED = {"%", "/", ",", "|", "[", "]"}


def _escape(text: str) -> str:
    out = "".join(f"%{ord(ch):02X}" if ch in _ESCAPED or ord(ch) < 0x20 or ord(ch) == 0x7F else ch
                  for ch in text)
    return out.replace("...", "%2E%2E%2E")


def location_key(country: str, state: str) -> str:
    """The partition key of a (country, state) location."""
    return f"{_escape(country)}{_SEPARATOR}{_escape(state)}"


def parse_location_key(key: str) -> tuple[str, str]:
    """The exact (country, state) of a partition key made by `location_key`."""
    country, sep, state = key.partition(_SEPARATOR)
    if not sep or _SEPARATOR in state:
        raise ValueError(f"not a location partition key (expected 'country/state'): {key!r}")
    return unquote(country, errors="strict"), unquote(state, errors="strict")


def location_id(country: str, state: str) -> str:
    """The physical partition value of a location in the Delta tables: short, ASCII and unique.

    Delta names a partition's folder after its value, percent-encoded; a long or non-Latin name
    would exceed the 255-byte limit of common file systems. This id stays under 90 ASCII
    characters, starts with a readable slug (`united-states.texas.`) and ends with 16 hex digits of
    the SHA-256 of the exact pair, so two locations never share a folder. The `country` and `state`
    columns keep the exact names.
    """
    digest = hashlib.sha256(f"{country}\x00{state}".encode()).hexdigest()[:16]
    return f"{_slug(country)[:30]}.{_slug(state)[:40]}.{digest}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "_"


def location_issue(value: str) -> str | None:
    """Why a canonical country or state cannot name a location, or None when it can.

    A value the source sent as an object or array reaches silver as its JSON text; no place is
    named like that, nor with control characters or hundreds of characters.
    """
    if value.startswith(("{", "[")):
        return NOT_TEXT
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        return CONTROL_CHARACTERS
    if len(value) > MAX_LOCATION_LENGTH:
        return TOO_LONG
    return None


def canonical_part(value: str | None) -> str:
    """A country or state as stored in silver: whitespace trimmed and collapsed; blank means UNKNOWN."""
    if value is None:
        return UNKNOWN
    collapsed = " ".join(value.split())
    return collapsed or UNKNOWN


def raw_location(record: dict) -> tuple[str | None, str | None]:
    """The (country, state) text of a bronze record as received (`state_province`, else `state`).

    Non-text values are rendered as Spark's `from_json` renders them into a string field (`as_spark_text`),
    so this mapping and silver's join agree on every record.
    """
    state = record.get("state_province")
    if state is None:
        state = record.get("state")
    return as_spark_text(record.get("country")), as_spark_text(state)


# The integers the embedded engine's JSON reader keeps exact (i64 and u64); others it reads as doubles.
_EXACT_INTEGERS = range(-(2**63), 2**64)


def as_spark_text(value: object) -> str | None:
    """A JSON value as Spark's `from_json` gives it for a string field, measured on the embedded engine.

    Text as it is; anything else as compact JSON (separators `,` `:`, non-ASCII characters as they
    are) with numbers written as the engine writes them (`_number_text`). Floats with 17 significant
    digits may still differ by their last digit: the engine's reader rounds some of them to a
    neighbouring double. JVM Spark writes exponents Java's way (`1.0E16`), so there such values differ.
    """
    if value is None or isinstance(value, str):
        return value
    return _as_json(value)


def _as_json(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(key), ensure_ascii=False)}:{_as_json(item)}"
                              for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_as_json, value)) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return _number_text(value)
    return json.dumps(value, ensure_ascii=False)


def _number_text(number: int | float) -> str:
    """A JSON number as the embedded engine writes it back: Python's shortest round-trip digits, but
    plain from 1e-5 (`0.00001`, where Python writes `1e-05`) and exponents without padding (`1e-7`)."""
    if isinstance(number, int) and number in _EXACT_INTEGERS:
        return str(number)
    text = repr(float(number))
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    if int(exponent) == -5:
        return format(Decimal(text), "f")
    return f"{mantissa}e{'-' if exponent.startswith('-') else '+'}{exponent.lstrip('+-').lstrip('0')}"


def count_raw_locations(records: Iterable, counts: Counter | None = None) -> Counter:
    """Counts records per raw (country, state) pair, adding to `counts` when given.

    Elements that are not JSON objects (a string, a number, null in a page) have no location and
    are not counted: silver rejects them as unreadable records.
    """
    counts = Counter() if counts is None else counts
    counts.update(raw_location(record) for record in records if isinstance(record, dict))
    return counts


def location_mapping(counts: Counter) -> list[dict]:
    """Maps each raw (country, state) pair of a snapshot to its canonical location, with record counts.

    The mapping is stored in the snapshot's manifest; silver joins on it, and the same canonical
    locations become Dagster partitions, so partitions and silver rows cannot disagree.
    """
    rows = [
        {"country_raw": country_raw, "state_raw": state_raw, "records": count}
        for (country_raw, state_raw), count in sorted(counts.items(), key=lambda item: repr(item[0]))
    ]
    return canonical_mapping(rows)


def canonical_mapping(mapping: list[dict]) -> list[dict]:
    """The mapping rows (`country_raw`, `state_raw`, `records`) with their canonical `country`, `state`,
    `location_id` and `location_issue`.

    The rule, applied to the whole snapshot at once:
    1. whitespace is trimmed and collapsed; a missing or blank value becomes `UNKNOWN`;
    2. spellings that differ only in letter case (Unicode case folding, so `ß`/`SS` and `Ü`/`ü`
       fold, while accents are kept: `Région` and `Region` stay apart) are one place;
    3. the place is spelled as most of the snapshot's records spell it; a tie goes to the
       spelling that sorts first by code point (upper case before lower case), so the choice
       never depends on reading order.
    Countries are merged first and states within their merged country. Canonical spellings
    such as `ACT`, `NSW`, `District of Columbia` or `Baden-Württemberg` are never re-cased: only
    another spelling that the snapshot itself uses can replace them, `MIssouri` (1 record)
    becoming `Missouri` (141).
    4. A pair whose country or state cannot name a place (`location_issue`) gets null `country`,
       `state` and `location_id` and the issue in `location_issue`: its records are rejected.
    The stored `country`/`state` of `mapping` are ignored and recomputed, so every reader of a
    manifest applies the current rule.
    """
    countries = _spellings((canonical_part(row["country_raw"]), row["records"]) for row in mapping)
    states = _spellings(
        ((_fold(countries[canonical_part(row["country_raw"])]), canonical_part(row["state_raw"])), row["records"])
        for row in mapping
    )
    rows = []
    for row in mapping:
        country = countries[canonical_part(row["country_raw"])]
        state = states[(_fold(country), canonical_part(row["state_raw"]))]
        issue = location_issue(country) or location_issue(state)
        rows.append({
            "country_raw": row["country_raw"],
            "state_raw": row["state_raw"],
            "country": None if issue else country,
            "state": None if issue else state,
            "location_id": None if issue else location_id(country, state),
            "location_issue": issue,
            "records": row["records"],
        })
    return rows


def _fold(text: str) -> str:
    return text.casefold()


def _spellings(weighted: Iterable[tuple]) -> dict:
    """For (key, records) pairs whose key ends in a spelling: each key -> the chosen spelling of its group.

    A group is every key equal up to case folding of its last element; its spelling is the most
    frequent one, ties broken by code point order.
    """
    totals: Counter = Counter()
    for key, records in weighted:
        totals[key] += records
    groups: dict[tuple, list] = {}
    for key, records in totals.items():
        *scope, spelling = key if isinstance(key, tuple) else (key,)
        groups.setdefault((*scope, _fold(spelling)), []).append((-records, spelling, key))
    chosen = {}
    for members in groups.values():
        members.sort(key=lambda member: (member[0], member[1]))
        for _, _, key in members:
            chosen[key] = members[0][1]
    return chosen


def locations_of(mapping: list[dict]) -> list[tuple[str, str]]:
    """The distinct canonical (country, state) locations of a manifest's mapping rows, sorted; pairs
    that cannot name a place are left out.

    The canonical spellings are recomputed with `canonical_mapping`, the same function silver uses.
    """
    return sorted({(row["country"], row["state"]) for row in canonical_mapping(mapping) if not row["location_issue"]})
