"""The API client over real HTTP: connection reuse, retries, Retry-After, timeouts, rate limit, 4xx."""

import datetime as dt
import time

import pytest

from brewery_assets.openbrewerydb.client import RequestRejected, RetriesExhausted
from brewery_assets.openbrewerydb.ratelimit import RateLimiter
from brewery_assets.openbrewerydb.retry import RetryPolicy, parse_retry_after
from brewery_assets.replay import ReplayServer, generate_breweries
from brewery_assets.replay.faults import FaultPlan
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
