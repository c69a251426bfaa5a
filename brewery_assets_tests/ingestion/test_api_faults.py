"""Every fault of the real API, injected by the replay server over HTTP, against the official dataset.

Each run ends one of two ways: the published snapshot holds exactly the catalogue's ids, once each, or the
run fails with an error that says what was wrong and the day's previous snapshot is untouched.
"""

import dataclasses

import pytest

from brewery_assets.ingestion.api import ExtractionSettings, ingest_from_api
from brewery_assets.ingestion.bronze import IncompleteSnapshotError
from brewery_assets.openbrewerydb.client import RequestRejected, RetriesExhausted, TimeBudgetExhausted
from brewery_assets.replay import ReplayServer
from brewery_assets.replay.faults import FaultPlan
from brewery_assets_tests.ingestion.conftest import DAY, assert_unchanged, fast_client, published_records

SETTINGS = ExtractionSettings(per_page=200, max_concurrency=4)


@pytest.fixture
def server(official_records):
    # A server per test: drift faults change its catalogue.
    with ReplayServer(official_records) as server:
        yield server


def _ingest(server, layout, timeout=5.0, **retry):
    messages: list[str] = []
    manifest = ingest_from_api(fast_client(server.url, timeout, **retry), layout, DAY, SETTINGS, messages.append)
    return manifest, messages


def _assert_exact(layout, server, manifest, official_records, drifted=False):
    ids = [record["id"] for record in published_records(layout)]
    assert ids == server.ids(), "the snapshot is the catalogue as served, in order"
    assert len(ids) == len(set(ids)) == manifest["records"] == manifest["distinct_ids"] == manifest["api_total"]
    if not drifted:
        assert ids == [record["id"] for record in official_records]
        assert published_records(layout) == official_records


RECOVERABLE = {
    "429 burst with Retry-After": FaultPlan(rate_limit_after=3, rate_limit_burst=8, retry_after="0.05"),
    "random 5xx": FaultPlan(error_rate=0.15, error_status=502, seed=11),
    "latency with slow responses": FaultPlan(latency=0.01, slow_requests=3, slow_seconds=1.0),
    "cut bodies": FaultPlan(cut_rate=0.1, seed=12),
    "malformed JSON": FaultPlan(malformed_rate=0.1, seed=13),
    "a short page, once": FaultPlan(short_page=7, short_page_rows=13),
    "a meta total off once": FaultPlan(meta_offset=40, meta_offset_times=1),
}


@pytest.mark.parametrize("plan", RECOVERABLE.values(), ids=RECOVERABLE.keys())
def test_transient_faults_still_give_the_exact_catalogue(server, layout, previous_snapshot, official_records, plan):
    injector = server.inject_faults(plan)
    manifest, messages = _ingest(server, layout, timeout=0.5, max_retries=8)
    _assert_exact(layout, server, manifest, official_records)
    assert sum(injector.injected.values()) > 0, "the fault did happen"
    extraction = manifest["extraction"]
    if plan.short_page:
        assert extraction["passes"][0]["reread_pages"] == [7]
        assert extraction["passes"][0]["mended_by_reread"] == ["page 7 has 187 rows where 200 were due",
                                                              "11809 records were read but /meta reports 11822"]
    elif plan.meta_offset:
        assert [p["problems"] for p in extraction["passes"]] == [
            ["the /meta total changed during the read (11862 -> 11822)"], []]
    else:
        assert extraction["retries"] > 0 and any(m.startswith("retry 1 of GET") for m in messages)
    if plan.rate_limit_burst:
        assert extraction["rate_limited"] == 8 and extraction["retry_wait_seconds"] >= 8 * 0.05


@pytest.mark.parametrize("change", ["drift_insert", "drift_delete"])
def test_records_inserted_or_deleted_while_reading_are_resolved_by_a_consistent_re_read(
    server, layout, previous_snapshot, official_records, change
):
    # After 20 page requests, 7 breweries appear (or disappear) at the front: every later page shifts.
    injector = server.inject_faults(FaultPlan(drift_after=20, drift_position=0, **{change: 7}))
    manifest, messages = _ingest(server, layout)

    _assert_exact(layout, server, manifest, official_records, drifted=True)
    expected = {r["id"] for r in official_records} | set(injector.inserted_ids)
    assert set(server.ids()) == expected - set(injector.removed_ids)
    assert len(server.ids()) == 11_822 + (7 if change == "drift_insert" else -7)
    passes = manifest["extraction"]["passes"]
    assert passes[0]["problems"][0].startswith("the /meta total changed during the read")
    assert [p["problems"] for p in passes[1:]] == [[], []] and passes[2]["agrees_with_previous"]
    assert manifest["extraction"]["published_pass"] == 3
    assert any("reading everything again" in m for m in messages)


