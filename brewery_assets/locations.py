"""Locations: the (country, state) pairs that partition silver, and their Dagster partition keys.

A key reads like the location itself, `United States/Texas` or `Germany/Baden-Württemberg`, and
maps back to the exact strings. The characters Dagster, its UI partition picker or its CLI give a
meaning to (`,` `|` `[` `]`, `...`, control characters) and `/` and `%` themselves are
percent-encoded, so every key is safe and reversible.
"""

import json
from collections import Counter
from collections.abc import Iterable
from urllib.parse import unquote

# Rows without a usable country or state are kept under this value instead of being dropped.
UNKNOWN = "(unknown)"

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


def canonical_part(value: str | None) -> str:
    """A country or state as stored in silver: whitespace trimmed and collapsed; blank means UNKNOWN."""
    if value is None:
        return UNKNOWN
    collapsed = " ".join(value.split())
    return collapsed or UNKNOWN


def raw_location(record: dict) -> tuple[str | None, str | None]:
    """The (country, state) text of a bronze record as received (`state_province`, else `state`).

    Non-text values are rendered as JSON text, as Spark's `from_json` does for string fields.
    """
    state = record.get("state_province")
    if state is None:
        state = record.get("state")
    return _as_text(record.get("country")), _as_text(state)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def count_raw_locations(records: Iterable[dict], counts: Counter | None = None) -> Counter:
    """Counts records per raw (country, state) pair, adding to `counts` when given."""
    counts = Counter() if counts is None else counts
    counts.update(raw_location(record) for record in records)
    return counts


def location_mapping(counts: Counter) -> list[dict]:
    """Maps each raw (country, state) pair of a snapshot to its canonical location, with record counts.

    The mapping is stored in the snapshot's manifest; silver joins on it, and the same canonical
    locations become Dagster partitions, so partitions and silver rows cannot disagree.
    """
    return [
        {
            "country_raw": country_raw,
            "state_raw": state_raw,
            "country": canonical_part(country_raw),
            "state": canonical_part(state_raw),
            "records": count,
        }
        for (country_raw, state_raw), count in sorted(counts.items(), key=lambda item: repr(item[0]))
    ]


def locations_of(mapping: list[dict]) -> list[tuple[str, str]]:
    """The distinct canonical (country, state) locations of a mapping, sorted."""
    return sorted({(row["country"], row["state"]) for row in mapping})
