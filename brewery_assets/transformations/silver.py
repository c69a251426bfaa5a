"""Bronze JSON lines -> the typed, de-duplicated silver table, and the records that cannot enter it.

Cleaning rules, in the order they apply (each has a test in
brewery_assets_tests/transformations/test_silver_and_gold.py):

1. Readable records only. A line that is not a JSON object (truncated, garbage, an array) is
   rejected as `unreadable_record`; its raw line is kept in the rejected table.
2. Text is trimmed (spaces, tabs, line breaks, no-break spaces) and a blank value is null. Inner
   spacing and every other character are the source's: names such as `Gassl Bräu` or Hangul
   names are not touched.
3. `id` is required: a record without one cannot be keyed and is rejected as `missing_id`.
4. Coordinates are parsed from numbers or numeric text with SQL `try_cast`: ANSI engines raise on
   text that is not a number with a plain cast, and the SQL form runs on Spark 3.2 and later
   (`Column.try_cast` needs PySpark 4, EMR 7.x runs Spark 3.5). Latitude must be within +-90 and
   longitude within +-180, and a located pair must lie in its country's boxes
   (`transformations.country_bounds`; countries not listed there are not checked). When the pair
   fails, both values become null and `coordinates_issue` says why, and the row is kept:
   `incomplete` (only one given), `not_a_number`, `swapped` (the pair is out of range, or outside
   its country, but would be valid exchanged), `out_of_range`, `outside_country` (in range but
   outside the country either way, such as a lost sign). Nothing is swapped back: the source is
   wrong and the fix belongs there.
5. `brewery_type` is lower-cased and checked against the API's list
   (`openbrewerydb.fields.BREWERY_TYPES`). A value outside it becomes `unknown` (the API's own
   default) and the original text is kept in `unrecognised_brewery_type`, so a new type from the
   source neither drops breweries nor breaks gold; the source-drift check reports it.
6. The location is the canonical (country, state) of the record's raw pair, from the snapshot's
   mapping (`locations.canonical_mapping`): whitespace and case variants merged, a missing
   country or state kept as `(unknown)` rather than dropped. Its `location_id` (a short ASCII id,
   `locations.location_id`) is the physical partition, so a long or non-Latin name never becomes a
   folder name. A pair that cannot name a place (an object or array sent as the state, control
   characters, hundreds of characters) is rejected as `invalid_location`, raw record kept.
7. `website_url`: the scheme and host are lower-cased (both are case-insensitive, RFC 3986); the
   path and query are kept as they are, and nothing is added to a value without a scheme.
8. `phone`: a United States number that is exactly 10 digits once spaces, dots, dashes and
   brackets are removed is stored as the 10 bare digits, the form of most US rows. Any other
   value (international, extensions, text) is kept as trimmed text: rewriting it is not safe.
9. Duplicate ids: one row per id. The most complete row wins, then the smallest by value (and by
   raw line), so the same input always gives the same row whatever the read order. The other
   rows go to the rejected table as `duplicate_id`.

Every bronze record ends up in exactly one place: a silver row, or a rejected row with a reason.
"""

from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from brewery_assets.locations import location_id
from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, BREWERY_TYPES
from brewery_assets.record_ids import HASH_HEX_DIGITS, TRIMMED_CHARACTERS
from brewery_assets.transformations.country_bounds import COUNTRY_BOXES

# Every bronze field is read as text: the API sends coordinates as numbers or strings, and a
# strict reader would fail on whichever it did not expect. Typing happens in `classify_records`.
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
    "coordinates_issue",
    "unrecognised_brewery_type",
    "ingest_date",
    "location_id",
)
# Each silver column's type and meaning, for the table's column schema in the UI and the catalog.
SILVER_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "id": ("string", "Open Brewery DB id, trimmed; one row per id"),
    "name": ("string", "the brewery's name"),
    "brewery_type": ("string", "one of the API's brewery types, lower-cased; `unknown` for any other value"),
    "address_1": ("string", "street address"),
    "address_2": ("string", "street address, second line"),
    "address_3": ("string", "street address, third line"),
    "city": ("string", "city"),
    "postal_code": ("string", "postal code as the source wrote it"),
    "country": ("string", "country, merged across case and whitespace variants; `(unknown)` when missing"),
    "state": ("string", "state or province (`state_province`, else `state`), merged like country"),
    "longitude": ("double", "longitude in degrees; null when the pair is missing or invalid"),
    "latitude": ("double", "latitude in degrees; null when the pair is missing or invalid"),
    "phone": ("string", "phone; a US number with separators as its 10 digits"),
    "website_url": ("string", "website, scheme and host lower-cased"),
    "coordinates_issue": ("string", "why the coordinates were nulled: incomplete, not_a_number, swapped, "
                          "out_of_range, outside_country"),
    "unrecognised_brewery_type": ("string", "the source's brewery_type when it is not one of the API's"),
    "ingest_date": ("date", "the bronze snapshot (ingestion day) the row comes from"),
    "location_id": ("string", "the location's partition folder: a short ASCII id of (country, state)"),
}
# Columns that identify a business or the person behind a small one.
IDENTIFYING_COLUMNS = frozenset({"name", "address_1", "address_2", "address_3", "phone", "website_url"})

