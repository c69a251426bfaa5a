"""Silver -> gold: brewery counts per location and type."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

GOLD_COLUMNS: tuple[str, ...] = ("country", "state", "brewery_type", "brewery_count", "ingest_date")
GOLD_COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "country": ("string", "country, as in silver"),
    "state": ("string", "state or province, as in silver"),
    "brewery_type": ("string", "brewery type, as in silver"),
    "brewery_count": ("long", "silver rows of this location and type; the counts sum to silver's rows"),
    "ingest_date": ("date", "the newest bronze snapshot behind the count"),
}


def count_breweries(silver: DataFrame) -> DataFrame:
    """Number of breweries per (country, state, brewery_type), with the newest snapshot behind each count.

    Every silver row is counted exactly once, so the counts always sum to the silver row count.
    """
    return (
        silver.groupBy("country", "state", "brewery_type")
        .agg(F.count(F.lit(1)).alias("brewery_count"), F.max("ingest_date").alias("ingest_date"))
        .select(*GOLD_COLUMNS)
    )
