"""A requests client for the two Open Brewery DB v1 endpoints the lake reads, built for the live API.

One `requests.Session` (connections reused, pool sized for the workers), a pace shared by all threads, a
timeout on every request, and:

- retries with exponential backoff and jitter (capped at `max_backoff_seconds`) on connection errors,
  timeouts, cut or malformed bodies, 408 and every 5xx, including the 52x/530 answers of the API's
  Cloudflare edge (an HTML page, not JSON). After `max_retries` the request fails, naming it, the page,
  the last status and an excerpt of the last body;
- a 429 is a window to wait out, not an error: every worker holds until the window resets
  (`Retry-After`, else `X-RateLimit-Reset`, else backoff), for as long as the time budget allows;
- every answer's `X-RateLimit-Remaining` paces the client (see `ratelimit.RateLimiter`);
- a time budget (`set_time_budget`): no wait may end after it, so an extraction ends in bounded time;
- a 4xx that repeating cannot fix fails at once, naming the request and the reason.
"""

import html
import json
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter

from brewery_assets.openbrewerydb.fields import MAX_PER_PAGE
from brewery_assets.openbrewerydb.ratelimit import BudgetExhausted, RateLimiter, Stopped
from brewery_assets.openbrewerydb.retry import (
    RATE_LIMITED,
    RetryPolicy,
    describe_status,
    is_retryable,
    parse_count,
    parse_rate_limit_reset,
    parse_retry_after,
)

DEFAULT_REQUESTS_PER_MINUTE = 100  # the API allows 120 per IP; the rest is headroom for other clients
DEFAULT_MAX_CONNECTIONS = 4
_EXCERPT_CHARS = 300


class OpenBreweryDBError(RuntimeError):
    """The API answered something the client cannot use; the message names the request.

    `request` is the request line, `page` the page number for a page of `/breweries`, `status` the last
    HTTP status (None when no answer came) and `body_excerpt` the start of the last body. `summary` says
    what failed without what to do about it (the message itself by default).
    """

    def __init__(self, message: str, *, request: str = "", page: int | None = None, status: int | None = None,
                 body_excerpt: str = "", summary: str = ""):
        super().__init__(message)
        self.request = request
        self.page = page
        self.status = status
        self.body_excerpt = body_excerpt
        self.summary = summary or message

    def reworded(self, message: str, summary: str = "") -> "OpenBreweryDBError":
        """The same error (class and details) with another message (and summary)."""
        return type(self)(message, request=self.request, page=self.page, status=self.status,
                          body_excerpt=self.body_excerpt, summary=summary)


class RequestRejected(OpenBreweryDBError):
    """A 4xx that no retry can fix (bad parameters, wrong URL); it was not retried."""


class RetriesExhausted(OpenBreweryDBError):
    """Every try of a request failed with a retryable error; the message has the last one."""


class TimeBudgetExhausted(OpenBreweryDBError):
    """Waiting any longer (for a 429 window, the pace or a retry) would pass the extraction's time budget."""


@dataclass(frozen=True)
class Page:
    """One page of `/v1/breweries` as received: the raw body and its elements (normally brewery objects,
    but whatever JSON values the array holds, in order)."""

    number: int
    body: bytes
    records: list[Any]


@dataclass(frozen=True)
class Retry:
    """One failed try that will be tried again: which request, why, and how long the client waits first."""

    request: str
    attempt: int
    reason: str
    wait_seconds: float


