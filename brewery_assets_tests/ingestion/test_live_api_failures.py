"""The failure modes of the live API, rehearsed on the replay server: edge errors, a rate limit shared with other
clients, a page that never answers (and the fallback dump), repeated ids and elements that are not breweries."""

import json
import logging

import dagster as dg
import pytest
import requests

from brewery_assets.ingestion.api import ExtractionSettings, ingest_from_api
from brewery_assets.ingestion.bronze import published_snapshot, verify_snapshot
from brewery_assets.openbrewerydb.client import RetriesExhausted
from brewery_assets.replay import ReplayServer, generate_breweries, write_dump
from brewery_assets.replay.faults import FaultPlan
from brewery_assets_tests.ingestion.conftest import (
    DAY,
    assert_unchanged,
    fast_client,
    materialize,
    metadata,
    published_records,
    version_folders,
)

# A brewery_type outside the API's list: the live API answers 500 for every page holding such a row.
BAD_TYPE = "taproom-bar"


def _ingest(server, layout, per_page=200, **retry):
    messages: list[str] = []
    client = fast_client(server.url, **retry)
    manifest = ingest_from_api(client, layout, DAY, ExtractionSettings(per_page=per_page), messages.append)
    return manifest, messages


def _lines(layout) -> list[str]:
    snapshot = published_snapshot(layout, DAY)
    return [line for page in snapshot.manifest["pages"]
            for line in snapshot.read_page(page["file"]).decode("utf-8").split("\n")[:-1]]


def test_edge_errors_on_a_tenth_of_the_answers_still_give_every_record_once(layout, official_records):
    with ReplayServer(official_records) as server:
        injector = server.inject_faults(FaultPlan(error_rate=0.1, error_statuses=(520, 522, 530), seed=5))
        manifest, messages = _ingest(server, layout, max_retries=8)
    ids = [record["id"] for record in published_records(layout)]
    assert ids == [record["id"] for record in official_records]
    assert len(set(ids)) == manifest["records"] == manifest["distinct_ids"] == 11_822
    assert sorted(injector.injected) == ["http_520", "http_522", "http_530"]
    extraction = manifest["extraction"]
    assert extraction["retries"] == sum(injector.injected.values()) > 0
    assert set(extraction["failures"]) == {"http_520", "http_522", "http_530"}
    assert any("HTTP 522 (Cloudflare: connection to the origin timed out)" in m for m in messages)


def test_a_rate_limit_window_shared_with_another_client_is_waited_out_and_recorded(layout):
    # 20 requests per 2-second window for every client on this address; another client has just used them all.
    records = generate_breweries(2_000, seed=4)
    with ReplayServer(records) as server:
        injector = server.inject_faults(FaultPlan(throttle_limit=20, throttle_window=2.0))
        with requests.Session() as other_client:
            assert [other_client.get(f"{server.url}/breweries/meta", timeout=10).status_code
                    for _ in range(20)] == [200] * 20
        result = materialize(layout, server.url, per_page=50, rate_limit_window_seconds=2.0, max_retries=0)
        served = server.ids()
    assert result.success
    assert [record["id"] for record in published_records(layout)] == served == [r["id"] for r in records]
    extraction = published_snapshot(layout, DAY).manifest["extraction"]
    assert extraction["rate_limited"] == injector.injected["throttled"] >= 1
    assert extraction["server_rate_limit"] == 20 and extraction["server_lowest_remaining"] == 0
    assert extraction["rate_limit_wait_seconds"] >= extraction["rate_limit_window_wait_seconds"] >= 1.0
    meta = metadata(result)
    assert meta["rate_limited"] == extraction["rate_limited"]
    assert meta["rate_limit_wait_seconds"] == extraction["rate_limit_wait_seconds"]


@pytest.fixture
def catalogue() -> list[dict]:
    """500 breweries; the 130th (on page 3 of 50) has a type the API cannot serve."""
    records = generate_breweries(500, seed=6)
    records[129] = {**records[129], "brewery_type": BAD_TYPE}
    return records


@pytest.fixture
def failing_server(catalogue):
    with ReplayServer(catalogue) as server:
        server.inject_faults(FaultPlan(failing_type=BAD_TYPE))
        yield server