# The physical partition column: one folder per location, named by its bounded id.
PARTITION_COLUMNS: tuple[str, ...] = ("location_id",)

# The rejected (quarantine) table: the record as received, why it was kept out, and from which snapshot.
REJECTED_COLUMNS: tuple[str, ...] = ("id", "country", "state", "reject_reason", "raw_record", "ingest_date")

# Why a bronze record is not a silver row.
UNREADABLE_RECORD = "unreadable_record"
MISSING_ID = "missing_id"
INVALID_LOCATION = "invalid_location"
DUPLICATE_ID = "duplicate_id"
REJECT_REASONS: tuple[str, ...] = (UNREADABLE_RECORD, MISSING_ID, INVALID_LOCATION, DUPLICATE_ID)

# Why a row's coordinates were nulled.
COORDINATE_ISSUES: tuple[str, ...] = ("incomplete", "not_a_number", "swapped", "out_of_range", "outside_country")

UNKNOWN_TYPE = "unknown"
US = "United States"

_COORDINATES = ("longitude", "latitude")
# Working columns of `classify_records`: the cleaned coordinate text, before it is parsed.
_LONGITUDE_TEXT, _LATITUDE_TEXT = "_longitude_text", "_latitude_text"
_TEXT_COLUMNS = ("name", "address_1", "address_2", "address_3", "city", "postal_code")
# Scheme and host of a URL; both are case-insensitive, the rest is not.
_URL_HEAD = r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(.*)$"


LOCATION_MAPPING_SCHEMA = "country_raw string, state_raw string, country string, state string, location_id string"


def location_frame(spark: SparkSession, mapping: list[dict]) -> DataFrame:
    """A snapshot's location mapping (`locations.canonical_mapping` rows) as the DataFrame
    `classify_records` joins on."""
    return spark.createDataFrame(
        [(m["country_raw"], m["state_raw"], m["country"], m["state"], m["location_id"]) for m in mapping],
        LOCATION_MAPPING_SCHEMA,
    )


def read_bronze_lines(spark: SparkSession, snapshot_dir: str) -> DataFrame:
    """The JSON lines of one bronze snapshot (column `value`), as stored."""
    return spark.read.text(f"{snapshot_dir.rstrip('/')}/*.jsonl")




def parse_bronze_lines(lines: DataFrame) -> DataFrame:
    """Parses a DataFrame of JSON lines (column `value`) into the 16 API fields, `raw_record` and `readable`.

    `readable` is false when the line is not a JSON object: engines disagree on what `from_json`
    gives for such a line (a null struct, or a struct of nulls), while `json_object_keys` is null
    on both. Coordinates are taken as the JSON text of the value (`get_json_object`): the embedded
    engine's JSON reader rounds some 17-digit numbers to a neighbouring double, the text casts exactly.
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
        F.json_object_keys("raw_record").isNotNull().alias("readable"),
    )


def clean_text(column: Column) -> Column:
    """Trimmed text, with blank values as null."""
    # `btrim` (PySpark >= 3.5) is `trim` with characters to remove; `F.trim` takes them only from PySpark 4.0.
    trimmed = F.btrim(column, F.lit(TRIMMED_CHARACTERS))
    return F.when(trimmed == "", F.lit(None)).otherwise(trimmed)


def coordinate_issue(longitude: Column, latitude: Column) -> Column:
    """Why a pair of parsed doubles is not a position on Earth, or null when it is (or is absent)."""
    lon, lat = longitude, latitude
    return (
        F.when(F.isnan(lon) | F.isnan(lat), F.lit("not_a_number"))
        .when((F.abs(lat) > 90) & (F.abs(lat) <= 180) & (F.abs(lon) <= 90), F.lit("swapped"))
        .when((F.abs(lat) > 90) | (F.abs(lon) > 180), F.lit("out_of_range"))
    )


def _in_boxes(country: Column, longitude: Column, latitude: Column) -> Column:
    """Whether the position is in one of its country's boxes; null for a country without boxes."""
    inside = None
    for name, boxes in COUNTRY_BOXES.items():
        in_any = reduce(lambda either, box: either | (longitude.between(box[0], box[2])
                                                      & latitude.between(box[1], box[3])), boxes, F.lit(False))
        inside = (F if inside is None else inside).when(country == F.lit(name), in_any)
    return inside


