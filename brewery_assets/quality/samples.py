"""Small samples of offending rows for check metadata, so a check page shows what failed."""

from pyspark.sql import Column, DataFrame

from brewery_assets.quality.checks import Markdown

SAMPLE_ROWS = 5


def sample(frame: DataFrame, where: Column | None = None, columns: tuple[str, ...] = (), rows: int = SAMPLE_ROWS):
    """A markdown table of at most `rows` rows of `frame` (matching `where`), ordered so reruns show the same rows."""
    selected = frame if where is None else frame.where(where)
    if columns:
        selected = selected.select(*columns)
    ordered = selected.orderBy(*selected.columns).limit(rows).toPandas()
    if ordered.empty:
        return Markdown("(no rows)")
    return Markdown(ordered.astype(str).to_markdown(index=False))