@dataclass(frozen=True)
class _Failure:
    """Why one try did not give a usable answer."""

    kind: str
    reason: str
    status: int | None = None
    body_excerpt: str = ""
    retry_after: float | None = None


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
            self.rate_limited += status == RATE_LIMITED

    def failed(self, kind: str, wait_seconds: float | None) -> None:
        """A try failed; `wait_seconds` is the wait before trying again, None when it is not tried again."""
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

    Safe to share between threads: `max_connections` sizes the connection pool, and the pace, the time
    budget and the counters in `stats` are shared. `on_retry` is called (from the worker's thread) before
    each wait for another try. `rate_limit_window_seconds` is the server's rate-limit window (the live
    API's is a minute), over which `requests_per_minute` is counted too.
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
        rate_limit_window_seconds: float = 60.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.stats = RequestStats()
        self.time_budget_seconds: float | None = None
        self._last_window: _Failure | None = None  # the last 429, which may hold back other requests too
        self._stop = threading.Event()
        # Pace down when fewer requests remain in the server's window than two rounds of the workers.
        self.limiter = RateLimiter(requests_per_minute, rate_limit_window_seconds, stop=self._stop,
                                   pace_below=2 * max(1, max_connections))
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, max_connections))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Without this header the real API redirects validation errors instead of answering JSON.
        self.session.headers.update({"Accept": "application/json", "User-Agent": "brewery-assets/0.3"})

    def set_time_budget(self, seconds: float | None) -> None:
        """From now on, no wait may end more than `seconds` from now (None: no budget)."""
        if seconds is not None and seconds <= 0:
            raise ValueError(f"the time budget must be positive, got {seconds}")
        self.time_budget_seconds = seconds
        self.limiter.deadline = None if seconds is None else time.monotonic() + seconds

    def stop(self) -> None:
        """Makes every waiting or retrying call give up soon (used when another worker has failed)."""
        self._stop.set()

    def close(self) -> None:
        """Stops the client and closes its pooled connections."""
        self.stop()
        self.session.close()

    def rate_limit_figures(self) -> dict:
        """How the rate limits held the client back, as JSON-ready values."""
        return {
            "rate_limit_wait_seconds": round(self.limiter.waited_seconds, 3),
            "rate_limit_window_wait_seconds": round(self.limiter.window_wait_seconds, 3),
            "server_rate_limit": self.limiter.server_limit,
            "server_lowest_remaining": self.limiter.lowest_remaining,
        }

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
        records, body = self._get_json("/breweries", {"page": number, "per_page": per_page}, list, page=number)
        return Page(number=number, body=body, records=records)

    @staticmethod
    def page_count(total: int, per_page: int = MAX_PER_PAGE) -> int:
        """How many pages hold `total` records."""
        return math.ceil(total / per_page)

    def _get_json(self, path: str, params: dict, expect: type, page: int | None = None) -> tuple:
        """The parsed JSON (of type `expect`) and raw body of one GET, with retries and rate-limit waits."""
        url = f"{self.base_url}{path}"
        request = f"GET {url}" + (f"?{urlencode(params)}" if params else "")
        errors = rate_limited = 0
        failure: _Failure | None = None
        while True:
            if self._stop.is_set():
                raise Stopped(f"{request}: the client was stopped")
            try:
                sent_at = self.limiter.acquire()
            except BudgetExhausted as exc:
                raise self._budget_spent(request, page, failure, exc.wait_seconds, exc.reason) from None
            self.stats.sent()
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except requests.Timeout:
                failure = _Failure("timeout", f"no answer within {self.timeout} s")
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                failure = _Failure("connection", f"connection failed or body cut short ({type(exc).__name__}: {exc})")
            except requests.RequestException as exc:  # an invalid URL or header: no retry can help
                raise RequestRejected(f"{request} cannot be sent: {exc}", request=request, page=page) from exc
            else:
                value, failure = self._answer(request, page, response, sent_at, expect)
                if failure is None:
                    return value, response.content
            if failure.status == RATE_LIMITED:
                rate_limited += 1
                # A window to wait out, for every worker: it does not use up a retry.
                wait = failure.retry_after or self.retry.backoff(rate_limited)
                self.limiter.pause(wait)
                self._last_window = failure
            else:
                errors += 1
                if errors > self.retry.max_retries:
                    self.stats.failed(failure.kind, None)
                    raise RetriesExhausted(
                        f"{request} failed {errors} times"
                        + (f" (and was rate limited {rate_limited} times)" if rate_limited else "")
                        + f"; the last try: {_with_excerpt(failure)}",
                        request=request, page=page, status=failure.status, body_excerpt=failure.body_excerpt,
                    )
                wait = self.retry.delay(errors, failure.retry_after)
                if failure.retry_after is not None:
                    self.limiter.pause(wait)  # the server asked every client thread to hold back
            deadline = self.limiter.deadline
            if deadline is not None and time.monotonic() + wait > deadline:
                self.stats.failed(failure.kind, None)
                raise self._budget_spent(request, page, failure, wait, "retry")
            self.stats.failed(failure.kind, wait)
            if self.on_retry is not None:
                self.on_retry(Retry(request, errors + rate_limited, failure.reason, wait))
            if failure.status == RATE_LIMITED or failure.retry_after is not None:
                continue  # the pause is waited out in `acquire`, counted as rate-limit wait
            if self._stop.wait(wait):
                raise Stopped(f"{request}: the client was stopped while waiting to retry")

    def _answer(self, request: str, page: int | None, response: requests.Response, sent_at: float,
                expect: type) -> tuple[Any, _Failure | None]:
        """(the parsed body, None) for a usable answer, else (None, why not); `RequestRejected` for a final 4xx."""
        status = response.status_code
        self.stats.answered(status, len(response.content))
        headers = response.headers
        self.limiter.observe(parse_count(headers.get("X-RateLimit-Limit")),
                             parse_count(headers.get("X-RateLimit-Remaining")), sent_at)
        if status == 200:
            return _decode(response.content, expect)
        excerpt = body_excerpt(response)
        if status == RATE_LIMITED:
            retry_after = parse_retry_after(headers.get("Retry-After"))
            source = "Retry-After"
            if retry_after is None:
                retry_after, source = parse_rate_limit_reset(headers.get("X-RateLimit-Reset")), "X-RateLimit-Reset"
            reason = describe_status(status)
            if retry_after is not None:
                retry_after = min(retry_after, self.retry.max_retry_after_seconds)
                reason += f" with {source} {retry_after:g} s"
            return None, _Failure(f"http_{status}", reason, status, excerpt, retry_after)
        if is_retryable(status):
            retry_after = parse_retry_after(headers.get("Retry-After"))
            reason = describe_status(status)
            if retry_after is not None:
                reason += f" with Retry-After {retry_after:g} s"
            return None, _Failure(f"http_{status}", reason, status, excerpt, retry_after)
        self.stats.failed(f"http_{status}", None)
        raise RequestRejected(
            f"{request} answered {describe_status(status)}, not retried because "
            f"{_why_not_retried(status)}: {excerpt}",
            request=request, page=page, status=status, body_excerpt=excerpt,
        )

    def _budget_spent(self, request: str, page: int | None, failure: _Failure | None, wait: float,
                      reason: str) -> TimeBudgetExhausted:
        waiting_for = {"window": "the rate limit's window to reset", "pace": "the rate limit's pace",
                       "retry": "the next try"}[reason]
        last = f"; the last try: {_with_excerpt(failure)}" if failure is not None else ""
        if failure is None and reason == "window" and self._last_window is not None:
            # Another request's 429 holds every worker back.
            last = f"; the latest 429 window: {_with_excerpt(self._last_window)}"
            failure = self._last_window
        return TimeBudgetExhausted(
            f"{request}: the extraction's time budget of {self.time_budget_seconds:g} s is spent "
            f"(waiting {wait:.1f} s more for {waiting_for} would pass it){last}",
            request=request, page=page, status=failure.status if failure else None,
            body_excerpt=failure.body_excerpt if failure else "",
        )