def country_issue(country: Column, longitude: Column, latitude: Column, issue: Column) -> Column:
    """`issue`, or for a valid pair outside its country's boxes `swapped` (the exchanged pair is in
    them) or `outside_country`."""
    outside = issue.isNull() & longitude.isNotNull() & ~_in_boxes(country, longitude, latitude)
    return (
        F.when(outside & _in_boxes(country, latitude, longitude), F.lit("swapped"))
        .when(outside, F.lit("outside_country"))
        .otherwise(issue)
    )


def _try_double(column_name: str) -> Column:
    """The text of a column as a double, or null when it is not a number.

    SQL `try_cast` (Spark >= 3.2) rather than `Column.try_cast`, which only exists from PySpark 4.0
    (EMR 7.x runs Spark 3.5); a plain cast raises on such text on ANSI engines. SQL can only name a
    column, hence a name and not a Column.
    """
    return F.expr(f"try_cast(`{column_name}` AS DOUBLE)")


def _coordinates(longitude_text: str, latitude_text: str) -> tuple[Column, Column, Column]:
    """(longitude, latitude, coordinates_issue) from the columns of cleaned source text (`clean_text`)
    named; values are null when there is an issue."""
    lon_text, lat_text = F.col(longitude_text), F.col(latitude_text)
    lon, lat = _try_double(longitude_text), _try_double(latitude_text)
    # Text that is not a number parses to null; it counts as given, so it is reported, not hidden.
    unparsed = (lon_text.isNotNull() & lon.isNull()) | (lat_text.isNotNull() & lat.isNull())
    issue = (
        F.when(lon_text.isNull() != lat_text.isNull(), F.lit("incomplete"))
        .when(unparsed, F.lit("not_a_number"))
        .otherwise(coordinate_issue(lon, lat))
    )
    return F.when(issue.isNull(), lon), F.when(issue.isNull(), lat), issue


def brewery_type(raw_type: Column) -> tuple[Column, Column]:
    """(brewery_type, unrecognised_brewery_type): the lower-cased type if the API knows it, else `unknown`
    with the original text kept beside it."""
    text = clean_text(raw_type)
    lowered = F.lower(text)
    known = lowered.isin(*BREWERY_TYPES)
    return (
        F.when(known, lowered).otherwise(F.lit(UNKNOWN_TYPE)),
        F.when(text.isNotNull() & ~known, text),
    )


def website_url(raw_url: Column) -> Column:
    """The URL with its scheme and host lower-cased; a value without a scheme is kept as it is."""
    url = clean_text(raw_url)
    head = F.lower(F.regexp_extract(url, _URL_HEAD, 1))
    return F.when(url.rlike(_URL_HEAD), F.concat(head, F.regexp_extract(url, _URL_HEAD, 2))).otherwise(url)


def phone(raw_phone: Column, country: Column) -> Column:
    """A US number written with separators as its 10 bare digits; any other value as trimmed text."""
    text = clean_text(raw_phone)
    digits = F.regexp_replace(text, r"[ ().-]", "")
    return F.when((country == F.lit(US)) & digits.rlike(r"^[0-9]{10}$"), digits).otherwise(text)


