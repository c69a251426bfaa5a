"""A record's id, read the same way in Python (bronze, at ingestion) and in Spark (silver), and a
checksum of a set of ids that both sides compute identically.

The id is the text of the record's `id` field (a number or other JSON value as Spark's `from_json`
renders it into a string field), trimmed of whitespace; blank means none. The checksum of a set of
ids is the sum of the first 60 bits of each id's SHA-256, so silver and its quarantine can be
checked against the ids bronze counted when it stored the snapshot, without parsing the snapshot
again.
"""

import hashlib

from brewery_assets.locations import as_spark_text

# Characters trimmed from both ends of a value: whitespace, including the no-break space.
TRIMMED_CHARACTERS = " \t\n\r\x0b\x0c\u00a0"
# Hex digits of the SHA-256 that make an id's hash (60 bits: sums of millions fit a decimal(38)).
HASH_HEX_DIGITS = 15


def silver_id(record: object) -> str | None:
    """The id of a bronze element as silver reads it; None for an element without one."""
    if not isinstance(record, dict):
        return None
    text = as_spark_text(record.get("id"))
    if text is None:
        return None
    return text.strip(TRIMMED_CHARACTERS) or None


def id_hash(identifier: str) -> int:
    """One id's share of an id checksum."""
    return int(hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:HASH_HEX_DIGITS], 16)