def body_excerpt(response: requests.Response) -> str:
    """The start of a response body for a message: an HTML page's title and text, else the body's text."""
    text = response.content[:20_000].decode("utf-8", errors="replace")
    if "html" in response.headers.get("Content-Type", "").lower() or text.lstrip().startswith("<"):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        body = re.sub(r"<(head|script|style)\b.*?</\1>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        body = html.unescape(re.sub(r"<[^>]+>", " ", body))
        text = (f"[HTML] {html.unescape(title.group(1))}: " if title else "[HTML] ") + body
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 3] + "..."


def _with_excerpt(failure: _Failure) -> str:
    return f"{failure.reason}: {failure.body_excerpt}" if failure.body_excerpt else failure.reason


def _decode(body: bytes, expect: type) -> tuple[Any, _Failure | None]:
    """(value, None) for a JSON body of type `expect`, else (None, why it cannot be used)."""
    try:
        value = json.loads(body)
    except ValueError as exc:
        return None, _Failure("malformed_json", f"a body that is not JSON ({exc}; {len(body)} bytes)", 200)
    if not isinstance(value, expect):
        return None, _Failure(
            "unexpected_json", f"JSON {type(value).__name__} where {expect.__name__} was expected", 200)
    return value, None


def _why_not_retried(status: int) -> str:
    if status in (400, 422):
        return "the API rejected the request's parameters"
    if status == 404:
        return "the URL does not exist (the base URL must end in /v1)"
    if status in (401, 403):
        return "the API refused access"
    return "a client error does not change by asking again"
