"""Bronze JSON lines -> the typed, de-duplicated silver table of breweries."""

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS

# Every bronze field is read as text: the API sends coordinates as numbers or strings, and a
# strict reader would fail on whichever it did not expect. Typing happens in `build_silver`.
BRONZE_RECORD_SCHEMA = ", ".join(f"{name} string" for name in BREWERY_FIELDS)

# The silver columns, in order. `country` and `state` are the physical partition columns.
SILVER_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "brewery_type",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "postal_code",
    "country",
    "state",
    "longitude",
    "latitude",
    "phone",
    "website_url",
    "ingest_date",
)
PARTITION_COLUMNS: tuple[str, str] = ("country", "state")

_COORDINATES = ("longitude", "latitude")
_TEXT_COLUMNS = ("name", "address_1", "address_2", "address_3", "city", "postal_code", "phone", "website_url")


def read_bronze(spark: SparkSession, snapshot_dir: str) -> DataFrame:
    """The records of one bronze snapshot: one row per JSON line, every field as text, plus the raw line."""
    lines = spark.read.text(f"{snapshot_dir.rstrip('/')}/*.jsonl")
    return parse_bronze_lines(lines)


def parse_bronze_lines(lines: DataFrame) -> DataFrame:
    """Parses a DataFrame of JSON lines (column `value`) into the 16 API fields plus `raw_record`.

    Coordinates are taken as the JSON text of the value (`get_json_object`): the embedded engine's
    JSON reader rounds some 17-digit numbers to a neighbouring double, the text casts exactly.
    """
    parsed = lines.select(
        F.col("value").alias("raw_record"),
        F.from_json("value", BRONZE_RECORD_SCHEMA).alias("record"),
    )
    return parsed.select(
        *(
            F.get_json_object("raw_record", f"$.{name}").alias(name)
            if name in _COORDINATES
            else F.col(f"record.{name}").alias(name)
            for name in BREWERY_FIELDS
        ),
        "raw_record",
    )


def _clean_text(column: Column) -> Column:
    """Trimmed text, with blank values as null."""
    trimmed = F.trim(column)
    return F.when(trimmed == "", F.lit(None)).otherwise(trimmed)


def _coordinate(column: Column, limit: float) -> Column:
    """A coordinate as a double, null when it is not a number within [-limit, limit].

    `try_cast`: ANSI engines raise on text that is not a number; it must become null instead.
    """
    value = _clean_text(column).try_cast("double")
    return F.when(F.abs(value) <= limit, value)


def build_silver(raw: DataFrame, locations: DataFrame, ingest_date: str) -> DataFrame:
    """Cleans, types and de-duplicates bronze records into silver rows.

    `raw` is `read_bronze` output. `locations` maps the raw (`country_raw`, `state_raw`) values
    of the snapshot to their canonical (`country`, `state`) partition values; it is computed once
    per snapshot (see `brewery_assets.locations`) so partition keys and silver rows always agree.
    Records without an id cannot be keyed and are left out here; `records_without_id` counts them.
    """
    state_raw = F.coalesce(F.col("state_province"), F.col("state"))
    typed = raw.select(
        _clean_text(F.col("id")).alias("id"),
        *(_clean_text(F.col(name)).alias(name) for name in _TEXT_COLUMNS),
        F.lower(_clean_text(F.col("brewery_type"))).alias("brewery_type"),
        F.col("country").alias("country_raw"),
        state_raw.alias("state_raw"),
        _coordinate(F.col("longitude"), 180.0).alias("longitude"),
        _coordinate(F.col("latitude"), 90.0).alias("latitude"),
    ).where(F.col("id").isNotNull())

    mapping = locations.select(
        F.col("country_raw").alias("_country_raw"),
        F.col("state_raw").alias("_state_raw"),
        "country",
        "state",
    )
    located = typed.join(
        mapping,
        on=typed.country_raw.eqNullSafe(mapping._country_raw) & typed.state_raw.eqNullSafe(mapping._state_raw),
        how="left",
    ).drop("country_raw", "state_raw", "_country_raw", "_state_raw")

    return (
        deduplicate_by_id(located)
        .withColumn("ingest_date", F.to_date(F.lit(ingest_date)))
        .select(*SILVER_COLUMNS)
    )


def deduplicate_by_id(rows: DataFrame) -> DataFrame:
    """One row per id. When an id repeats, the most complete row wins, then the smallest by value.

    The order does not depend on how the rows were read, so every run keeps the same row.
    """
    filled = sum(F.when(F.col(c).isNotNull(), 1).otherwise(0) for c in rows.columns)
    tie_breakers = [F.col(c).asc_nulls_last() for c in rows.columns if c != "id"]
    ranking = Window.partitionBy("id").orderBy(filled.desc(), *tie_breakers)
    return rows.withColumn("_rank", F.row_number().over(ranking)).where("_rank = 1").drop("_rank")


def records_without_id(raw: DataFrame) -> int:
    """How many bronze records have no usable id."""
    return raw.where(_clean_text(F.col("id")).isNull()).count()


def restrict_to_locations(silver: DataFrame, locations: list[tuple[str, str]]) -> DataFrame:
    """Only the rows of the given (country, state) locations."""
    return silver.where(location_predicate(locations))


def location_predicate(locations: list[tuple[str, str]]) -> Column:
    """A filter matching exactly the given (country, state) pairs."""
    if not locations:
        return F.lit(False)
    predicate = None
    for country, state in locations:
        pair = (F.col("country") == F.lit(country)) & (F.col("state") == F.lit(state))
        predicate = pair if predicate is None else predicate | pair
    return predicate
