"""Writing and inspecting the lake's Delta tables.

Partition-scoped rewrites use `replaceWhere`: dynamic partition overwrite silently replaces the
whole table on the embedded engine. Table history goes through `deltalake`, which reads the same
tables without a Spark session.
"""

from collections.abc import Sequence

from deltalake import DeltaTable
from pyspark.sql import DataFrame


def sql_string(value: str) -> str:
    """A Spark SQL string literal for `value` (backslash escapes, Spark's default)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def locations_sql(locations: Sequence[tuple[str, str]]) -> str:
    """A SQL predicate matching exactly the given (country, state) pairs."""
    if not locations:
        raise ValueError("at least one location is required")
    return " OR ".join(
        f"(country = {sql_string(country)} AND state = {sql_string(state)})" for country, state in locations
    )


def table_exists(path: str) -> bool:
    """Whether a Delta table is at `path`."""
    return DeltaTable.is_deltatable(path)


def table_version(path: str) -> int | None:
    """The table's current version, or None when there is no table."""
    return DeltaTable(path).version() if table_exists(path) else None


def overwrite_table(df: DataFrame, path: str, partition_by: Sequence[str] = ()) -> None:
    """Replaces the whole table with `df` (one new table version)."""
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)


def replace_locations(df: DataFrame, path: str, locations: Sequence[tuple[str, str]]) -> None:
    """Replaces exactly the given (country, state) partitions with `df`; every other partition stays.

    `df` must hold rows of those locations only. A location with no rows in `df` ends up empty.
    """
    (
        df.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", locations_sql(locations))
        .save(path)
    )
