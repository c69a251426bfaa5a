"""Writing and inspecting the lake's Delta tables.

Partition-scoped rewrites use `replaceWhere`: dynamic partition overwrite silently replaces the
whole table on the embedded engine. Table history goes through `deltalake`, which reads the same
tables without a Spark session.

No file statistics are written for floating-point columns (`delta.dataSkippingStatsColumns`):
the embedded engine answers a one-row file from its statistics, and parses the JSON numbers
there with a rounding that can move the last digit of a 17-digit double (a coordinate read back
from silver would then differ from the source). Nothing filters on coordinates, so no skipping is lost.
"""

from collections.abc import Sequence

from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError
from pyspark.sql import DataFrame
from pyspark.sql.types import FractionalType


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


def open_table(path: str) -> DeltaTable | None:
    """The Delta table at `path` (a local path or `s3://` URI), or None when there is none."""
    # Not `DeltaTable.is_deltatable`: on some S3-compatible servers its listing never returns.
    try:
        return DeltaTable(path)
    except TableNotFoundError:
        return None


def table_exists(path: str) -> bool:
    """Whether a Delta table is at `path`."""
    return open_table(path) is not None


def table_version(path: str) -> int | None:
    """The table's current version, or None when there is no table."""
    table = open_table(path)
    return None if table is None else table.version()


def stats_columns(df: DataFrame, partition_by: Sequence[str] = ()) -> str:
    """The columns of `df` that get file statistics: all but floating-point and partition columns."""
    return ",".join(
        field.name for field in df.schema.fields
        if not isinstance(field.dataType, FractionalType) and field.name not in partition_by
    )


def overwrite_table(df: DataFrame, path: str, partition_by: Sequence[str] = ()) -> None:
    """Replaces the whole table with `df` (one new table version)."""
    writer = (
        df.write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option("delta.dataSkippingStatsColumns", stats_columns(df, partition_by))
    )
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
        .option("delta.dataSkippingStatsColumns", stats_columns(df, ("country", "state")))
        .save(path)
    )


def column_names(path: str) -> list[str]:
    """The column names of the table at `path` (empty when there is no table)."""
    table = open_table(path)
    return [] if table is None else [field.name for field in table.schema().fields]
