"""The daily counts' trend table: the last day's largest types, the rest summed, and the total."""

import datetime as dt

import pandas as pd

from brewery_assets.transformations.trend import OTHER, TOTAL, totals_by_type


def test_the_last_days_largest_types_get_a_line_and_the_rest_is_summed():
    d1, d2 = dt.date(2026, 11, 21), dt.date(2026, 11, 22)
    counts = pd.DataFrame([
        (d2, "US", "Texas", "micro", 5), (d2, "US", "Ohio", "micro", 2), (d2, "US", "Texas", "brewpub", 4),
        (d2, "US", "Texas", "bar", 1), (d1, "US", "Texas", "bar", 9), (d1, "US", "Texas", "micro", 3),
    ], columns=["snapshot_date", "country", "state", "brewery_type", "brewery_count"])

    table = totals_by_type(counts, types=2)

    assert list(table.columns) == ["micro", "brewpub", OTHER, TOTAL]
    assert list(table.index) == [d1, d2]
    assert table.loc[d1].tolist() == [3, 0, 9, 12]
    assert table.loc[d2].tolist() == [7, 4, 1, 12]
