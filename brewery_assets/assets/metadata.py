"""Materialization metadata helpers shared by the assets."""

import dagster as dg
import pandas as pd

OWNERS = ["team:data-engineering"]


def column_schema(docs: dict[str, tuple[str, str]], identifying: frozenset[str] = frozenset()) -> dg.TableSchema:
    """A table's column schema for the UI and the catalog: type and description of each column, and
    a tag on the columns that identify a business or a person."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, kind, description=text, tags={"identifying": "true"} if name in identifying else {})
        for name, (kind, text) in docs.items()
    ])


def preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    """A markdown table of the first rows, for the asset page."""
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False))
