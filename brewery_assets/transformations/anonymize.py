"""Silver -> the anonymized copy of silver: identifying columns replaced by a keyed hash.

Hashed columns (HMAC-SHA256, hex): `name`, `phone`, `address_1`, `address_2`, `address_3` and
`website_url`. Together they identify a brewery (and, for the smallest ones, often a person: a
home brewery's name, street and phone are the owner's). Everything needed for counts and maps at
the level of a place stays readable: id, brewery_type, city, postal_code, country, state,
coordinates and the quality flags. The id stays so rows can be joined back by those allowed to.

A plain sha256 of a name can be reversed by hashing candidate names (the catalogue is public);
a keyed hash cannot without the key. Equal inputs still give equal hashes under one key, so
de-duplication and joins across tables work. Null stays null.

HMAC is built from the engine's own `sha2` (no Python UDF), so it runs on any Spark:
HMAC(K, m) = sha256((K xor opad) || sha256((K xor ipad) || m)), with K padded to the 64-byte block.
"""

import hashlib

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

HASHED_COLUMNS: tuple[str, ...] = ("name", "phone", "address_1", "address_2", "address_3", "website_url")
_BLOCK_SIZE = 64


def _padded_key(key: bytes) -> bytes:
    if not key:
        raise ValueError("the HMAC key must not be empty")
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    return key.ljust(_BLOCK_SIZE, b"\0")


def hmac_sha256(column: Column, key: bytes) -> Column:
    """HMAC-SHA256 of the UTF-8 text of `column` under `key`, as 64 hex digits (null for null)."""
    block = _padded_key(key)
    inner_key = bytes(b ^ 0x36 for b in block)
    outer_key = bytes(b ^ 0x5C for b in block)
    inner = F.unhex(F.sha2(F.concat(F.lit(inner_key), F.encode(column, "UTF-8")), 256))
    return F.when(column.isNotNull(), F.sha2(F.concat(F.lit(outer_key), inner), 256))


def anonymize(silver: DataFrame, key: bytes) -> DataFrame:
    """Silver with every column of `HASHED_COLUMNS` replaced by its keyed hash, same columns and order."""
    return silver.select(
        *(hmac_sha256(F.col(c), key).alias(c) if c in HASHED_COLUMNS else F.col(c) for c in silver.columns)
    )
