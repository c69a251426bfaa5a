"""The brewery history, its changes and daily counts over three days of a changing catalogue (see conftest).

The expected rows are built from what the test changed between the days and from silver's published
rows of each day: every version must hold exactly silver's row of the day it opened.
"""

import datetime as dt
from collections import Counter
from pathlib import Path

import dagster as dg
from deltalake import DeltaTable

from brewery_assets.lake import LakeLayout
from brewery_assets.quality import wap
from brewery_assets.resources.spark import SparkConnectResource
from brewery_assets.spark_jobs import JOBS
from brewery_assets.transformations.changes import CHANGES_COLUMNS
from brewery_assets.transformations.history import HISTORY_COLUMNS, VERSION_COLUMNS
from brewery_assets_tests.history.conftest import BASE, DAYS, NEW_A, NEW_B, NEW_C, definitions, update_history
from brewery_assets_tests.quality.lake_runs import definitions as lake_definitions
from brewery_assets_tests.quality.lake_runs import refresh_all, register_locations, rows, write_bronze

D1, D2, D3 = DAYS
B = [record["id"] for record in BASE]


def plain_rows(path: str, key: tuple[str, ...] = ()) -> list[dict]:
    """A Delta table's rows with arrays as lists, sorted by `key` (by every column without one)."""
    found = [{name: value.tolist() if hasattr(value, "tolist") else value for name, value in row.items()}
             for row in rows(path)]
    return sorted(found, key=lambda row: tuple(str(row[name]) for name in key or sorted(row)))


def expected_versions(silver: dict[dt.date, dict[str, dict]]) -> list[dict]:
    """Every version the catalogue's changes make, holding silver's row of the day it opened."""
    changed = {B[0], B[1], B[2], B[3], B[10], B[11]}
    versions = [(brewery, D1, None, None) for brewery in B if brewery not in changed] + [
        (B[0], D1, D2, None), (B[0], D2, None, ["name"]),
        (B[1], D1, D2, None), (B[1], D2, None, ["phone"]),
        (B[2], D1, D2, None), (B[2], D2, None, ["brewery_type"]),
        (B[3], D1, D3, None), (B[3], D3, None, ["name"]),
        (B[10], D1, D2, None), (B[10], D3, None, []),  # back as it was: a new version, nothing changed
        (B[11], D1, D2, None),
        (NEW_A["id"], D2, None, None),
        (NEW_B["id"], D2, D3, None),
        (NEW_C["id"], D3, None, None),
    ]
    return sorted((
        {**{c: silver[valid_from][brewery][c] for c in VERSION_COLUMNS}, "valid_from": valid_from,
         "valid_to": valid_to, "is_current": valid_to is None, "changed_fields": fields}
        for brewery, valid_from, valid_to, fields in versions
    ), key=lambda row: (row["id"], str(row["valid_from"])))


def expected_changes(silver: dict[dt.date, dict[str, dict]]) -> list[dict]:
    changes = [
        (D2, B[0], "changed", ["name"]), (D2, B[1], "changed", ["phone"]), (D2, B[2], "changed", ["brewery_type"]),
        (D2, B[10], "disappeared", None), (D2, B[11], "disappeared", None),
        (D2, NEW_A["id"], "appeared", None), (D2, NEW_B["id"], "appeared", None),
        (D3, B[3], "changed", ["name"]), (D3, B[10], "appeared", []), (D3, NEW_C["id"], "appeared", None),
        (D3, NEW_B["id"], "disappeared", None),
    ]
    previous = {D2: D1, D3: D2}
    found = []
    for day, brewery, change, fields in changes:
        row = silver[previous[day] if change == "disappeared" else day][brewery]
        found.append({"snapshot_date": day, "previous_snapshot_date": previous[day], "id": brewery, "change": change,
                      "changed_fields": fields,
                      **{c: row[c] for c in ("name", "brewery_type", "city", "country", "state", "location_id")}})
    return sorted(found, key=lambda row: (str(row["snapshot_date"]), row["id"]))


def expected_counts(silver: dict[dt.date, dict[str, dict]]) -> list[dict]:
    found = []
    for day in DAYS:
        counts = Counter((row["country"], row["state"], row["brewery_type"]) for row in silver[day].values())
        found += [{"snapshot_date": day, "country": country, "state": state, "brewery_type": kind,
                   "brewery_count": count} for (country, state, kind), count in counts.items()]
    return sorted(found, key=lambda row: (str(row["snapshot_date"]), row["country"], row["state"], row["brewery_type"]))


COUNT_KEY = ("snapshot_date", "country", "state", "brewery_type")


