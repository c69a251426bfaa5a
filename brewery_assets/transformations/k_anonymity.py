"""Generalisation for k-anonymity: coarse grid cells, and values withheld where their group is small.

A value is shown only when at least `k` rows share it within their group (a location, say); the
others are withheld (set to null) and pooled with the rows that never had a value. When that pool
is not empty but holds fewer than `k` rows, the smallest group still shown joins it, so every
group of (group columns + value) ends with `k` rows or more, or is the whole group when that
holds fewer than `k`. Which group joins the pool depends only on the data (size, then value), so
the same rows always give the same result, whichever rows are rebuilt with them.
"""

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

# Cell centres are rounded to this many decimals, so every engine gives the same value for a cell.
_CELL_DECIMALS = 6


def grid_cell(coordinate: Column, degrees: float) -> Column:
    """The centre of the `degrees`-wide grid cell holding `coordinate` (null for null)."""
    return F.round(F.floor(coordinate / F.lit(degrees)) * F.lit(degrees) + F.lit(degrees / 2), _CELL_DECIMALS)


def withhold_small_groups(rows: DataFrame, within: Sequence[str], values: Sequence[str], k: int) -> DataFrame:
    """`rows` with `values` set to null wherever fewer than `k` rows of their `within` group share them.

    `values` are withheld together (a cell's latitude and longitude); a row whose first value is
    null already counts as withheld. Columns and their order are kept.
    """
    # Window results feed other windows, so each step is a column of its own.
    sized = rows.withColumn("_size", F.count(F.lit(1)).over(Window.partitionBy(*within, *values)))
    shown = sized.withColumn("_shown", F.col(values[0]).isNotNull() & (F.col("_size") >= k))
    group = F.struct(F.col("_size"), *(F.col(v) for v in values))
    per_group = Window.partitionBy(*within)
    pooled = shown.withColumn("_pooled", F.sum(F.when(F.col("_shown"), 0).otherwise(1)).over(per_group))
    pooled = pooled.withColumn("_smallest", F.min(F.when(F.col("_shown"), group)).over(per_group))
    # A pool of 1..k-1 rows would single them out: the smallest shown group joins it.
    marked = pooled.withColumn("_keep", F.col("_shown") & ~(
        (F.col("_pooled") > 0) & (F.col("_pooled") < k) & (group == F.col("_smallest"))))
    return marked.select(
        *(F.when(F.col("_keep"), F.col(c)).alias(c) if c in values else F.col(c) for c in rows.columns))
