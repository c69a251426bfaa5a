"""A requests client for the two Open Brewery DB v1 endpoints the lake reads, built for the real API.

One `requests.Session` (connections reused, pool sized for the workers), a client-side rate limit shared
by all threads, a timeout on every request, and retries with exponential backoff and jitter on connection
errors, timeouts, cut or malformed bodies, 5xx and 429 (honouring `Retry-After`). A 4xx that repeating
cannot fix fails at once, naming the request and the reason.
"""

import json
import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter

from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.openbrewerydb.ratelimit import RateLimiter, Stopped
from brewery_assets.openbrewerydb.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

DEFAULT_REQUESTS_PER_MINUTE = 100  # the API allows 120 per IP; the rest is headroom for other clients
DEFAULT_MAX_CONNECTIONS = 4


class OpenBreweryDBError(RuntimeError):
    """The API answered something the client cannot use; the message names the request."""


class RequestRejected(OpenBreweryDBError):
    """A 4xx that no retry can fix (bad parameters, wrong URL); it was not retried."""


class RetriesExhausted(OpenBreweryDBError):
    """Every try of a request failed with a retryable error; the message has the last one."""


@dataclass(frozen=True)
class Page:
    """One page of `/v1/breweries` as received: the raw body and its parsed records."""

    number: int
    body: bytes
    records: list[dict]


@dataclass(frozen=True)
class Retry:
    """One failed try that will be retried: which request, why, and how long the client waits first."""

    request: str
    attempt: int
    reason: str
    wait_seconds: float


class RequestStats:
    """Thread-safe counters of what the client sent and received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self.bytes_received = 0
        self.retry_wait_seconds = 0.0
        self.statuses: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()

    def sent(self) -> None:
        """One request went out."""
        with self._lock:
            self.requests += 1

    def answered(self, status: int, size: int) -> None:
        """A response with `status` and a body of `size` bytes came back."""
        with self._lock:
            self.statuses[str(status)] += 1
            self.bytes_received += size
            self.rate_limited += status == 429

    def failed(self, kind: str, wait_seconds: float | None) -> None:
        """A try failed; `wait_seconds` is the wait before retrying it, None when it is not retried."""
        with self._lock:
            self.failures[kind] += 1
            if wait_seconds is not None:
                self.retries += 1
                self.retry_wait_seconds += wait_seconds

    def as_dict(self) -> dict:
        """The counters as plain JSON-ready values."""
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "rate_limited": self.rate_limited,
                "bytes_received": self.bytes_received,
                "retry_wait_seconds": round(self.retry_wait_seconds, 3),
                "statuses": dict(sorted(self.statuses.items())),
                "failures": dict(sorted(self.failures.items())),
            }


class OpenBreweryDBClient:
    """Reads `/v1/breweries/meta` and `/v1/breweries?page=&per_page=` from `base_url` (ending in `/v1`).

    Safe to share between threads: `max_connections` sizes the connection pool, and the rate limit and
    the counters in `stats` are shared. `on_retry` is called (from the worker's thread) before each wait.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        *,
        retry: RetryPolicy | None = None,
        requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        on_retry: Callable[[Retry], None] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.stats = RequestStats()
        self._stop = threading.Event()
        self.limiter = RateLimiter(requests_per_minute, stop=self._stop)
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, max_connections))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Without this header the real API redirects validation errors instead of answering JSON.
        self.session.headers.update({"Accept": "application/json", "User-Agent": "brewery-assets/0.2"})

    def stop(self) -> None:
        """Makes every waiting or retrying call give up soon (used when another worker has failed)."""
        self._stop.set()

    def close(self) -> None:
        """Stops the client and closes its pooled connections."""
        self.stop()
        self.session.close()

    def meta(self) -> dict:
        """The `/breweries/meta` object: `total` and counts by state, country and type."""
        meta, _ = self._get_json("/breweries/meta", {}, dict)
        total = meta.get("total")
        try:
            meta["total"] = int(total)  # the legacy API sent numbers as strings
        except (TypeError, ValueError):
            raise OpenBreweryDBError(
                f"GET {self.base_url}/breweries/meta has no usable 'total': {str(meta)[:300]}"
            ) from None
        return meta

    def page(self, number: int, per_page: int = MAX_PER_PAGE) -> Page:
        """One page of breweries; past the last page the API answers an empty list."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
        records, body = self._get_json("/breweries", {"page": number, "per_page": per_page}, list)
        return Page(number=number, body=body, records=records)

    @staticmethod
    def page_count(total: int, per_page: int = MAX_PER_PAGE) -> int:
        """How many pages hold `total` records."""
        return math.ceil(total / per_page)

    def _get_json(self, path: str, params: dict, expect: type) -> tuple:
        """The parsed JSON (of type `expect`) and raw body of one GET, with retries."""
        url = f"{self.base_url}{path}"
        request = f"GET {url}" + (f"?{urlencode(params)}" if params else "")
        attempt = 0
        while True:
            attempt += 1
            if self._stop.is_set():
                raise Stopped(f"{request}: the client was stopped")
            self.limiter.acquire()
            self.stats.sent()
            retry_after = None
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except requests.Timeout:
                kind, reason = "timeout", f"no answer within {self.timeout} s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                kind, reason = "connection", f"connection failed or body cut short ({type(exc).__name__}: {exc})"
            except requests.RequestException as exc:  # an invalid URL or header: no retry can help
                raise RequestRejected(f"{request} cannot be sent: {exc}") from exc
            else:
                self.stats.answered(response.status_code, len(response.content))
                if response.status_code == 200:
                    value, kind, reason = _decode(response.content, expect)
                    if kind is None:
                        return value, response.content
                elif response.status_code in RETRYABLE_STATUSES:
                    kind, reason = f"http_{response.status_code}", f"HTTP {response.status_code}"
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if retry_after is not None:
                        reason += f" with Retry-After {retry_after:g} s"
                else:
                    self.stats.failed(f"http_{response.status_code}", None)
                    raise RequestRejected(
                        f"{request} answered HTTP {response.status_code}, not retried because "
                        f"{_why_not_retried(response.status_code)}: {response.text[:300]}"
                    )
            if attempt > self.retry.max_retries:
                self.stats.failed(kind, None)
                raise RetriesExhausted(f"{request} failed {attempt} times; the last try: {reason}")
            wait = self.retry.delay(attempt, retry_after)
            self.stats.failed(kind, wait)
            if retry_after is not None:
                self.limiter.pause(wait)  # the server asked every client thread to hold back
            if self.on_retry is not None:
                self.on_retry(Retry(request, attempt, reason, wait))
            if self._stop.wait(wait):
                raise Stopped(f"{request}: the client was stopped while waiting to retry")


def _decode(body: bytes, expect: type) -> tuple:
    """(value, None, None) for a JSON body of type `expect`, else (None, failure kind, reason)."""
    try:
        value = json.loads(body)
    except ValueError as exc:
        return None, "malformed_json", f"a body that is not JSON ({exc}; {len(body)} bytes)"
    if not isinstance(value, expect):
        return None, "unexpected_json", f"JSON {type(value).__name__} where {expect.__name__} was expected"
    return value, None, None


def _why_not_retried(status: int) -> str:
    if status in (400, 422):
        return "the API rejected the request's parameters"
    if status == 404:
        return "the URL does not exist (the base URL must end in /v1)"
    if status in (401, 403):
        return "the API refused access"
    return "a client error does not change by asking again"
