"""Withholding small groups and coarsening coordinates, on hand-built rows with known answers."""

from collections import Counter

import pytest

from brewery_assets.transformations.k_anonymity import grid_cell, withhold_small_groups

TYPES_SCHEMA = "location_id string, brewery_type string, n int"
CELLS_SCHEMA = "location_id string, cell_latitude double, cell_longitude double, n int"


def _types(spark, groups: dict[str, dict[str, int]], k: int) -> dict[str, Counter]:
    """Rows of `groups` ({location: {type: rows}}) after withholding, as {location: Counter(type)}."""
    rows = [(loc, kind, i) for loc, kinds in groups.items() for kind, n in kinds.items() for i in range(n)]
    frame = withhold_small_groups(spark.createDataFrame(rows, TYPES_SCHEMA), ["location_id"], ["brewery_type"], k)
    assert frame.columns == ["location_id", "brewery_type", "n"]
    out: dict[str, Counter] = {}
    for row in frame.collect():
        out.setdefault(row["location_id"], Counter())[row["brewery_type"]] += 1
    return out


def test_small_groups_are_withheld_until_the_pool_is_large_enough(spark):
    result = _types(spark, {
        # brewpub (2) and large (1) are below k: withheld together, a pool of 3 is enough.
        "a": {"micro": 7, "brewpub": 2, "large": 1},
        # nano alone would be a pool of 1: the smallest group shown (brewpub, 4) joins it.
        "b": {"micro": 5, "brewpub": 4, "nano": 1},
        # Fewer rows than k in the whole location: everything withheld, nothing more to do.
        "c": {"micro": 1, "closed": 1},
        # Every group is large enough: nothing changes.
        "d": {"micro": 3, "brewpub": 3},
    }, k=3)
    assert result == {
        "a": Counter({"micro": 7, None: 3}),
        "b": Counter({"micro": 5, None: 5}),
        "c": Counter({None: 2}),
        "d": Counter({"micro": 3, "brewpub": 3}),
    }


def test_ties_are_broken_by_value_and_k_of_one_withholds_nothing(spark):
    # Two shown groups of the same size: the smaller value joins the pool, on every run.
    assert _types(spark, {"a": {"micro": 3, "brewpub": 3, "nano": 1}}, k=3) == {
        "a": Counter({"micro": 3, None: 4})}
    groups = {"a": {"micro": 1, "brewpub": 2}, "b": {"large": 1}}
    assert _types(spark, groups, k=1) == {"a": Counter({"micro": 1, "brewpub": 2}), "b": Counter({"large": 1})}


def test_cells_are_withheld_together_and_pooled_with_unknown_coordinates(spark):
    rows = ([("a", 40.5, -105.5, i) for i in range(3)] + [("a", 39.5, -104.5, 0)]
            + [("a", None, None, i) for i in range(2)] + [("b", 10.5, 10.5, 0)])
    frame = withhold_small_groups(spark.createDataFrame(rows, CELLS_SCHEMA), ["location_id"],
                                  ["cell_latitude", "cell_longitude"], 3)
    cells = Counter((r["location_id"], r["cell_latitude"], r["cell_longitude"]) for r in frame.collect())
    # The lone cell joins the two rows without coordinates: a pool of 3, and the 3-row cell stays shown.
    assert cells == Counter({("a", 40.5, -105.5): 3, ("a", None, None): 3, ("b", None, None): 1})


@pytest.mark.parametrize(("degrees", "coordinate", "centre"), [
    (1.0, 40.0123, 40.5), (1.0, -105.27, -105.5), (0.5, 40.7999, 40.75), (2.0, -0.1, -1.0), (0.1, 51.176, 51.15),
])
def test_a_coordinate_becomes_the_centre_of_its_grid_cell(spark, degrees, coordinate, centre):
    frame = spark.createDataFrame([(coordinate,), (None,)], "c double")
    assert [r["cell"] for r in frame.select(grid_cell(frame["c"], degrees).alias("cell")).collect()] == [centre, None]
