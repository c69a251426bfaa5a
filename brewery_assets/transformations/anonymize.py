"""Silver -> the anonymized copy of silver: a keyed pseudonym, and place and type generalised.

The copy is for counts and maps by place and type, read by people who must not learn which
brewery a row is, while the public catalogue (with every id, name, address and coordinate) is one
download away. It keeps (`ANONYMIZED_COLUMNS`):

- `brewery_key`: HMAC-SHA256 of silver's `id` under the secret key, as 64 hex digits. Stable across
  snapshots under one key, so the copy joins with itself over time; holders of the key map it back
  to silver (`pseudonyms`); without the key it matches no public id.
- `country`, `state`, `location_id`: the location, exactly as in silver (the copy is partitioned
  like silver, one partition per location).
- `brewery_type`: shown when at least `min_group_size` (k) breweries of the location share it,
  else null (withheld).
- `cell_latitude`, `cell_longitude`: the centre of the `grid_degrees`-wide grid cell holding the
  brewery, shown when at least k breweries of the location with the same shown type share it,
  else null (withheld, or no valid coordinates in silver).
- `ingest_date`: the snapshot.

Every group of rows alike on these columns then holds k rows or more, except in a location with
fewer than k breweries (see `k_anonymity`). Silver's other columns are left out: the public id;
name, phone, address lines and website (keyed hashes of them still link rows that share a value,
such as the branches of a chain, and whether each is empty splits groups further); city, postal
code and exact coordinates (each singles out most breweries); `coordinates_issue` and
`unrecognised_brewery_type` (rare values point at one row).

HMAC is built from the engine's own `sha2` (no Python UDF), so it runs on any Spark:
HMAC(K, m) = sha256((K xor opad) || sha256((K xor ipad) || m)), with K padded to the 64-byte block.
"""

import hashlib
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from brewery_assets.transformations.k_anonymity import grid_cell, withhold_small_groups

ANONYMIZED_COLUMNS: tuple[str, ...] = (
    "brewery_key",
    "brewery_type",
    "country",
    "state",
    "cell_latitude",
    "cell_longitude",
    "ingest_date",
    "location_id",
)
# Everything but the pseudonym is readable as is: these are the columns a join with the public
# catalogue can use, and what the copy's re-identification figures are measured on.
CLEAR_COLUMNS: tuple[str, ...] = tuple(c for c in ANONYMIZED_COLUMNS if c != "brewery_key")
ANONYMIZED_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "brewery_key": ("string", "keyed pseudonym of the brewery's id (HMAC-SHA256); stable under one key"),
    "brewery_type": ("string", "brewery type; null where fewer than k breweries of the location share it"),
    "country": ("string", "country, as in silver"),
    "state": ("string", "state or province, as in silver"),
    "cell_latitude": ("double", "latitude of the map cell's centre; null where the cell holds fewer than k"),
    "cell_longitude": ("double", "longitude of the map cell's centre; null where the cell holds fewer than k"),
    "ingest_date": ("date", "the bronze snapshot the row comes from"),
    "location_id": ("string", "the location's partition folder, as in silver"),
}
_BLOCK_SIZE = 64


@dataclass(frozen=True)
class Generalisation:
    """How coarse the copy is: `min_group_size` is k (1 withholds nothing), `grid_degrees` the
    width of a map cell in degrees (1.0 is about 111 km north to south)."""

    min_group_size: int = 5
    grid_degrees: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.min_group_size, bool) or not isinstance(self.min_group_size, int) \
                or self.min_group_size < 1:
            raise ValueError(f"min_group_size must be a whole number of at least 1, not {self.min_group_size!r}")
        if isinstance(self.grid_degrees, bool) or not isinstance(self.grid_degrees, int | float) \
                or not 0 < self.grid_degrees <= 180:
            raise ValueError(f"grid_degrees must be above 0 and at most 180, not {self.grid_degrees!r}")


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


def pseudonyms(silver: DataFrame, key: bytes) -> DataFrame:
    """(`brewery_key`, `id`, `location_id`) for every silver row: how holders of the key map the
    copy back to silver, and what the copy's rows are checked against."""
    return silver.select(hmac_sha256(F.col("id"), key).alias("brewery_key"), "id", "location_id")


def anonymize(silver: DataFrame, key: bytes, generalisation: Generalisation = Generalisation()) -> DataFrame:
    """The anonymized copy of `silver` (`ANONYMIZED_COLUMNS`, one row per silver row).

    Groups never span locations, so rebuilding some locations gives them the rows a rebuild of
    every location would.
    """
    k = generalisation.min_group_size
    rows = silver.select(
        hmac_sha256(F.col("id"), key).alias("brewery_key"),
        "brewery_type",
        "country",
        "state",
        grid_cell(F.col("latitude"), generalisation.grid_degrees).alias("cell_latitude"),
        grid_cell(F.col("longitude"), generalisation.grid_degrees).alias("cell_longitude"),
        "ingest_date",
        "location_id",
    )
    typed = withhold_small_groups(rows, ["location_id"], ["brewery_type"], k)
    return withhold_small_groups(typed, ["location_id", "brewery_type"], ["cell_latitude", "cell_longitude"], k)