def classify_records(raw: DataFrame, locations: DataFrame, ingest_date: str) -> DataFrame:
    """Every bronze record cleaned and typed, with `reject_reason` (null when it may enter silver).

    `raw` is `parse_bronze_lines` output. `locations` maps the raw (`country_raw`, `state_raw`) values of
    the snapshot to their canonical (`country`, `state`, `location_id`), null for a pair that
    cannot name a place; it is computed once per snapshot in Python (`locations.canonical_mapping`),
    so partition keys and silver rows always agree. A record whose pair is not in the mapping is
    rejected as `invalid_location` too: it cannot be placed, and must not stop the table.
    """
    state_raw = F.coalesce(F.col("state_province"), F.col("state"))
    # The cleaned coordinate text gets a name first: `_try_double` is SQL, which refers to columns by name.
    raw = raw.withColumns(
        {_LONGITUDE_TEXT: clean_text(F.col("longitude")), _LATITUDE_TEXT: clean_text(F.col("latitude"))}
    )
    longitude, latitude, issue = _coordinates(_LONGITUDE_TEXT, _LATITUDE_TEXT)
    type_value, unrecognised = brewery_type(F.col("brewery_type"))
    identifier = clean_text(F.col("id"))
    typed = raw.select(
        identifier.alias("id"),
        *(clean_text(F.col(name)).alias(name) for name in _TEXT_COLUMNS),
        type_value.alias("brewery_type"),
        F.col("country").alias("country_raw"),
        state_raw.alias("state_raw"),
        longitude.alias("longitude"),
        latitude.alias("latitude"),
        F.col("phone").alias("phone_raw"),
        website_url(F.col("website_url")).alias("website_url"),
        issue.alias("coordinates_issue"),
        unrecognised.alias("unrecognised_brewery_type"),
        "raw_record",
        F.when(~F.col("readable"), F.lit(UNREADABLE_RECORD))
        .when(identifier.isNull(), F.lit(MISSING_ID))
        .alias("_reason"),
    )

    mapping = locations.select(
        F.col("country_raw").alias("_country_raw"),
        F.col("state_raw").alias("_state_raw"),
        F.col("country").alias("_country"),
        F.col("state").alias("_state"),
        F.col("location_id").alias("_location_id"),
    )
    located = typed.join(
        mapping,
        on=typed.country_raw.eqNullSafe(mapping._country_raw) & typed.state_raw.eqNullSafe(mapping._state_raw),
        how="left",
    )
    # An unreadable line has no location: its fields are not the source's.
    readable = F.col("_reason").isNull() | (F.col("_reason") != F.lit(UNREADABLE_RECORD))
    # A position is checked against the canonical country, which is known only now.
    issue = country_issue(F.col("_country"), F.col("longitude"), F.col("latitude"), F.col("coordinates_issue"))
    located = located.withColumns({
        "longitude": F.when(issue.isNull(), F.col("longitude")),
        "latitude": F.when(issue.isNull(), F.col("latitude")),
        "coordinates_issue": issue,
    }).select(
        *(c for c in typed.columns if c not in ("country_raw", "state_raw", "phone_raw", "_reason")),
        F.when(readable, F.col("_country")).alias("country"),
        F.when(readable, F.col("_state")).alias("state"),
        F.when(readable, F.col("_location_id")).alias("location_id"),
        phone(F.col("phone_raw"), F.col("_country")).alias("phone"),
        F.coalesce(F.col("_reason"), F.when(F.col("_location_id").isNull(), F.lit(INVALID_LOCATION)))
        .alias("reject_reason"),
    )
    return located.withColumn("ingest_date", F.to_date(F.lit(ingest_date)))


def rank_duplicates(rows: DataFrame) -> DataFrame:
    """Adds `keep`: true on the one row silver keeps among rows of the same id.

    The most complete row wins, then the smallest by value, then (when `rows` has it) by raw line;
    the order does not depend on how the rows were read, so every run keeps the same row.
    """
    data_columns = [c for c in SILVER_COLUMNS if c in rows.columns and c != "id"]
    filled = sum(F.when(F.col(c).isNotNull(), 1).otherwise(0) for c in data_columns)
    order = [*data_columns, "raw_record"] if "raw_record" in rows.columns else data_columns
    ranking = Window.partitionBy("id").orderBy(filled.desc(), *(F.col(c).asc_nulls_last() for c in order))
    return rows.withColumn("keep", F.row_number().over(ranking) == 1)


def _valid(classified: DataFrame) -> DataFrame:
    return classified.where(F.col("reject_reason").isNull())


