"""Materialization metadata helpers shared by the assets."""

import dagster as dg
import pandas as pd

OWNERS = ["team:data-engineering"]


def preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    """A markdown table of the first rows, for the asset page."""
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False))
