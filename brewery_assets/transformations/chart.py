"""Gold -> a PNG chart: brewery counts by type for the locations with the most breweries."""

import io

import pandas as pd

TOP_LOCATIONS = 15
TOP_TYPES = 8
OTHER = "other types"


def top_locations_by_type(gold: pd.DataFrame, locations: int = TOP_LOCATIONS, types: int = TOP_TYPES) -> pd.DataFrame:
    """A (location x type) table of counts for the `locations` largest locations.

    The `types` most common types overall get a column each; the rest are summed as `other types`.
    Rows are ordered largest first (ties by name), so the chart is the same for the same gold.
    """
    frame = gold.assign(location=gold["state"] + ", " + gold["country"])
    totals = frame.groupby("location")["brewery_count"].sum().reset_index()
    totals = totals.sort_values(["brewery_count", "location"], ascending=[False, True]).head(locations)
    type_totals = frame.groupby("brewery_type")["brewery_count"].sum().reset_index()
    kept_types = type_totals.sort_values(["brewery_count", "brewery_type"], ascending=[False, True]).head(types)
    frame = frame[frame["location"].isin(totals["location"])]
    frame = frame.assign(
        brewery_type=frame["brewery_type"].where(frame["brewery_type"].isin(kept_types["brewery_type"]), OTHER))
    table = frame.pivot_table(index="location", columns="brewery_type", values="brewery_count",
                              aggfunc="sum", fill_value=0)
    columns = [t for t in kept_types["brewery_type"] if t in table.columns]
    if OTHER in table.columns:
        columns.append(OTHER)
    return table.loc[list(totals["location"]), columns].astype(int)


def counts_chart_png(table: pd.DataFrame, title: str) -> bytes:
    """A horizontal stacked bar chart of `table` (rows: locations, columns: types) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in tests
    from matplotlib import pyplot as plt

    height = max(3.0, 0.4 * len(table) + 1.5)
    figure, axes = plt.subplots(figsize=(10, height), dpi=100)
    try:
        ordered = table.iloc[::-1]  # largest location on top
        left = pd.Series(0, index=ordered.index)
        for brewery_type in ordered.columns:
            axes.barh(ordered.index, ordered[brewery_type], left=left, label=brewery_type)
            left = left + ordered[brewery_type]
        axes.set_xlabel("breweries")
        axes.set_title(title)
        axes.legend(loc="lower right", fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