def test_a_page_that_always_answers_500_fails_naming_the_page_and_what_to_do(
    failing_server, layout, previous_snapshot
):
    with pytest.raises(RetriesExhausted) as failure:
        _ingest(failing_server, layout, per_page=50, max_retries=3)
    message = str(failure.value)
    assert message.startswith(f"page 3 of the catalogue could not be read: GET {failing_server.url}/breweries?"
                              "page=3&per_page=50 failed 4 times; the last try: HTTP 500 (Internal Server Error): "
                              '{"message":"Server Error"}. The snapshot for 2026-11-22 was not published; the '
                              "previous one is unchanged. What to do: ")
    assert "the live API answers 500 for a brewery_type outside its list" in message
    assert "set run config fallback_dump_url" in message and "or run with source: file" in message
    assert (failure.value.page, failure.value.status) == (3, 500)
    assert_unchanged(layout, previous_snapshot)


def test_the_fallback_dump_publishes_the_day_when_a_page_never_answers(
    failing_server, catalogue, layout, file_server, previous_snapshot
):
    base, folder, served = file_server
    write_dump(catalogue, folder / "breweries.csv", "csv")
    instance = dg.DagsterInstance.ephemeral()
    instance_result = materialize(layout, failing_server.url, instance, per_page=50, max_retries=2,
                                  if_complete="force", fallback_dump_url=f"{base}/breweries.csv")

    assert instance_result.success and served == ["/breweries.csv"]
    snapshot = published_snapshot(layout, DAY)
    assert verify_snapshot(snapshot) == []
    assert published_records(layout) == catalogue
    assert version_folders(layout) == sorted([previous_snapshot["manifest"]["version"], snapshot.manifest["version"]])
    source = snapshot.manifest["source"]
    assert (source["kind"], source["url"], source["format"], source["bad_lines"]) == (
        "dump", f"{base}/breweries.csv", "csv", 0)
    assert source["reason"].startswith("fallback_dump_url, because the API failed: page 3 of the catalogue could "
                                       "not be read")
    assert "HTTP 500 (Internal Server Error)" in source["reason"] and "What to do" not in source["reason"]
    attempt = source["api_attempt"]
    assert attempt["url"] == failing_server.url and attempt["statuses"]["500"] == 3
    meta = metadata(instance_result)
    assert (meta["source_kind"], meta["source"]) == ("dump", f"{base}/breweries.csv")
    assert meta["source_reason"] == source["reason"] and meta["records"] == 500
    assert meta["requests"] == attempt["requests"] > 0 and "rate_limit_wait_seconds" in meta
    warnings = [r.user_message for r in instance.all_logs(instance_result.run_id) if r.level == logging.WARNING]
    assert any(m.startswith(f"the API could not give the snapshot of {DAY}; publishing it from the dump at "
                            f"{base}/breweries.csv instead. The API's failure: page 3") for m in warnings)


def test_a_fallback_that_fails_too_names_both_failures_and_keeps_the_previous_snapshot(
    failing_server, layout, file_server, previous_snapshot
):
    base, _, served = file_server
    result = materialize(layout, failing_server.url, per_page=50, max_retries=1, if_complete="force",
                         fallback_dump_url=f"{base}/missing.csv")
    assert not result.success and served == ["/missing.csv"]
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert "the API failed: page 3 of the catalogue could not be read" in message
    assert f"The fallback dump {base}/missing.csv failed too: GET {base}/missing.csv answered HTTP 404" in message
    assert_unchanged(layout, previous_snapshot)


def test_a_rejected_request_is_not_hidden_by_the_fallback(layout, file_server, previous_snapshot):
    base, folder, served = file_server
    write_dump(generate_breweries(10, seed=1), folder / "breweries.csv", "csv")
    with ReplayServer(generate_breweries(10, seed=1)) as server:
        result = materialize(layout, server.url + "/v2", if_complete="force",
                             fallback_dump_url=f"{base}/breweries.csv")
    assert not result.success and served == []
    (failure,) = result.get_step_failure_events()
    assert "answered HTTP 404, not retried" in failure.step_failure_data.error.message
    assert_unchanged(layout, previous_snapshot)


