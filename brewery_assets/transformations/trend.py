"""Daily counts -> a PNG chart of breweries by type over the snapshot days."""

import io

import pandas as pd

TREND_TYPES = 6
OTHER = "other types"
TOTAL = "all breweries"


def totals_by_type(counts: pd.DataFrame, types: int = TREND_TYPES) -> pd.DataFrame:
    """A (snapshot_date x type) table of breweries, plus a column of all breweries.

    The `types` most common types on the last day get a column each, the others are summed as
    `other types`; days are in order, so the chart is the same for the same table.
    """
    table = counts.pivot_table(index="snapshot_date", columns="brewery_type", values="brewery_count",
                               aggfunc="sum", fill_value=0).sort_index()
    if table.empty:
        return pd.DataFrame({TOTAL: []})
    last = table.iloc[-1].reset_index()
    last.columns = ["brewery_type", "count"]
    kept = list(last.sort_values(["count", "brewery_type"], ascending=[False, True]).head(types)["brewery_type"])
    trend = table[kept].copy()
    others = [column for column in table.columns if column not in kept]
    if others:
        trend[OTHER] = table[others].sum(axis=1)
    trend[TOTAL] = table.sum(axis=1)
    return trend.astype(int)


def trend_chart_png(table: pd.DataFrame, title: str) -> bytes:
    """A line chart of `table` (rows: days, columns: types and the total) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in tests
    from matplotlib import pyplot as plt

    figure, (total_axes, type_axes) = plt.subplots(2, 1, figsize=(10, 7), dpi=100, sharex=True,
                                                   height_ratios=[1, 2])
    try:
        days = [str(day) for day in table.index]
        if TOTAL in table.columns:
            total_axes.plot(days, table[TOTAL], marker="o", color="black")
        total_axes.set_ylabel(TOTAL)
        total_axes.set_title(title)
        for column in (c for c in table.columns if c != TOTAL):
            type_axes.plot(days, table[column], marker="o", label=column)
        type_axes.set_ylabel("breweries")
        if len(table.columns) > 1:
            type_axes.legend(loc="upper left", fontsize="small")
        type_axes.tick_params(axis="x", labelrotation=45)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
