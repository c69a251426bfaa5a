"""`rebuild_versions` one day at a time (the daily join) against all days at once (ordered windows).

Five days of a small catalogue with the cases the daily path must get right: a rename, a value that
becomes null and one that stops being null, a brewery gone for two days that comes back changed,
one that comes back as it was, one that comes and goes, a new one on the last day.
"""

import datetime as dt

from pyspark.sql import SparkSession

from brewery_assets.transformations.history import (
    HISTORY_COLUMNS,
    VERSION_COLUMNS,
    closed_by,
    open_on,
    rebuild_versions,
)

DAYS = [dt.date(2026, 11, day) for day in (10, 11, 12, 14, 15)]  # the 13th was not processed
_DOUBLE = {"longitude", "latitude"}
_SCHEMA = ", ".join(f"{c} {'double' if c in _DOUBLE else 'string'}" for c in VERSION_COLUMNS) + ", snapshot_date date"


def _brewery(brewery: str, **values) -> dict:
    row = {c: None if c in _DOUBLE else f"{c} of {brewery}" for c in VERSION_COLUMNS}
    return {**row, "id": brewery, "longitude": 1.5, "latitude": 2.5, **values}


# Per day, the breweries it holds. b1 is renamed on day 2; b2's phone becomes null on day 2 and
# comes back on day 4; b3 is gone on days 2 and 3 (two processed days) and back renamed on day 4;
# b4 is gone on day 3 only and back as it was; b5 exists on day 3 only; b6 is new on day 5.
CATALOGUE = {
    DAYS[0]: [_brewery("b1"), _brewery("b2"), _brewery("b3"), _brewery("b4"), _brewery("b7", longitude=None)],
    DAYS[1]: [_brewery("b1", name="b1 renamed"), _brewery("b2", phone=None), _brewery("b4"),
              _brewery("b7", longitude=None)],
    DAYS[2]: [_brewery("b1", name="b1 renamed"), _brewery("b2", phone=None), _brewery("b5"),
              _brewery("b7", longitude=None)],
    DAYS[3]: [_brewery("b1", name="b1 renamed"), _brewery("b2"), _brewery("b3", name="b3 is back"), _brewery("b4"),
              _brewery("b7", longitude=None)],
    DAYS[4]: [_brewery("b1", name="b1 renamed"), _brewery("b2"), _brewery("b3", name="b3 is back"), _brewery("b4"),
              _brewery("b6"), _brewery("b7", longitude=3.0)],
}


def _snapshots(spark: SparkSession, days: list[dt.date]):
    rows = [{**row, "snapshot_date": day} for day in days for row in CATALOGUE[day]]
    return spark.createDataFrame(rows, _SCHEMA)


def _plain(frame) -> list[tuple]:
    found = [tuple(tuple(v) if isinstance(v, list) else v for v in (row[c] for c in HISTORY_COLUMNS))
             for row in frame.collect()]
    return sorted(found, key=str)


def test_the_history_built_day_by_day_is_the_history_built_at_once(spark):
    at_once = rebuild_versions(spark, _snapshots(spark, DAYS), DAYS)
    history = rebuild_versions(spark, _snapshots(spark, DAYS[:1]), DAYS[:1])
    for previous, day in zip(DAYS, DAYS[1:], strict=False):
        history = closed_by(history, previous).unionByName(rebuild_versions(
            spark, _snapshots(spark, [day]), [day], previous, open_on(history, previous), closed_by(history, previous)))
        history = spark.createDataFrame(history.collect(), history.schema)  # one day's plan at a time
    assert _plain(history) == _plain(at_once)

    versions = {(row["id"], row["valid_from"]): row for row in history.collect()}
    d1, d2, d3, d4, d5 = DAYS
    expected = {
        ("b1", d1): (d2, None), ("b1", d2): (None, ["name"]),
        ("b2", d1): (d2, None), ("b2", d2): (d4, ["phone"]), ("b2", d4): (None, ["phone"]),
        ("b3", d1): (d2, None), ("b3", d4): (None, ["name"]),
        ("b4", d1): (d3, None), ("b4", d4): (None, []),
        ("b5", d3): (d4, None),
        ("b6", d5): (None, None),
        ("b7", d1): (d5, None), ("b7", d5): (None, ["longitude"]),
    }
    assert {key: (row["valid_to"], row["changed_fields"]) for key, row in versions.items()} == expected
    assert all(row["is_current"] == (row["valid_to"] is None) for row in versions.values())
    assert versions[("b3", d4)]["name"] == "b3 is back" and versions[("b2", d2)]["phone"] is None
