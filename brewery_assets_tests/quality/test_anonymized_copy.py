"""The anonymized copy of the real public dataset, through the real Dagster assets: it cannot be
joined back to the public catalogue, its pseudonym is stable under one key and maps back for
those who hold the key, and its re-identification figures block a copy that reveals too much."""

import datetime as dt
import hashlib
import hmac

import dagster as dg
import pandas as pd
import pytest

from brewery_assets.locations import location_key
from brewery_assets.partitions import location_partitions
from brewery_assets.quality.anonymization_key import DEVELOPMENT_KEY, KEY_ENV
from brewery_assets.settings import ANONYMIZED_SETTINGS_ENV
from brewery_assets.transformations.anonymize import ANONYMIZED_COLUMNS, CLEAR_COLUMNS
from brewery_assets_tests.quality.lake_runs import (
    definitions,
    materialize_anonymized,
    refresh_all,
    register_locations,
    rows,
    version,
    write_bronze,
)
from brewery_assets_tests.quality.public_join import (
    ATTRIBUTES,
    combinations_of,
    copy_in_attacker_form,
    matches,
    public_in_copy_form,
    unique_in_copy,
)

DAY = dt.date(2026, 11, 22)
MIN_GROUP_SIZE_ENV = ANONYMIZED_SETTINGS_ENV["min_group_size"][0]
SECRET = "a long random secret for this test"
# Silver's columns that identify a brewery on their own or nearly so: none may reach the copy.
IDENTIFYING = {"id", "name", "phone", "address_1", "address_2", "address_3", "website_url", "city", "postal_code",
               "latitude", "longitude", "coordinates_issue", "unrecognised_brewery_type"}


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    """The copy's settings as a deployment without configuration has them (conftest lifts the limit)."""
    for variable, _ in ANONYMIZED_SETTINGS_ENV.values():
        monkeypatch.delenv(variable, raising=False)


def _pseudonym(key: str | bytes, brewery_id: str) -> str:
    """What a holder of the key computes: the standard HMAC-SHA256 of the id."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, brewery_id.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def public(official_csv) -> pd.DataFrame:
    """The public catalogue exactly as anyone downloads it."""
    frame = pd.read_csv(official_csv, dtype=str, keep_default_na=False)
    return frame.where(frame != "", None)


def _official_lake(layout, records, day=DAY, instance=None):
    instance = instance or dg.DagsterInstance.ephemeral()
    register_locations(instance, write_bronze(layout, day, records))
    return instance, refresh_all(definitions(layout), instance)


def _copy_metadata(result) -> dict[str, dict]:
    return {m.partition: {k: v.value for k, v in m.metadata.items()}
            for m in result.asset_materializations_for_node("silver_breweries_anonymized")}


def _risk(result) -> dg.AssetCheckEvaluation:
    return next(e for e in result.get_asset_check_evaluations() if e.check_name == "reidentification_risk")


def _reidentified(copy: pd.DataFrame, public: pd.DataFrame, grid_degrees: float) -> dict[tuple, float]:
    """Per combination of the copy's clear columns: the share of rows agreeing with exactly one public brewery."""
    attacker_public, attacker_copy = public_in_copy_form(public, grid_degrees), copy_in_attacker_form(copy)
    return {columns: float((matches(attacker_copy, attacker_public, columns) == 1).mean())
            for columns in combinations_of(ATTRIBUTES)}