def test_history_changes_and_daily_counts_are_exact(lake_in_order):
    layout, silver = lake_in_order.layout, lake_in_order.silver
    history = plain_rows(layout.silver_brewery_history, ("id", "valid_from"))
    assert set(history[0]) == set(HISTORY_COLUMNS)
    assert history == expected_versions(silver)
    assert len(history) == 54 + 2 * 5 + 1 + 3  # unchanged, changed or back, gone, new
    assert DeltaTable(layout.silver_brewery_history).metadata().partition_columns == ["valid_to"]

    changes = plain_rows(layout.gold_brewery_changes, ("snapshot_date", "id"))
    assert set(changes[0]) == set(CHANGES_COLUMNS)
    assert changes == expected_changes(silver)

    counts = plain_rows(layout.gold_brewery_counts_daily, COUNT_KEY)
    assert counts == expected_counts(silver)
    totals = Counter()
    for row in counts:
        totals[row["snapshot_date"]] += row["brewery_count"]
    assert totals == {D1: 60, D2: 60, D3: 61}


def test_each_days_checks_pass_against_silver_and_its_figures_are_recorded(lake_in_order):
    run = lake_in_order.runs[D3]
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e for e in run.get_asset_check_evaluations()}
    assert len(evaluations) == 6 and all(e.passed for e in evaluations.values())
    # Silver was refreshed from the same day first, so the current versions were compared with its table.
    compared = evaluations[("silver_brewery_history", "current_versions_match_silver")].metadata["compared_with"]
    bronze_version = Path(lake_in_order.layout.bronze_snapshot_dir(D3)).name
    assert compared.value.startswith("silver_breweries version ")
    assert compared.value.endswith(f"(snapshot {D3}, {bronze_version})")
    follows = evaluations[("gold_brewery_changes", "counts_follow_changes")].metadata["by_day"].value
    assert f"| {D3.isoformat()}      |         60 |          2 |             1 |          61 |" in follows

    [history] = run.asset_materializations_for_node("silver_brewery_history")
    assert history.partition == D3.isoformat()
    # Every column documented, in the table's order; identifying columns tagged.
    schema = history.metadata["dagster/column_schema"].value
    assert [column.name for column in schema.columns] == list(HISTORY_COLUMNS)
    assert {c.name for c in schema.columns if c.tags.get("identifying")} >= {"name", "phone", "website_url"}
    figures = {name: history.metadata[name].value for name in ("opened", "closed", "breweries", "current_versions")}
    assert figures == {"opened": 3, "closed": 2, "breweries": 61, "current_versions": 61}
    [changes] = run.asset_materializations_for_node("gold_brewery_changes")
    assert {k: changes.metadata[k].value for k in ("appeared", "disappeared", "changed")} == {
        "appeared": 2, "disappeared": 1, "changed": 1}
    assert [c.name for c in changes.metadata["dagster/column_schema"].value.columns] == list(CHANGES_COLUMNS)
    [counts] = run.asset_materializations_for_node("gold_brewery_counts_daily")
    assert counts.metadata["breweries"].value == 61
    assert DeltaTable(lake_in_order.layout.gold_brewery_counts_daily).to_pandas().shape[0] > 0
    trend = lake_in_order.layout.gold_trend_chart
    assert counts.metadata["trend_path"].value == trend
    with open(trend, "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"


def test_processing_a_day_again_publishes_nothing(lake_in_order):
    layout = lake_in_order.layout
    tables = (layout.silver_brewery_history, layout.gold_brewery_changes, layout.gold_brewery_counts_daily)
    before = {path: (DeltaTable(path).version(), plain_rows(path)) for path in tables}

    for day in (D2, D3):
        run = update_history(lake_in_order.defs, lake_in_order.instance, day)
        for asset in ("silver_brewery_history", "gold_brewery_changes", "gold_brewery_counts_daily"):
            [materialization] = run.asset_materializations_for_node(asset)
            assert materialization.metadata["unchanged"].value is True, (day, asset)

    assert {path: (DeltaTable(path).version(), plain_rows(path)) for path in tables} == before


def test_a_middle_day_processed_last_gives_the_same_tables_as_days_in_order(lake_in_order, tmp_path):
    # Another lake on the same bronze snapshots: day 1, then day 3, then day 2.
    layout = LakeLayout(str(tmp_path / "lake"), bronze_uri=lake_in_order.layout.bronze_uri)
    defs = definitions(layout.root, "http://127.0.0.1:9/v1", bronze_uri=layout.bronze_uri)
    instance = dg.DagsterInstance.ephemeral()
    update_history(defs, instance, D1)
    update_history(defs, instance, D3)

    # Without day 2, day 3 is compared with day 1.
    skipping = {(row["id"], row["change"]): row for row in rows(layout.gold_brewery_changes)}
    assert {row["previous_snapshot_date"] for row in skipping.values()} == {D1}
    assert (B[10], "changed") not in skipping and (B[10], "appeared") not in skipping  # there on both days
    assert skipping[(B[0], "changed")]["changed_fields"].tolist() == ["name"]
    assert (NEW_B["id"], "appeared") not in skipping  # came and went between them

    run = update_history(defs, instance, D2)
    [history] = run.asset_materializations_for_node("silver_brewery_history")
    assert history.metadata["rebuilt_days"].value == [D2.isoformat(), D3.isoformat()]
    [changes] = run.asset_materializations_for_node("gold_brewery_changes")
    assert changes.metadata["recomputed_days"].value == [D2.isoformat(), D3.isoformat()]

    in_order = lake_in_order.layout
    for mine, theirs, key in [
        (layout.silver_brewery_history, in_order.silver_brewery_history, ("id", "valid_from")),
        (layout.gold_brewery_changes, in_order.gold_brewery_changes, ("snapshot_date", "id")),
        (layout.gold_brewery_counts_daily, in_order.gold_brewery_counts_daily, COUNT_KEY),
    ]:
        assert plain_rows(mine, key) == plain_rows(theirs, key), mine
    # Silver does not exist in this lake: the current versions were compared with day 3 cleaned as silver is.
    compared = {e.check_name: e for e in run.get_asset_check_evaluations()}["current_versions_match_silver"]
    assert compared.passed and compared.metadata["compared_with"].value == (
        f"the snapshot of {D3} cleaned as silver cleans it")


def test_a_day_without_a_bronze_snapshot_is_refused_and_nothing_changes(lake_in_order, spark):
    layout = lake_in_order.layout
    version = DeltaTable(layout.silver_brewery_history).version()

    outcome = JOBS["history"](spark, layout, {"days": ["2026-11-19"], "run_id": "test"})

    assert not outcome.published
    assert outcome.failure.startswith("no complete bronze snapshot of 2026-11-19 under ")
    assert outcome.failure.endswith("materialize bronze_breweries 2026-11-19 first")
    assert DeltaTable(layout.silver_brewery_history).version() == version
    refused = JOBS["changes"](spark, layout, {"days": ["2026-11-23"], "run_id": "test"})
    assert refused.failure == ("silver_brewery_history does not hold 2026-11-23: materialize silver_brewery_history "
                               "for those days first")


def _silver_then_history(tmp_path, records: list[dict]):
    layout = LakeLayout(str(tmp_path / "lake"))
    defs, instance = lake_definitions(layout), dg.DagsterInstance.ephemeral()
    register_locations(instance, write_bronze(layout, D1, records))
    assert refresh_all(defs, instance).success
    return layout, defs, instance


def test_silver_refreshed_from_another_version_of_the_day_is_not_what_the_history_is_compared_with(tmp_path):
    layout, defs, instance = _silver_then_history(tmp_path, BASE[:20])
    # The day is ingested again with a renamed brewery; silver has not been refreshed since.
    write_bronze(layout, D1, [dict(BASE[0], name="Renamed"), *BASE[1:20]])

    run = update_history(defs, instance, D1)

    compared = {e.check_name: e for e in run.get_asset_check_evaluations()}["current_versions_match_silver"]
    assert compared.passed
    assert compared.metadata["compared_with"].value == f"the snapshot of {D1} cleaned as silver cleans it"
    names = {row["id"]: row["name"] for row in rows(layout.silver_brewery_history)}
    assert names[B[0]] == "Renamed" and len(names) == 20


def test_a_history_that_disagrees_with_silver_of_the_same_snapshot_is_not_published(tmp_path):
    layout, defs, instance = _silver_then_history(tmp_path, BASE[:20])
    update_history(defs, instance, D1)
    published = (DeltaTable(layout.silver_brewery_history).version(), plain_rows(layout.silver_brewery_history))
    # Silver loses a row while claiming the same bronze snapshot (as a faulty writer could).
    silver = DeltaTable(layout.silver_breweries)
    claimed = {key: silver.history(1)[0][key] for key in ("brewery.snapshot", "brewery.bronze_version")}
    session = SparkConnectResource().spark_session
    shrunk = session.read.format("delta").load(layout.silver_breweries).where(f"id != '{B[5]}'")
    wap.publish(wap.stage(shrunk, layout.silver_breweries, "test.shrunk", ("location_id",)), silver.version(),
                commit_info=claimed)

    run = defs.resolve_job_def("update_history").execute_in_process(
        instance=instance, partition_key=D1.isoformat(), raise_on_error=False)

    assert not run.success
    [failure] = run.get_step_failure_events()
    assert failure.step_key == "silver_brewery_history"
    description = failure.step_failure_data.user_failure_data.description
    tampered = silver.version() + 1
    assert description.startswith("silver_brewery_history not published: blocking checks failed "
                                  f"(current_versions_match_silver: 0 rows of silver_breweries version {tampered} ")
    assert "have no equal current version; 1 current versions are not among them" in description
    check = {e.check_name: e for e in run.get_asset_check_evaluations()}["current_versions_match_silver"]
    assert (check.passed, check.metadata["missing"].value, check.metadata["unexpected"].value) == (False, 0, 1)
    assert (DeltaTable(layout.silver_brewery_history).version(), plain_rows(layout.silver_brewery_history)) == published
