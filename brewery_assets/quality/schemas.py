"""The pandera (PySpark) schema of silver: what a published silver row must look like.

pandera checks the column types and value rules; ``violations` gives, for each column with a value
rule, the filter that selects offending rows, so a failed check can show a sample of them.
"""

import pandera.pyspark as pa
import pyspark.sql.types as T
from pyspark.sql import Column
from pyspark.sql import functions as F

from brewery_assets.openbrewerydb.fields import BREWERY_TYPES
from brewery_assets.transformations.silver import COORDINATE_ISSUES


class SilverBreweriesSchema(pa.DataFrameModel):
    """One silver row: typed columns, a known brewery_type, coordinates on Earth, a location."""

    id: T.StringType() = pa.Field(nullable=False)
    name: T.StringType() = pa.Field(nullable=True)
    brewery_type: T.StringType() = pa.Field(nullable=False, isin=list(BREWERY_TYPES))
    address_1: T.StringType() = pa.Field(nullable=True)
    address_2: T.StringType() = pa.Field(nullable=True)
    address_3: T.StringType() = pa.Field(nullable=True)
    city: T.StringType() = pa.Field(nullable=True)
    postal_code: T.StringType() = pa.Field(nullable=True)
    country: T.StringType() = pa.Field(nullable=False)
    state: T.StringType() = pa.Field(nullable=False)
    longitude: T.DoubleType() = pa.Field(nullable=True, in_range={"min_value": -180.0, "max_value": 180.0})
    latitude: T.DoubleType() = pa.Field(nullable=True, in_range={"min_value": -90.0, "max_value": 90.0})
    phone: T.StringType() = pa.Field(nullable=True)
    website_url: T.StringType() = pa.Field(nullable=True)
    coordinates_issue: T.StringType() = pa.Field(nullable=True, isin=list(COORDINATE_ISSUES))
    unrecognised_brewery_type: T.StringType() = pa.Field(nullable=True)
    ingest_date: T.DateType() = pa.Field(nullable=False)
    location_id: T.StringType() = pa.Field(nullable=False)

    class Config:
        # A column the schema does not know is a schema violation, not something to carry along.
        strict = True


def violations() -> dict[str, Column]:
    """For each column with a rule, the filter selecting rows that break it (a null where none is allowed,
    a value outside the rule)."""
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
    """pandera's findings on `frame` as a flat list of {"kind", "column", "check", "error"} (empty when valid)."""
    validated = SilverBreweriesSchema.validate(frame)
    errors = validated.pandera.errors or {}
    return [
        {"kind": kind, "column": finding.get("column"), "check": finding.get("check"), "error": finding.get("error")}
        for by_kind in errors.values()
        for kind, findings in by_kind.items()
        for finding in findings
    ]