PERSISTENT = {
    "a page always short": (
        FaultPlan(short_page=7, short_page_rows=13, short_page_times=0),
        r"page 7 has 187 rows where 200 were due; 11809 records were read but /meta reports 11822",
    ),
    "a meta total that never matches": (
        FaultPlan(meta_offset=5),
        r"read the same ids as the pass before them, but the data does not add up\); "
        r"the last read: page 60 has 22 rows where 27 were due; 11822 records were read but /meta reports 11827",
    ),
    "a catalogue that keeps changing": (
        FaultPlan(drift_after=15, drift_insert=2, drift_times=0),
        r"no two consecutive passes read the same ids: the catalogue kept changing",
    ),
}


@pytest.mark.parametrize(("plan", "message"), PERSISTENT.values(), ids=PERSISTENT.keys())
def test_inconsistencies_that_do_not_clear_fail_and_keep_the_previous_snapshot(
    server, layout, previous_snapshot, plan, message
):
    server.inject_faults(plan)
    with pytest.raises(IncompleteSnapshotError, match=message) as failure:
        _ingest(server, layout)
    assert "The snapshot for 2026-11-22 was not published; the previous one is unchanged" in str(failure.value)
    assert_unchanged(layout, previous_snapshot)


def test_an_outage_midway_fails_with_the_request_and_keeps_the_previous_snapshot(server, layout, previous_snapshot):
    server.inject_faults(FaultPlan(outage_after=25, error_status=503))
    with pytest.raises(RetriesExhausted, match=r"GET http://.*/v1/breweries\?page=\d+&per_page=200 failed 4 times; "
                                               r"the last try: HTTP 503"):
        _ingest(server, layout, max_retries=3)
    assert_unchanged(layout, previous_snapshot)


def test_an_outage_during_a_re_read_also_keeps_the_previous_snapshot(server, layout, previous_snapshot):
    # Drift makes pass 1 inconsistent; the server goes down while pass 2 reads everything again.
    server.inject_faults(FaultPlan(drift_after=20, drift_insert=1, outage_after=90))
    with pytest.raises(RetriesExhausted, match=r"the last try: HTTP 503"):
        _ingest(server, layout, max_retries=2)
    assert_unchanged(layout, previous_snapshot)


def test_a_rate_limit_that_never_lifts_fails_when_the_time_budget_is_spent(server, layout, previous_snapshot):
    # 429s do not use up retries: they are waited out, for as long as the extraction's time budget lasts.
    server.inject_faults(FaultPlan(rate_limit_after=10, rate_limit_burst=10**9, retry_after="0.2"))
    client = fast_client(server.url, max_retries=2)
    settings = dataclasses.replace(SETTINGS, time_budget_seconds=1.5)
    with pytest.raises(TimeBudgetExhausted) as failure:
        ingest_from_api(client, layout, DAY, settings)
    message = str(failure.value)
    assert "the extraction's time budget of 1.5 s is spent" in message
    assert "HTTP 429 (Too Many Requests) with Retry-After 0.2 s" in message
    assert "What to do: the API kept the client waiting past the time budget" in message
    assert client.stats.rate_limited > 2, "more 429s than max_retries were waited out"
    assert_unchanged(layout, previous_snapshot)


def test_a_wrong_base_url_fails_at_once_without_retrying(server, layout, previous_snapshot):
    client = fast_client(server.url + "/v2")
    with pytest.raises(RequestRejected, match=r"/v1/v2/breweries/meta answered HTTP 404, not retried"):
        ingest_from_api(client, layout, DAY, SETTINGS)
    assert server.request_count == 1
    assert_unchanged(layout, previous_snapshot)


def test_a_healthy_read_costs_one_request_per_page_and_reuses_connections(server, layout, official_records):
    manifest, messages = _ingest(server, layout)
    _assert_exact(layout, server, manifest, official_records)
    extraction = manifest["extraction"]
    # /meta, 60 pages, the empty page after them, /meta again.
    assert extraction["requests"] == server.request_count == 63
    assert extraction["retries"] == 0 and extraction["passes"][0]["problems"] == []
    assert server.connection_count <= SETTINGS.max_concurrency
    assert messages[-1] == "pass 1: pages 61/61, requests 62, retries 0"


def test_an_empty_catalogue_is_not_published(layout, previous_snapshot):
    expected = r"reports 0 breweries; an empty catalogue is not published"
    with ReplayServer([]) as empty, pytest.raises(IncompleteSnapshotError, match=expected):
        ingest_from_api(fast_client(empty.url), layout, DAY, SETTINGS)
    assert_unchanged(layout, previous_snapshot)
