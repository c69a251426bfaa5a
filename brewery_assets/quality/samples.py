"""Small samples of offending rows for check metadata, so a check page shows what failed."""

import dagster as dg
from pyspark.sql import Column, DataFrame

SAMPLE_ROWS = 5


def sample(frame: DataFrame, where: Column | None = None, columns: tuple[str, ...] = (), rows: int = SAMPLE_ROWS):
    """A markdown table of at most `rows` rows of `frame` (matching `where`), ordered so reruns show the same rows."""
    selected = frame if where is None else frame.where(where)
    if columns:
        selected = selected.select(*columns)
    ordered = selected.orderBy(*selected.columns).limit(rows).toPandas()
    if ordered.empty:
        return dg.MetadataValue.md("(no rows)")
    return dg.MetadataValue.md(ordered.astype(str).to_markdown(index=False))
