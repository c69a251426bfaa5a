"""The API client over real HTTP: connection reuse, retries of every 5xx and edge error, 429 windows,
Retry-After and X-RateLimit-Reset, pacing from X-RateLimit-Remaining, timeouts, the time budget, 4xx."""

import datetime as dt
import random
import threading
import time

import pytest

from brewery_assets.openbrewerydb.client import (
    OpenBreweryDBClient,
    RequestRejected,
    RetriesExhausted,
    TimeBudgetExhausted,
)
from brewery_assets.openbrewerydb.ratelimit import RateLimiter
from brewery_assets.openbrewerydb.retry import RetryPolicy, parse_rate_limit_reset, parse_retry_after
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.replay.faults import FaultPlan
from brewery_assets.replay.server import Request, Response
from brewery_assets_tests.ingestion.conftest import fast_client


@pytest.fixture
def server():
    with ReplayServer(generate_breweries(300, seed=7)) as server:
        yield server


def test_one_connection_serves_every_sequential_request(server):
    client = fast_client(server.url)
    assert client.meta()["total"] == 300
    pages = [client.page(n, 20) for n in range(1, 16)]
    assert sum(len(p.records) for p in pages) == 300
    assert server.connection_count == 1
    assert client.stats.as_dict()["requests"] == 16 and client.stats.retries == 0


def test_429_waits_at_least_retry_after(server):
    server.inject_faults(FaultPlan(rate_limit_after=0, rate_limit_burst=1, retry_after="0.4"))
    client = fast_client(server.url)
    started = time.monotonic()
    assert client.meta()["total"] == 300
    assert time.monotonic() - started >= 0.4
    stats = client.stats.as_dict()
    assert stats["rate_limited"] == 1 and stats["retries"] == 1 and stats["retry_wait_seconds"] >= 0.4


def test_a_timeout_is_retried(server):
    server.inject_faults(FaultPlan(slow_requests=1, slow_seconds=1.0))
    client = fast_client(server.url, timeout=0.3)
    assert len(client.page(1, 50).records) == 50
    assert client.stats.failures == {"timeout": 1}


@pytest.mark.parametrize("fault", ["cut_rate", "malformed_rate"])
def test_cut_or_malformed_bodies_are_retried(server, fault):
    server.inject_faults(FaultPlan(**{fault: 1.0}))
    client = fast_client(server.url, max_retries=2)
    with pytest.raises(RetriesExhausted, match=r"page=1&per_page=50 failed 3 times"):
        client.page(1, 50)
    server.inject_faults(FaultPlan(seed=1, **{fault: 0.3}))
    client = fast_client(server.url, max_retries=8)
    assert [len(client.page(n, 50).records) for n in range(1, 7)] == [50] * 6
    assert client.stats.retries > 0


def test_retries_stop_after_max_retries_with_the_last_error(server):
    server.inject_faults(FaultPlan(outage_after=0, error_rate=1.0, error_status=502))
    client = fast_client(server.url, max_retries=3)
    with pytest.raises(RetriesExhausted, match=r"breweries/meta failed 4 times; the last try: HTTP 502"):
        client.meta()
    assert server.request_count == 4


def test_a_4xx_that_cannot_succeed_is_not_retried(server):
    client = fast_client(server.url)
    with pytest.raises(RequestRejected, match=r"page=0&per_page=50 answered HTTP 422, not retried because "
                                              r"the API rejected the request's parameters: .*at least 1"):
        client.page(0, 50)
    wrong_base = fast_client(server.url.removesuffix("/v1"))
    with pytest.raises(RequestRejected, match=r"HTTP 404, not retried because the URL does not exist"):
        wrong_base.meta()
    assert server.request_count == 2


def test_the_rate_limit_spreads_requests_over_the_window():
    limiter = RateLimiter(3, window_seconds=0.3)
    started = time.monotonic()
    for _ in range(7):  # 3 at once, 3 after one window, the 7th after two
        limiter.acquire()
    assert 0.6 <= time.monotonic() - started < 2
    limiter.pause(0.2)
    paused = time.monotonic()
    limiter.acquire()
    assert time.monotonic() - paused >= 0.2


def test_the_rate_limit_holds_a_client_to_its_budget(server):
    client = fast_client(server.url)
    client.limiter.window_seconds = 0.5
    client.limiter.limit = 4
    started = time.monotonic()
    for n in range(1, 10):
        client.page(n, 10)
    assert time.monotonic() - started >= 1.0  # 9 requests at 4 per 0.5 s need two full windows


def test_backoff_doubles_with_bounded_jitter_and_respects_retry_after():
    policy = RetryPolicy(backoff_seconds=2.0, jitter=0.5)
    for retry, base in [(1, 2.0), (2, 4.0), (3, 8.0)]:
        delays = [policy.delay(retry) for _ in range(200)]
        assert base * 0.5 <= min(delays) and max(delays) <= base * 1.5
        assert max(delays) - min(delays) > base * 0.5  # jitter spreads the retries
    assert policy.delay(1, retry_after=30) == 30
    assert RetryPolicy(max_retry_after_seconds=5).delay(1, retry_after=3600) <= 5 * 1.5
    assert RetryPolicy(max_backoff_seconds=10, jitter=0).delay(10) == 10


def test_retry_after_accepts_seconds_and_http_dates():
    now = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("7") == 7 and parse_retry_after("0.25") == 0.25
    assert parse_retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now=now) == 30
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None