def test_an_id_repeated_on_one_page_is_the_catalogues_own_and_published_at_once(layout):
    records = generate_breweries(120, seed=8)
    records[15] = {**records[15], "id": records[10]["id"], "name": "Second copy"}
    with ReplayServer(records) as server:
        manifest, messages = _ingest(server, layout, per_page=50)
    assert [r["id"] for r in published_records(layout)] == [r["id"] for r in records]
    extraction = manifest["extraction"]
    assert [p["problems"] for p in extraction["passes"]] == [[]]
    assert extraction["repeated_ids"] == {"count": 1, "examples": [records[10]["id"]]}
    assert (manifest["records"], manifest["distinct_ids"]) == (120, 119)
    assert any(m.startswith("the catalogue itself repeats 1 ids") for m in messages)


def test_an_id_repeated_across_pages_is_read_again_and_published_when_it_is_stable(layout):
    # On page 1 and on page 3: a row pushed onto a later page while paging would look the same, once.
    records = generate_breweries(120, seed=8)
    records[110] = {**records[110], "id": records[10]["id"]}
    with ReplayServer(records) as server:
        manifest, _ = _ingest(server, layout, per_page=50)
    assert [r["id"] for r in published_records(layout)] == [r["id"] for r in records]
    passes = manifest["extraction"]["passes"]
    assert passes[0]["problems"] == [f"1 ids were read on more than one page (e.g. {records[10]['id']})"]
    assert passes[1]["agrees_with_previous"] and manifest["extraction"]["published_pass"] == 2
    assert (manifest["records"], manifest["distinct_ids"]) == (120, 119)


def test_elements_that_are_not_breweries_are_stored_as_received(layout):
    records = generate_breweries(6, seed=2)
    odd = {**records[4], "state_province": {"name": "Oregon", "code": "OR"}}
    served = [records[0], "abc", None, 42, records[1], {"name": "no id"}, odd, [1, "x"]]
    with ReplayServer(served) as server:
        manifest, _ = _ingest(server, layout, per_page=3)
    lines = _lines(layout)
    assert lines[1:4] == ['"abc"', "null", "42"] and lines[7] == '[1,"x"]'
    assert json.loads(lines[6])["state_province"] == {"name": "Oregon", "code": "OR"}
    assert manifest["records"] == len(lines) == 8 and manifest["distinct_ids"] == 3
    located = {(row["country_raw"], row["state_raw"]): row["records"] for row in manifest["locations"]}
    assert located[(odd["country"], '{"name":"Oregon","code":"OR"}')] == 1
    assert sum(located.values()) == 4, "the object without an id has a location too; non-objects have none"


def test_a_dump_keeps_its_bad_lines_and_counts_them(layout, tmp_path):
    records = generate_breweries(5, seed=3)
    dump = tmp_path / "breweries.jsonl"
    lines = [json.dumps(r) for r in records[:2]] + ['{"id": "broken", ', '"abc"'] + [json.dumps(records[2])]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(layout, instance=instance, source="file", dump_path=str(dump))
    assert result.success
    stored = _lines(layout)
    assert stored[2:4] == ['"{\\"id\\": \\"broken\\", "', '"abc"'] and len(stored) == 5
    meta = metadata(result)
    assert meta["dump_bad_lines"] == 1 and meta["records"] == 5 and meta["source_kind"] == "file"
    source = published_snapshot(layout, DAY).manifest["source"]
    assert source["bad_line_examples"] == [
        {"line": 3, "reason": "invalid JSON line (Expecting property name enclosed in double quotes, column 18)",
         "text": '{"id": "broken", '}]
    messages = [r.user_message for r in instance.all_logs(result.run_id)]
    assert "1 lines of the dump could not be read (line 3: invalid JSON line (Expecting property name enclosed " \
           "in double quotes, column 18)); they are kept in bronze as text and silver quarantines them as " \
           "unreadable_record" in messages


def test_a_csv_dump_row_of_the_wrong_width_is_kept_as_text(layout, tmp_path):
    dump = write_dump(generate_breweries(4, seed=3), tmp_path / "breweries.csv", "csv")
    rows = dump.read_bytes().split(b"\r\n")
    rows.insert(2, b"only,three,fields")
    dump.write_bytes(b"\r\n".join(rows))
    result = materialize(layout, source="file", dump_path=str(dump))
    assert result.success and metadata(result)["dump_bad_lines"] == 1
    assert _lines(layout)[1] == '"only,three,fields"' and len(_lines(layout)) == 5
