"""Fault injection in the replay server, seen from a plain HTTP client, and switched from the command line."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.replay.faults import FAULTS_ENV, FaultPlan
from brewery_assets.replay.server import main
from brewery_assets_tests.conftest import REPO_ROOT
from brewery_assets_tests.replay.test_server import _free_port, _wait_for_meta


@pytest.fixture
def server():
    with ReplayServer(generate_breweries(100, seed=9)) as server:
        yield server


def _page(server, page=1, per_page=10) -> requests.Response:
    return requests.get(f"{server.url}/breweries", params={"page": page, "per_page": per_page}, timeout=10)


def test_plans_parse_from_text():
    plan = FaultPlan.parse("latency=0.1, error-rate=0.05,rate_limit_burst=3,retry_after=2")
    assert plan == FaultPlan(latency=0.1, error_rate=0.05, rate_limit_burst=3, retry_after="2")
    assert FaultPlan.parse("") == FaultPlan()
    with pytest.raises(ValueError, match="unknown fault 'teapot=1'"):
        FaultPlan.parse("teapot=1")
    with pytest.raises(ValueError, match="fault latency needs a float"):
        FaultPlan.parse("latency=slow")


def test_a_429_burst_carries_retry_after_then_lifts(server):
    server.inject_faults(FaultPlan(rate_limit_after=1, rate_limit_burst=2, retry_after="3"))
    statuses = [_page(server) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 429, 200]
    assert statuses[1].headers["Retry-After"] == "3" and statuses[1].json() == {"message": "Too Many Attempts."}


def test_random_errors_follow_the_seed(server):
    def statuses(seed):
        server.inject_faults(FaultPlan(error_rate=0.5, error_status=502, seed=seed))
        return [_page(server).status_code for _ in range(20)]

    first = statuses(4)
    assert set(first) == {200, 502} and statuses(4) == first


def test_latency_is_added(server):
    server.inject_faults(FaultPlan(latency=0.2))
    started = time.monotonic()
    assert _page(server).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_cut_and_malformed_bodies(server):
    server.inject_faults(FaultPlan(cut_rate=1.0))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _page(server)
    server.inject_faults(FaultPlan(malformed_rate=1.0))
    response = _page(server)
    assert response.status_code == 200 and int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_a_short_page_once_or_always(server):
    server.inject_faults(FaultPlan(short_page=2, short_page_rows=3))
    assert [len(_page(server, 2).json()) for _ in range(2)] == [7, 10]
    server.inject_faults(FaultPlan(short_page=2, short_page_rows=3, short_page_times=0))
    assert [len(_page(server, 2).json()) for _ in range(3)] == [7, 7, 7]
    assert len(_page(server, 1).json()) == 10


def test_drift_inserts_and_deletes_between_page_reads(server):
    before = server.ids()
    injector = server.inject_faults(FaultPlan(drift_after=1, drift_insert=2, drift_delete=1, drift_position=5))
    first = [r["id"] for r in _page(server, 1).json()]
    second = [r["id"] for r in _page(server, 1).json()]
    assert first == before[:10]  # served before the change
    assert injector.removed_ids == [before[5]] and len(injector.inserted_ids) == 2
    assert second == before[:5] + injector.inserted_ids + before[6:9]
    meta = requests.get(f"{server.url}/breweries/meta", timeout=10).json()
    assert meta["total"] == len(server.ids()) == 101


def test_a_meta_total_that_disagrees(server):
    server.inject_faults(FaultPlan(meta_offset=-4, meta_offset_times=1))
    totals = [requests.get(f"{server.url}/breweries/meta", timeout=10).json()["total"] for _ in range(2)]
    assert totals == [96, 100]


def test_no_faults_after_switching_them_off(server):
    server.inject_faults(FaultPlan(error_rate=1.0))
    assert _page(server).status_code == 503
    server.inject_faults(None)
    assert server.before_response is None and _page(server).status_code == 200


def test_the_command_line_switches_faults_on(tmp_path):
    port = _free_port()
    command = [sys.executable, "-m", "brewery_assets.replay.server", "--port", str(port), "--size", "50",
               "--faults", "meta_offset=7,rate_limit_after=1,rate_limit_burst=1"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop(FAULTS_ENV, None)
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        assert _wait_for_meta(url, process)["total"] == 57
        assert requests.get(f"{url}/breweries", timeout=10).status_code == 429
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)
    assert "Injecting faults: meta_offset=7" in stdout, stderr


def test_the_command_line_rejects_an_unknown_fault(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--port", "0", "--size", "5", "--faults", "gremlins=1"])
    assert excinfo.value.code == 2
    assert "unknown fault 'gremlins=1'" in capsys.readouterr().err


def test_the_rate_limit_sends_its_headers_and_keeps_a_429_window_until_it_resets(server):
    injector = server.inject_faults(FaultPlan(throttle_limit=3, throttle_window=1.5))
    with requests.Session() as first, requests.Session() as second:
        answers = [session.get(f"{server.url}/breweries", params={"per_page": 5}, timeout=10)
                   for session in (first, second, first, second, first)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429], "one window for every client"
        assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
        assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"3"}
        refused = answers[3]
        assert refused.json() == {"message": "Too Many Attempts."}
        assert 1 <= int(refused.headers["Retry-After"]) <= 2
        assert 0 < int(refused.headers["X-RateLimit-Reset"]) - time.time() <= 2.5
        assert "X-RateLimit-Reset" not in answers[0].headers and "Retry-After" not in answers[0].headers
        time.sleep(1.6)
        again = first.get(f"{server.url}/breweries/meta", timeout=10)
    assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "2", "a new window"
    assert injector.injected["throttled"] == 2


def test_other_clients_behind_the_same_address_use_up_part_of_every_window(server):
    server.inject_faults(FaultPlan(throttle_limit=5, throttle_window=60, throttle_others=3))
    statuses = [_page(server).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_a_429_burst_carries_the_window_headers(server):
    server.inject_faults(FaultPlan(rate_limit_after=0, rate_limit_burst=1, retry_after="2"))
    refused = _page(server)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2" and refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["X-RateLimit-Reset"]) - time.time() <= 3


@pytest.mark.parametrize("status", [502, 504, 520, 521, 522, 523, 524, 530])
def test_edge_errors_answer_cloudflare_html_without_reaching_the_api(server, status):
    injector = server.inject_faults(FaultPlan(outage_after=1, error_status=status, throttle_limit=100))
    assert _page(server).headers["X-RateLimit-Remaining"] == "99"
    answer = _page(server)
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "text/html; charset=UTF-8" and answer.headers["Server"] == "cloudflare"
    assert f"<title>api.openbrewerydb.org | {status}: " in answer.text and "Cloudflare Ray ID" in answer.text
    assert "X-RateLimit-Remaining" not in answer.headers
    server.inject_faults(None)
    assert injector.injected[f"http_{status}"] == 1


def test_api_errors_answer_laravel_json_and_count_against_the_limit(server):
    server.inject_faults(FaultPlan(error_rate=1.0, error_status=500, throttle_limit=100))
    answer = _page(server)
    assert answer.status_code == 500 and answer.json() == {"message": "Server Error"}
    assert answer.headers["X-RateLimit-Remaining"] == "99"
    server.inject_faults(FaultPlan(error_rate=1.0, error_status=503))
    assert _page(server).json() == {"message": "Service Unavailable"}


def test_error_statuses_are_drawn_from_a_set(server):
    server.inject_faults(FaultPlan.parse("error_rate=1,error_statuses=520+522+530,seed=2"))
    statuses = [_page(server).status_code for _ in range(30)]
    assert set(statuses) == {520, 522, 530}


def test_chosen_pages_fail_every_time(server):
    server.inject_faults(FaultPlan.parse("failing_pages=2+4"))
    statuses = {page: [_page(server, page).status_code for _ in range(3)] for page in range(1, 6)}
    assert statuses == {1: [200] * 3, 2: [500] * 3, 3: [200] * 3, 4: [500] * 3, 5: [200] * 3}
    assert _page(server, 2).json() == {"message": "Server Error"}


def test_rows_of_a_type_outside_the_list_fail_every_page_that_holds_them():
    # As the live API's enum cast does: whatever the page size, the page holding the row answers 500.
    records = generate_breweries(100, seed=9)
    records[37] = {**records[37], "brewery_type": "taproom-bar"}
    with ReplayServer(records) as server:
        server.inject_faults(FaultPlan(failing_type="taproom-bar"))
        for per_page, failing in ((10, 4), (25, 2), (50, 1)):
            statuses = [_page(server, page, per_page).status_code for page in range(1, 100 // per_page + 1)]
            assert statuses == [500 if page == failing else 200 for page in range(1, 100 // per_page + 1)]
        one = requests.get(f"{server.url}/breweries/{records[37]['id']}", timeout=10)
        assert one.status_code == 500
        meta = requests.get(f"{server.url}/breweries/meta", timeout=10)
        assert meta.status_code == 200 and meta.json()["by_type"]["taproom-bar"] == 1


def test_tuple_faults_parse_from_text():
    plan = FaultPlan.parse("error_statuses=520+522, failing_pages=7")
    assert plan.error_statuses == (520, 522) and plan.failing_pages == (7,)
    with pytest.raises(ValueError, match="fault failing_pages needs a int"):
        FaultPlan.parse("failing_pages=seven")
