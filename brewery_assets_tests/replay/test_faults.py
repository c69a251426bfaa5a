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