def test_backoff_never_exceeds_max_backoff_seconds():
    # Jitter is applied before the cap: 8 s * 1.5 would be 12 s without it.
    policy = RetryPolicy(backoff_seconds=2.0, max_backoff_seconds=10.0, jitter=0.5, rng=random.Random(1))
    delays = [policy.delay(retry) for retry in range(1, 40) for _ in range(200)]
    assert max(delays) <= 10.0
    assert max(policy.delay(3) for _ in range(200)) == 10.0, "the cap is reached, not avoided"
    assert min(policy.delay(1) for _ in range(200)) >= 1.0
    # A server's Retry-After is not backoff: it is honoured up to its own cap.
    assert policy.delay(1, retry_after=30) == 30
    assert RetryPolicy(max_retry_after_seconds=5, max_backoff_seconds=1).delay(1, retry_after=3600) == 5


@pytest.mark.parametrize("status", [500, 501, 502, 503, 504, 507, 520, 521, 522, 523, 524, 530])
def test_every_5xx_and_edge_error_is_retried(server, status):
    server.inject_faults(FaultPlan(outage_after=0, error_rate=1.0, error_status=status))
    client = fast_client(server.url, max_retries=2)
    with pytest.raises(RetriesExhausted, match=rf"page=1&per_page=10 failed 3 times; the last try: HTTP {status}"):
        client.page(1, 10)
    assert server.request_count == 3
    server.inject_faults(FaultPlan(error_rate=0.3, error_status=status, seed=3))
    client = fast_client(server.url, max_retries=10)
    assert [len(client.page(n, 10).records) for n in range(1, 11)] == [10] * 10
    assert client.stats.failures[f"http_{status}"] > 0


def test_an_edge_error_names_the_status_and_the_html_page_title(server):
    server.inject_faults(FaultPlan(outage_after=0, error_rate=1.0, error_status=522))
    client = fast_client(server.url, max_retries=1)
    with pytest.raises(RetriesExhausted) as failure:
        client.page(4, 20)
    error = failure.value
    assert (error.page, error.status) == (4, 522)
    assert ("the last try: HTTP 522 (Cloudflare: connection to the origin timed out): [HTML] "
            "api.openbrewerydb.org | 522: Connection timed out: Error 522 Connection timed out") in str(error)
    assert "<" not in error.body_excerpt and len(error.body_excerpt) <= 300


def _answer_429_once(headers: dict):
    """A before_response hook: the first request is refused with a 429 carrying `headers`."""
    def hook(request: Request, response: Response) -> Response:
        return Response(429, b'{"message":"Too Many Attempts."}', headers) if request.number == 1 else response
    return hook


def test_a_429_without_retry_after_waits_until_x_ratelimit_reset(server):
    server.before_response = _answer_429_once({"X-RateLimit-Reset": str(int(time.time()) + 2)})
    client = fast_client(server.url, max_retries=0)
    started = time.monotonic()
    assert client.meta()["total"] == 300
    assert time.monotonic() - started >= 1.0  # the reset was 1-2 s ahead, in whole seconds
    figures = client.rate_limit_figures()
    assert figures["rate_limit_window_wait_seconds"] >= 1.0
    assert client.stats.as_dict()["rate_limited"] == 1


def test_429s_do_not_use_up_retries(server):
    # Five 429s in a row, with no retry allowed for errors: the window is waited out each time.
    server.inject_faults(FaultPlan(rate_limit_after=0, rate_limit_burst=5, retry_after="0.05"))
    client = fast_client(server.url, max_retries=0)
    assert client.meta()["total"] == 300
    assert client.stats.as_dict()["statuses"] == {"200": 1, "429": 5}


def test_a_wait_past_the_time_budget_fails_with_the_last_answer(server):
    server.inject_faults(FaultPlan(outage_after=0, error_rate=1.0, error_status=503))
    client = fast_client(server.url, max_retries=10, backoff_seconds=1.0, max_backoff_seconds=1.0)
    client.set_time_budget(0.5)
    with pytest.raises(TimeBudgetExhausted, match=r"time budget of 0.5 s is spent \(waiting \d\.\d s more for the "
                                                  r"next try would pass it\); the last try: HTTP 503"):
        client.meta()
    assert server.request_count == 1


def test_the_client_paces_itself_from_x_ratelimit_remaining(server):
    # A limit of 12 requests per 1.5 s window: sequential requests slow down as the window runs out and
    # wait for it to end instead of running into a 429.
    injector = server.inject_faults(FaultPlan(throttle_limit=12, throttle_window=1.5))
    client = OpenBreweryDBClient(server.url, timeout=5, requests_per_minute=100_000, max_connections=1)
    client.limiter.window_seconds = 1.5  # the server's window
    pages = [client.page(n, 10) for n in range(1, 31)]
    assert sum(len(page.records) for page in pages) == 300
    assert injector.injected["throttled"] == 0 and client.stats.rate_limited == 0
    figures = client.rate_limit_figures()
    assert figures["server_rate_limit"] == 12 and figures["server_lowest_remaining"] == 0
    assert figures["rate_limit_wait_seconds"] > 0 and figures["rate_limit_window_wait_seconds"] == 0


def test_waits_of_several_workers_at_once_count_once():
    limiter = RateLimiter(1000)
    limiter.pause(0.3)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0.2 <= limiter.waited_seconds <= 0.3 + 0.05 * 4
    assert limiter.window_wait_seconds == limiter.waited_seconds


def test_rate_limit_reset_is_a_unix_time_or_seconds():
    assert parse_rate_limit_reset("1796000030", now=1796000000.0) == 30
    assert parse_rate_limit_reset("1796000000", now=1796000030.0) == 0
    assert parse_rate_limit_reset("12") == 12
    assert parse_rate_limit_reset(None) is None and parse_rate_limit_reset("soon") is None
