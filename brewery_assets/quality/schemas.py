"""What a published silver row must look like: its columns and types (a pandera PySpark model),
and the value rules of its columns.

pandera checks the columns and their types, which needs no pass over the data. Each value rule is
stated once, in `RULES` (what it requires) and `violations()` (the filter selecting the rows that
break it): the audits count every rule's offenders in the single aggregate they already run
(`silver_audits.table_stats`) and sample the offending rows of a failed rule.
"""

import pandera.pyspark as pa
import pyspark.sql.types as T
from pandera.config import ValidationDepth, config_context
from pyspark.sql import Column
from pyspark.sql import functions as F

from brewery_assets.openbrewerydb.fields import BREWERY_TYPES
from brewery_assets.transformations.silver import COORDINATE_ISSUES


class SilverBreweriesSchema(pa.DataFrameModel):
    """The columns of a silver row and their types; no other column is allowed. Which columns may be
    null is a value rule (`RULES`)."""

    id: T.StringType() = pa.Field(nullable=True)
    name: T.StringType() = pa.Field(nullable=True)
    brewery_type: T.StringType() = pa.Field(nullable=True)
    address_1: T.StringType() = pa.Field(nullable=True)
    address_2: T.StringType() = pa.Field(nullable=True)
    address_3: T.StringType() = pa.Field(nullable=True)
    city: T.StringType() = pa.Field(nullable=True)
    postal_code: T.StringType() = pa.Field(nullable=True)
    country: T.StringType() = pa.Field(nullable=True)
    state: T.StringType() = pa.Field(nullable=True)
    longitude: T.DoubleType() = pa.Field(nullable=True)
    latitude: T.DoubleType() = pa.Field(nullable=True)
    phone: T.StringType() = pa.Field(nullable=True)
    website_url: T.StringType() = pa.Field(nullable=True)
    coordinates_issue: T.StringType() = pa.Field(nullable=True)
    unrecognised_brewery_type: T.StringType() = pa.Field(nullable=True)
    ingest_date: T.DateType() = pa.Field(nullable=True)
    location_id: T.StringType() = pa.Field(nullable=True)

    class Config:
        # A column the schema does not know is a schema violation, not something to carry along.
        strict = True


RULES: dict[str, str] = {
    "id": "not null",
    "brewery_type": "one of the API's brewery types",
    "country": "not null",
    "state": "not null",
    "longitude": "within -180..180",
    "latitude": "within -90..90",
    "coordinates_issue": f"null or one of {', '.join(COORDINATE_ISSUES)}",
    "ingest_date": "not null",
    "location_id": "not null",
}


def violations() -> dict[str, Column]:
    """For each column of `RULES`, the filter selecting the rows that break its rule."""
    return {
        "id": F.col("id").isNull(),
        "brewery_type": F.col("brewery_type").isNull() | ~F.col("brewery_type").isin(*BREWERY_TYPES),
        "country": F.col("country").isNull(),
        "state": F.col("state").isNull(),
        "longitude": F.abs(F.col("longitude")) > 180,
        "latitude": F.abs(F.col("latitude")) > 90,
        "coordinates_issue": ~F.col("coordinates_issue").isin(*COORDINATE_ISSUES),
        "ingest_date": F.col("ingest_date").isNull(),
        "location_id": F.col("location_id").isNull(),
    }


def validation_errors(frame) -> list[dict]:
    """pandera's findings on the columns and types of `frame`, as a flat list of {"kind", "column",
    "check", "error"} (empty when they are right)."""
    with config_context(validation_depth=ValidationDepth.SCHEMA_ONLY):
        validated = SilverBreweriesSchema.validate(frame)
    errors = validated.pandera.errors or {}
    return [
        {"kind": kind, "column": finding.get("column"), "check": finding.get("check"), "error": finding.get("error")}
        for by_kind in errors.values()
        for kind, findings in by_kind.items()
        for finding in findings
    ]