def test_the_copy_of_the_public_dataset_cannot_be_joined_back_to_it(layout, official_records, public, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    _, result = _official_lake(layout, official_records)
    assert result.success
    silver = pd.DataFrame(rows(layout.silver_breweries))
    copy = pd.DataFrame(rows(layout.silver_anonymized))
    assert sorted(copy.columns) == sorted(ANONYMIZED_COLUMNS) and not IDENTIFYING & set(copy.columns)
    assert len(copy) == len(silver) == len(public)

    # The id: no public id, and no hash of one anyone can compute without the key, is a brewery_key.
    keys = set(copy["brewery_key"])
    guesses = set(public["id"])
    for brewery_id in public["id"]:
        raw = brewery_id.encode()
        guesses |= {hashlib.sha256(raw).hexdigest(), hashlib.md5(raw).hexdigest(), hashlib.sha1(raw).hexdigest(),
                    hashlib.sha512(raw).hexdigest(), _pseudonym(DEVELOPMENT_KEY, brewery_id),
                    _pseudonym(b"", brewery_id)}
    assert keys.isdisjoint(guesses)
    # Holders of the key map every row back to its brewery.
    by_key = {_pseudonym(SECRET, brewery_id): brewery_id for brewery_id in silver["id"]}
    assert set(by_key) == keys

    # Exact coordinates: the copy's cells are no brewery's coordinates (the join gave 8,593 of 11,822 before).
    exact = pd.DataFrame({c: pd.to_numeric(public[c]) for c in ("latitude", "longitude")})
    exact_counts = exact.dropna().value_counts()
    cells = zip(copy["cell_latitude"], copy["cell_longitude"], strict=True)
    assert sum(exact_counts.get((lat, lon), 0) == 1 for lat, lon in cells) / len(copy) < 0.01
    # City, postal code and exact coordinates are not in the copy at all; type is, and joins below.

    meta = next(iter(_copy_metadata(result).values()))
    grid = meta["grid_degrees"]
    attacker_public, attacker_copy = public_in_copy_form(public, grid), copy_in_attacker_form(copy)
    # The attacker's reading is right: each row's own brewery agrees with everything the row shows...
    truth = attacker_public.set_index("id").loc[[by_key[k] for k in copy["brewery_key"]]].reset_index()
    for column in ATTRIBUTES:
        shown = attacker_copy[column].notna()
        assert (attacker_copy.loc[shown, column].to_numpy() == truth.loc[shown, column].to_numpy()).all(), column
    # ...yet on every combination of the columns in the clear, under 1 % of rows agree with one brewery only.
    reidentified = {}
    for columns in combinations_of(ATTRIBUTES):
        agreeing = matches(attacker_copy, attacker_public, columns)
        assert (agreeing >= 1).all(), columns
        reidentified[columns] = float((agreeing == 1).mean())
        # Also for the attacker who reruns the generalisation on the public data.
        assert unique_in_copy(attacker_copy, columns) / len(copy) < 0.01, columns
    assert max(reidentified.values()) < 0.01, reidentified

    # The figures in the metadata are those the copy really has.
    assert meta["table_unique_rows"] == unique_in_copy(copy, CLEAR_COLUMNS)
    assert meta["table_unique_row_share"] == meta["table_unique_rows"] / len(copy) < 0.01
    assert meta["clear_columns"] == list(CLEAR_COLUMNS) and meta["development_key"] is False
    assert _risk(result).passed


def test_a_pseudonym_is_stable_under_one_key_and_maps_back_for_its_holders(layout, official_records, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    instance, first = _official_lake(layout, official_records)
    assert first.success
    before = {r["brewery_key"]: r for r in rows(layout.silver_anonymized)}

    # The next snapshot: 100 breweries gone, one new, one moved from Colorado to Oregon.
    moved = next(r for r in official_records if r["state_province"] == "Colorado")
    gone = {r["id"] for r in official_records[-100:]}
    new = {**moved, "id": "a-brewery-that-opened-today", "state_province": "Vermont"}
    records = [{**r, "state_province": "Oregon"} if r["id"] == moved["id"] else r
               for r in official_records if r["id"] not in gone] + [new]
    _, second = _official_lake(layout, records, DAY + dt.timedelta(days=1), instance)
    assert second.success
    after = {r["brewery_key"]: r for r in rows(layout.silver_anonymized)}

    # Under one key each brewery keeps its pseudonym, wherever it is now.
    staying = {r["id"] for r in records} - {new["id"]}
    assert before.keys() & after.keys() == {_pseudonym(SECRET, i) for i in staying}
    assert before.keys() - after.keys() == {_pseudonym(SECRET, i) for i in gone}
    assert after.keys() - before.keys() == {_pseudonym(SECRET, new["id"])}
    moved_key = _pseudonym(SECRET, moved["id"])
    assert (before[moved_key]["state"], after[moved_key]["state"]) == ("Colorado", "Oregon")
    # Holders of the key map the copy back to silver, location by location.
    silver = rows(layout.silver_breweries)
    by_key = {_pseudonym(SECRET, r["id"]): r for r in silver}
    assert by_key.keys() == after.keys()
    assert all(by_key[k]["location_id"] == row["location_id"] for k, row in after.items())

    # Rebuilding one location alone gives it the rows a rebuild of every location gave.
    colorado = location_key("United States", "Colorado")
    alone = materialize_anonymized(layout, instance, keys=[colorado, colorado])
    assert alone.success and [m.partition for m in alone.asset_materializations_for_node(
        "silver_breweries_anonymized")] == [colorado]
    assert _copy_metadata(alone)[colorado]["full_rebuild"] is False
    assert {r["brewery_key"]: r for r in rows(layout.silver_anonymized)} == after

    # Under another key every pseudonym changes, and the first key maps none of them back.
    monkeypatch.setenv(KEY_ENV, "another long random secret")
    rekeyed = materialize_anonymized(layout, instance)
    assert rekeyed.success
    other = {r["brewery_key"] for r in rows(layout.silver_anonymized)}
    assert len(other) == len(after) and other.isdisjoint(after) and other.isdisjoint(by_key)
    assert other == {_pseudonym("another long random secret", r["id"]) for r in silver}


def test_the_copy_reports_what_it_reveals_and_blocks_a_copy_that_reveals_too_much(
        layout, official_records, public, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    instance, first = _official_lake(layout, official_records)
    assert first.success
    meta = _copy_metadata(first)
    # Each location's own figures: a location with one brewery is a group of one; Texas has none.
    ukraine = next(m for key, m in meta.items() if key.startswith("Ukraine/"))
    assert (ukraine["dagster/row_count"], ukraine["unique_rows"], ukraine["smallest_group"]) == (1, 1, 1)
    texas = meta[location_key("United States", "Texas")]
    assert texas["unique_rows"] == 0 and texas["smallest_group"] >= texas["min_group_size"] == 5
    assert sum(m["unique_rows"] for m in meta.values()) == texas["table_unique_rows"]
    # The whole copy's figures, on every location's materialization and in the check.
    risk = _risk(first)
    assert risk.passed and risk.metadata["unique_rows"].value == texas["table_unique_rows"]
    assert risk.metadata["unique_row_share"].value == texas["table_unique_row_share"] < 0.01
    assert risk.metadata["smallest_group"].value == texas["table_smallest_group"] == 1
    assert risk.metadata["max_unique_share"].value == 0.01
    published = version(layout.silver_anonymized), rows(layout.silver_anonymized)

    # k = 1 (from the environment, as a scheduled run reads it) withholds nothing: too many unique rows.
    monkeypatch.setenv(MIN_GROUP_SIZE_ENV, "1")
    blocked = materialize_anonymized(layout, instance)
    assert not blocked.success
    risk = _risk(blocked)
    assert not risk.passed and risk.severity == dg.AssetCheckSeverity.ERROR
    assert risk.metadata["min_group_size"].value == 1 and risk.metadata["unique_row_share"].value > 0.01
    failure = blocked.get_step_failure_events()[0]
    assert "reidentification_risk" in failure.step_failure_data.error.message
    assert len([e for e in blocked.all_events if e.is_step_start]) == 1  # not retried
    assert (version(layout.silver_anonymized), rows(layout.silver_anonymized)) == published
    # The blocked candidate, kept for inspection: the join does re-identify over 1 % of its rows.
    staged = pd.DataFrame(rows(failure.step_failure_data.user_failure_data.metadata["staged"].value))
    assert max(_reidentified(staged, public, 1.0).values()) > 0.01

    # Run config beats the environment; a stricter share blocks the default generalisation too.
    config = {"ops": {"silver_breweries_anonymized": {"config": {"min_group_size": 5, "max_unique_share": 0.001}}}}
    strict = materialize_anonymized(layout, instance, config)
    assert not strict.success and not _risk(strict).passed
    assert _risk(strict).metadata["unique_row_share"].value == texas["table_unique_row_share"]
    assert (version(layout.silver_anonymized), rows(layout.silver_anonymized)) == published


def test_a_setting_out_of_range_fails_at_once_naming_it(layout, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(location_partitions.name, [location_key("United States", "Texas")])
    monkeypatch.setenv(MIN_GROUP_SIZE_ENV, "five")
    result = materialize_anonymized(layout, instance)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message
    assert "BREWERY_ANONYMIZED_MIN_GROUP_SIZE='five' is not a whole number" in message
    monkeypatch.delenv(MIN_GROUP_SIZE_ENV)
    for setting, value, expected in (("min_group_size", 0, "min_group_size must be a whole number of at least 1"),
                                     ("grid_degrees", -1.0, "grid_degrees must be above 0"),
                                     ("max_unique_share", 1.5, "max_unique_share must be between 0 and 1")):
        result = materialize_anonymized(
            layout, instance, {"ops": {"silver_breweries_anonymized": {"config": {setting: value}}}})
        assert not result.success
        failures = result.get_step_failure_events()
        assert len(failures) == 1 and expected in failures[0].step_failure_data.error.message, setting
        assert len([e for e in result.all_events if e.is_step_start]) == 1  # not retried
