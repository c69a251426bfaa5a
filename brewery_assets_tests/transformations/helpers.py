"""Builds transformation inputs from plain records, the same way the assets do."""

import json

from brewery_assets.locations import count_raw_locations, location_mapping
from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS
from brewery_assets.transformations.silver import location_frame


def api_record(**fields) -> dict:
    """A 16-key API record with the given fields and nulls elsewhere."""
    return {name: fields.get(name) for name in BREWERY_FIELDS}


def bronze_frames(spark, records: list[dict], broken_lines: list[str] = ()):
    """(raw bronze rows, location mapping) DataFrames for `records` (plus lines that are not records),
    as read from JSON lines."""
    from brewery_assets.transformations.silver import parse_bronze_lines

    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(broken_lines)
    frame = spark.createDataFrame([(line,) for line in lines], "value string")
    mapping = location_mapping(count_raw_locations(records))
    return parse_bronze_lines(frame), location_frame(spark, mapping)
