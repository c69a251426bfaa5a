"""The attack the anonymized copy must resist: join it back to the public catalogue.

The attacker holds the public dataset (every id, name, address and coordinate) and the copy, but
not the key. They bring each public brewery to the copy's form, as anyone can from the copy's
documentation: names compared without case and extra spaces, coordinates put in the copy's grid
cells. Then, for each copy row and each combination of the columns it keeps in the clear, they
count the public breweries that agree with it; a withheld (null) value agrees with anything. A
row that agrees with exactly one public brewery is re-identified.

`unique_in_copy` is the stronger attacker who also reruns the copy's own generalisation on the
public data: each public brewery then lands exactly on its copy row's values, so a row is
re-identified when no other copy row shares its values.
"""

from itertools import chain, combinations

import numpy as np
import pandas as pd

# The copy's columns in the clear, as the attacker compares them. `location_id` is a function of
# (country, state) and `ingest_date` is the same on every row: joining on them adds nothing.
ATTRIBUTES = ("country", "state", "brewery_type", "cell_latitude", "cell_longitude")


def combinations_of(columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every non-empty combination of `columns`."""
    return [c for c in chain.from_iterable(combinations(columns, n) for n in range(1, len(columns) + 1))]


def _text(series: pd.Series) -> pd.Series:
    return series.map(lambda v: " ".join(v.split()).casefold() if isinstance(v, str) and v.strip() else None)


def _cell(series: pd.Series, degrees: float) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce")
    return (np.floor(values / degrees) * degrees + degrees / 2).round(6)


def public_in_copy_form(public: pd.DataFrame, grid_degrees: float) -> pd.DataFrame:
    """The public catalogue (as published: `state_province`, text coordinates) with the copy's attributes."""
    latitude = pd.to_numeric(public["latitude"], errors="coerce")
    longitude = pd.to_numeric(public["longitude"], errors="coerce")
    valid = latitude.between(-90, 90) & longitude.between(-180, 180)
    return pd.DataFrame({
        "id": public["id"],
        "country": _text(public["country"]),
        "state": _text(public["state_province"]),
        "brewery_type": _text(public["brewery_type"]),
        "cell_latitude": _cell(latitude.where(valid), grid_degrees),
        "cell_longitude": _cell(longitude.where(valid), grid_degrees),
    })


def copy_in_attacker_form(copy: pd.DataFrame) -> pd.DataFrame:
    """The copy's rows with their attributes compared as the attacker compares them."""
    return pd.DataFrame({
        "brewery_key": copy["brewery_key"],
        "country": _text(copy["country"]),
        "state": _text(copy["state"]),
        "brewery_type": _text(copy["brewery_type"]),
        "cell_latitude": copy["cell_latitude"].astype(float).round(6),
        "cell_longitude": copy["cell_longitude"].astype(float).round(6),
    })


def _value(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def matches(copy: pd.DataFrame, public: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """For each copy row, how many public breweries agree with it on `columns` (null: anything)."""
    counts: dict[tuple[str, ...], dict] = {}

    def count(shown: tuple[str, ...], values: tuple) -> int:
        if not shown:
            return len(public)
        if shown not in counts:
            sizes = public.dropna(subset=list(shown)).groupby(list(shown)).size()
            counts[shown] = {k if isinstance(k, tuple) else (k,): int(n) for k, n in sizes.items()}
        return counts[shown].get(values, 0)

    result = []
    for row in copy[list(columns)].itertuples(index=False):
        values = [_value(v) for v in row]
        shown = tuple(c for c, v in zip(columns, values, strict=True) if v is not None)
        result.append(count(shown, tuple(v for v in values if v is not None)))
    return pd.Series(result, index=copy.index)


def unique_in_copy(copy: pd.DataFrame, columns: tuple[str, ...]) -> int:
    """Rows of the copy whose values on `columns` (nulls equal to nulls) no other row shares."""
    values = copy[list(columns)].astype(object)
    counts = values.where(values.notna(), "(withheld)").value_counts()
    return int((counts == 1).sum())