def silver_rows(classified: DataFrame, has_duplicates: bool = True) -> DataFrame:
    """The silver table's rows: one per id, valid records only.

    `has_duplicates=False` (the caller knows that no id repeats) skips the ranking, which is a
    sort of the whole snapshot. The raw line is left out of the ranking: it only
    breaks ties between rows whose silver columns are all equal, and then every candidate gives the
    same silver row.
    """
    valid = _valid(classified).select(*SILVER_COLUMNS)
    if not has_duplicates:
        return valid
    return rank_duplicates(valid).where(F.col("keep")).drop("keep")


def _repeated_ids(valid: DataFrame) -> DataFrame:
    """The ids carried by more than one valid record (normally none)."""
    return valid.groupBy("id").agg(F.count(F.lit(1)).alias("_records")).where("_records > 1").select("id")


def rejected_rows(classified: DataFrame, has_duplicates: bool = True) -> DataFrame:
    """The rejected table's rows: every record that is not a silver row, with its reason and raw line.

    `has_duplicates=False` (the caller knows that no id repeats) leaves out the search for losing duplicates.
    """
    invalid = classified.where(F.col("reject_reason").isNotNull()).select(*REJECTED_COLUMNS)
    if not has_duplicates:
        return invalid
    # Only the records of repeated ids are ranked (with the same order as silver's): ranking every
    # row would sort the whole snapshot again to find the few losers.
    valid = _valid(classified)
    repeated = valid.join(_repeated_ids(valid), on="id", how="left_semi")
    losers = rank_duplicates(repeated).where(~F.col("keep")).drop("keep")
    return invalid.unionByName(losers.withColumn("reject_reason", F.lit(DUPLICATE_ID)).select(*REJECTED_COLUMNS))


def id_hash(column: Column) -> Column:
    """Each id's share of an id checksum, as `brewery_assets.record_ids.id_hash` computes it in Python."""
    return F.conv(F.substring(F.sha2(column, 256), 1, HASH_HEX_DIGITS), 16, 10).cast("decimal(38,0)")


def id_checksum(column: Column) -> Column:
    """An order-independent checksum of the ids in `column` (nulls left out): two multisets of ids are
    equal when their counts and checksums are. Bronze computes the same sum at ingestion."""
    return F.sum(F.when(column.isNotNull(), id_hash(column)))


def profile_lines(lines: DataFrame) -> tuple[set[str], int, int]:
    """(field names, ids, id checksum) of a DataFrame of JSON lines (`value`), in one pass: every field
    name of any record, and the ids of its readable records read as `classify_records` reads them."""
    parsed = parse_bronze_lines(lines)
    identifier = F.when(F.col("readable"), clean_text(F.col("id")))
    row = parsed.agg(
        F.collect_set(F.json_object_keys("raw_record")).alias("key_lists"),
        F.count(identifier).alias("ids"),
        id_checksum(identifier).alias("checksum"),
    ).first()
    names = {name for keys in row["key_lists"] or [] for name in keys or []}
    return names, int(row["ids"]), int(row["checksum"] or 0)


def suspect_lines(lines: DataFrame) -> DataFrame:
    """The JSON lines (`value`) that may be rejected for a reason other than a repeated id: not an
    object, or without a usable id. A cheap filter on the text, so that `rejected_rows` needs to
    clean and type only these lines when no id repeats.

    `classify_records` decides; a line this filter missed would show as unaccounted in the
    reconciliation check, never vanish.
    """
    identifier = clean_text(F.get_json_object("value", "$.id"))
    return lines.where(F.json_object_keys("value").isNull() | identifier.isNull())






def restrict_to_locations(rows: DataFrame, locations: list[tuple[str, str]]) -> DataFrame:
    """Only the rows of the given (country, state) locations (by `location_id` when `rows` has it)."""
    if "location_id" in rows.columns:
        return rows.where(F.col("location_id").isin(location_ids(locations)))
    return rows.where(location_predicate(locations))


def location_ids(locations: list[tuple[str, str]]) -> list[str]:
    """The partition values (`locations.location_id`) of (country, state) locations."""
    return sorted({location_id(country, state) for country, state in locations})


def location_predicate(locations: list[tuple[str, str]]) -> Column:
    """A filter matching exactly the given (country, state) pairs."""
    if not locations:
        return F.lit(False)
    predicate = None
    for country, state in locations:
        pair = (F.col("country") == F.lit(country)) & (F.col("state") == F.lit(state))
        predicate = pair if predicate is None else predicate | pair
    return predicate
