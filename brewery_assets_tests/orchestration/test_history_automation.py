"""The history follows bronze day by day through declarative automation, new days and backfilled ones alike."""

import datetime as dt

import dagster as dg

from brewery_assets.assets.history import gold_brewery_changes, gold_brewery_counts_daily, silver_brewery_history
from brewery_assets.definitions import defs as code_location
from brewery_assets_tests.orchestration.conftest import DAY, ingest, lake_definitions

HISTORY_ASSETS = [silver_brewery_history, gold_brewery_changes, gold_brewery_counts_daily]
SELECTION = dg.AssetSelection.assets(*HISTORY_ASSETS)


def requested(result) -> dict[str, set[str]]:
    return {asset.key.to_user_string(): set(result.get_requested_partitions(asset.key)) for asset in HISTORY_ASSETS}


def test_the_sensor_targets_the_history_and_runs_by_default():
    sensor = code_location.resolve_sensor_def("history_follows_bronze")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert {key.to_user_string() for key in sensor.asset_selection.resolve(code_location.resolve_asset_graph())} == {
        "silver_brewery_history", "gold_brewery_changes", "gold_brewery_counts_daily"}


def test_each_ingested_day_requests_that_day_of_the_history_changes_and_counts(api, tmp_path, instance):
    defs = lake_definitions(str(tmp_path / "lake"), api.url)
    start = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=SELECTION)
    assert start.total_requested == 0  # no bronze day yet: nothing to add

    ingest(defs, instance, DAY)
    after_day = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=SELECTION,
                                                  cursor=start.cursor)
    assert requested(after_day) == dict.fromkeys(requested(after_day), {DAY.isoformat()})

    # An older day ingested later (a backfill) is requested too, and the day already requested is not again.
    earlier = DAY - dt.timedelta(days=2)
    ingest(defs, instance, earlier)
    after_backfill = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=SELECTION,
                                                       cursor=after_day.cursor)
    assert requested(after_backfill) == dict.fromkeys(requested(after_backfill), {earlier.isoformat()})
