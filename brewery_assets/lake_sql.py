"""Spark SQL over the lake's tables by name: what `brewery-lake sql` runs.

Every table the lake holds becomes a temporary view of the same name on the session, so a query
reads the files the jobs wrote, on the same engine:

    bronze_breweries              every published day's snapshot: the API's fields as text, the
                                  raw line and ingest_date
    silver_breweries              silver (Delta), and silver_breweries_rejected, silver_breweries_anonymized
    silver_brewery_history        every version of every brewery (Delta)
    gold_brewery_counts           counts of the latest snapshot (Delta)
    gold_brewery_changes          what appeared, disappeared or changed per snapshot day (Delta)
    gold_brewery_counts_daily     counts per snapshot day (Delta)

A table that does not exist yet is left out.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from brewery_assets import asset_names, delta_tables
from brewery_assets.ingestion.bronze import published_snapshot, snapshot_days
from brewery_assets.lake import LakeLayout
from brewery_assets.transformations.silver import parse_bronze_lines, read_bronze_lines

FORMATS = ("table", "csv", "json")


def delta_tables_of(layout: LakeLayout) -> dict[str, str]:
    """The view name of each Delta table of the lake, with its location."""
    return {
        asset_names.SILVER: layout.silver_breweries,
        "silver_breweries_rejected": layout.silver_rejected,
        asset_names.ANONYMIZED: layout.silver_anonymized,
        asset_names.HISTORY: layout.silver_brewery_history,
        asset_names.GOLD: layout.gold_brewery_counts,
        asset_names.CHANGES: layout.gold_brewery_changes,
        asset_names.COUNTS_DAILY: layout.gold_brewery_counts_daily,
    }


def bronze_records(spark: SparkSession, layout: LakeLayout) -> DataFrame | None:
    """Every published bronze day's records, with their `ingest_date`; None when bronze has no day."""
    frames = []
    for day in snapshot_days(layout):
        snapshot = published_snapshot(layout, day)
        if snapshot is not None:
            records = parse_bronze_lines(read_bronze_lines(spark, str(snapshot.path)))
            frames.append(records.drop("readable").withColumn("ingest_date", F.lit(day)))
    if not frames:
        return None
    records = frames[0]
    for frame in frames[1:]:
        records = records.unionByName(frame)
    return records


def register_tables(spark: SparkSession, layout: LakeLayout) -> list[str]:
    """Registers every table the lake holds as a temporary view named after it; returns the names."""
    names = []
    bronze = bronze_records(spark, layout)
    if bronze is not None:
        bronze.createOrReplaceTempView("bronze_breweries")
        names.append("bronze_breweries")
    for name, path in delta_tables_of(layout).items():
        if delta_tables.table_exists(path):
            spark.read.format("delta").load(path).createOrReplaceTempView(name)
            names.append(name)
    return names


def _text(value: object) -> str:
    """A value as one cell of text: null as NULL, lists and maps as JSON, dates as ISO dates."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(_plain(value), ensure_ascii=False)
    return _plain(value) if isinstance(value, str) else str(_plain(value))


def _plain(value: object) -> object:
    """A value JSON can hold: dates and times as ISO text, rows as objects."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "asDict"):
        return {key: _plain(item) for key, item in value.asDict().items()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def format_rows(columns: Sequence[str], rows: Sequence[Sequence[object]], output: str) -> str:
    """The rows as an aligned text table, CSV (header first) or JSON lines (one object a row)."""
    if output == "json":
        return "".join(json.dumps({c: _plain(v) for c, v in zip(columns, row, strict=True)}, ensure_ascii=False)
                       + "\n" for row in rows)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else _text(v) for v in row] for row in rows])
        return buffer.getvalue()
    cells = [[_text(v) for v in row] for row in rows]
    numeric = [all(isinstance(row[i], int | float) and not isinstance(row[i], bool) or row[i] is None
                   for row in rows) for i in range(len(columns))]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if right else v.ljust(w)
                         for v, w, right in zip(values, widths, numeric, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(row) for row in cells)]) + "\n"
