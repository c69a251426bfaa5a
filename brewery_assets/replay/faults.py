"""Faults the replay server can inject, so every bad moment of the live API can be rehearsed offline.

A `FaultPlan` says what goes wrong; a `FaultInjector` applies it through the server's `before_response`
seam. Plans are switched per run: from tests with `ReplayServer.inject_faults(FaultPlan(...))`, and from the
command line with `brewery-replay-server --faults "latency=0.1,error_rate=0.05"` (or the
`BREWERY_REPLAY_FAULTS` environment variable; several values of one fault are joined with `+`, e.g.
`error_statuses=520+522+530`). Random faults draw from a seeded generator, so a plan replays the same
sequence of decisions for the same sequence of requests.

The live API is openbrewerydb-laravel-api (v1.2.1), a Laravel application behind Cloudflare on a hosting
platform. Each fault's comment in `FaultPlan` names the live behaviour it imitates.
"""

import dataclasses
import http
import json
import math
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from brewery_assets.openbrewerydb.retry import EDGE_STATUSES, parse_retry_after
from brewery_assets.replay.encoding import php_json
from brewery_assets.replay.exchange import Request, Response


class Catalogue(Protocol):
    """The part of the replay server a fault changes: the records it serves (for drift while paging)."""

    def delete_records(self, position: int, count: int) -> list: ...

    def insert_records(self, position: int, records: list) -> None: ...

FAULTS_ENV = "BREWERY_REPLAY_FAULTS"
_LIST_PATH = "/v1/breweries"
_META_PATH = "/v1/breweries/meta"
_TOO_MANY = b'{"message":"Too Many Attempts."}'  # Laravel's ThrottleRequestsException, as JSON
# The headings of Cloudflare's error pages.
_EDGE_TITLES = {
    502: "Bad gateway",
    504: "Gateway time-out",
    520: "Web server is returning an unknown error",
    521: "Web server is down",
    522: "Connection timed out",
    523: "Origin is unreachable",
    524: "A timeout occurred",
    525: "SSL handshake failed",
    526: "Invalid SSL certificate",
    530: "Origin DNS error",
}


@dataclass(frozen=True)
class FaultPlan:
    """What goes wrong, and when. Every fault is off by default; counts are of requests the server received.

    Counts of "times" use 0 for "always". Request numbers start at 1 and count every request; "list
    requests" count only `GET /v1/breweries`.
    """

    seed: int = 0
    # A slow network or a loaded server: added to every response; `slow_seconds` more for the first
    # `slow_requests` list requests (a client timeout).
    latency: float = 0.0
    slow_requests: int = 0
    slow_seconds: float = 0.0
    # The live rate limit: Laravel's `throttle:api`, 120 requests a minute keyed on the client's address,
    # which behind the platform's proxy may be the proxy's, shared by every client. With a limit, every
    # `/v1/breweries...` answer carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`; past it, requests
    # answer 429 `{"message":"Too Many Attempts."}` with `Retry-After` (whole seconds left) and
    # `X-RateLimit-Reset` (the Unix time the window ends) until the window, `throttle_window` seconds from
    # its first request, ends. 429s are not counted. Every window starts with `throttle_others` requests
    # already spent by other clients sharing the address. Keyed on the client address, as live: every
    # client on 127.0.0.1 shares one window.
    throttle_limit: int = 0
    throttle_window: float = 60.0
    throttle_others: int = 0
    # A burst of 429s whatever the count: requests rate_limit_after+1 .. rate_limit_after+rate_limit_burst
    # answer 429 with `Retry-After: retry_after` and the window headers (another client used the limit up).
    rate_limit_after: int = 0
    rate_limit_burst: int = 0
    retry_after: str = "1"
    # Server errors: any request fails with `error_status` (or one of `error_statuses`, drawn at random) with
    # probability `error_rate`; every request after `outage_after` fails. Statuses of the API's own code
    # (500, 503) answer Laravel's JSON body; those of its edge (502, 504, and Cloudflare's 520-524 and 530
    # when it gets no answer from the origin) answer an HTML error page without reaching the API, so the
    # rate limit does not count them.
    error_rate: float = 0.0
    error_status: int = 503
    error_statuses: tuple[int, ...] = ()
    outage_after: int = 0
    # A page that answers 500 every time, as the live API does when a row on it cannot be served: its
    # `brewery_type` enum cast throws on a value outside the list, so every list page (at any per_page)
    # or single brewery holding a row of `failing_type` answers 500 until the maintainers change the
    # enum. `failing_pages` fail by number (page numbers at the request's per_page).
    failing_pages: tuple[int, ...] = ()
    failing_type: str = ""
    # A body cut in transit (connection dropped mid-body) / replaced by broken JSON, by probability.
    cut_rate: float = 0.0
    malformed_rate: float = 0.0
    # A flaky page: page `short_page` answers `short_page_rows` rows fewer, `short_page_times` times.
    short_page: int = 0
    short_page_rows: int = 1
    short_page_times: int = 1
    # Writes to the live catalogue while it is read (offset paging shifts): after every `drift_after` list
    # requests, `drift_insert` new records appear and `drift_delete` records disappear at `drift_position`,
    # shifting later pages; this happens `drift_times` times.
    drift_after: int = 0
    drift_insert: int = 0
    drift_delete: int = 0
    drift_position: int = 0
    drift_times: int = 1
    # A `/meta` cached apart from the list: its total is off by `meta_offset` in its first
    # `meta_offset_times` answers.
    meta_offset: int = 0
    meta_offset_times: int = 0

    @classmethod
    def parse(cls, spec: str) -> "FaultPlan":
        """A plan from `name=value` pairs separated by commas, e.g. `latency=0.1,error_statuses=520+522`."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in fields:
                raise ValueError(f"unknown fault {item!r}; known: {', '.join(fields)}")
            default = fields[name].default
            kind = int if isinstance(default, tuple) else type(default)
            try:
                if isinstance(default, tuple):
                    values[name] = tuple(kind(part.strip()) for part in raw.split("+") if part.strip())
                else:
                    values[name] = kind(raw.strip())
            except ValueError:
                raise ValueError(f"fault {name} needs a {kind.__name__}, got {raw!r}") from None
        return cls(**values)


class _Throttle:
    """Laravel's fixed-window rate limiter: a window opens with the first request of a key and lasts
    `window` seconds; requests past `limit` in it are refused (and not counted)."""

    def __init__(self, limit: int, window: float, others: int):
        self.limit, self.window, self.others = limit, window, others
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, now: float) -> tuple[bool, int, float]:
        """(allowed, requests remaining, seconds until the window ends); the caller holds the lock."""
        start, hits = self._windows.get(key, (-math.inf, 0))
        if now >= start + self.window:
            start, hits = now, min(self.others, self.limit)
        left = start + self.window - now
        if hits >= self.limit:
            self._windows[key] = (start, hits)
            return False, 0, left
        self._windows[key] = (start, hits + 1)
        return True, self.limit - hits - 1, left


class FaultInjector:
    """The `before_response` hook that applies a `FaultPlan`; `injected` counts what it did."""

    def __init__(self, plan: FaultPlan, server: Catalogue):
        self.plan = plan
        self.server = server
        self.injected: Counter[str] = Counter()
        self.removed_ids: list[str] = []
        self.inserted_ids: list[str] = []
        self._rng = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._list_requests = 0
        self._meta_requests = 0
        self._short_pages = 0
        self._drifts = 0
        self._throttle = _Throttle(plan.throttle_limit, plan.throttle_window, plan.throttle_others)

    def __call__(self, request: "Request", response: "Response") -> "Response":

        plan = self.plan
        is_list, is_meta = request.path == _LIST_PATH, request.path == _META_PATH
        with self._lock:
            list_number = self._list_requests = self._list_requests + is_list
            meta_number = self._meta_requests = self._meta_requests + is_meta
            error = plan.error_rate > 0 and self._rng.random() < plan.error_rate
            cut = is_list and plan.cut_rate > 0 and self._rng.random() < plan.cut_rate
            malformed = is_list and plan.malformed_rate > 0 and self._rng.random() < plan.malformed_rate
            status = None
            if error or 0 < plan.outage_after < request.number:
                status = self._rng.choice(plan.error_statuses) if plan.error_statuses else plan.error_status
        slow = is_list and list_number <= plan.slow_requests and plan.slow_seconds > 0
        if slow:
            self._count("slow")
        delay = plan.latency + (plan.slow_seconds if slow else 0.0)
        if delay > 0:
            time.sleep(delay)
        if plan.rate_limit_after < request.number <= plan.rate_limit_after + plan.rate_limit_burst:
            self._count("rate_limited")
            wait = parse_retry_after(plan.retry_after) or 0.0  # seconds or an HTTP date
            return Response(429, _TOO_MANY, {"Retry-After": plan.retry_after, **self._window_headers(0, wait)})
        if status is not None and status in EDGE_STATUSES:
            self._count(f"http_{status}")
            return _edge_error(status)  # the edge answers: the request never reaches the API or its limit
        headers: dict[str, str] = {}
        if plan.throttle_limit and request.path.startswith(_LIST_PATH):
            with self._lock:
                allowed, remaining, left = self._throttle.hit(request.client, time.monotonic())
            if not allowed:
                self._count("throttled")
                retry_after = str(max(1, math.ceil(left)))  # whole seconds, as Laravel sends
                return Response(429, _TOO_MANY, {"Retry-After": retry_after, **self._window_headers(0, left)})
            headers = {"X-RateLimit-Limit": str(plan.throttle_limit), "X-RateLimit-Remaining": str(remaining)}
        response = self._origin(request, response, status, is_list, is_meta, list_number, meta_number)
        if cut and response.status == 200:
            self._count("cut")
            response = dataclasses.replace(response, cut_at=len(response.body) // 2)
        elif malformed and response.status == 200:
            self._count("malformed")
            response = dataclasses.replace(response, body=response.body[: len(response.body) // 2])
        return dataclasses.replace(response, headers={**response.headers, **headers}) if headers else response

    def _origin(self, request: "Request", response: "Response", status: int | None, is_list: bool, is_meta: bool,
                list_number: int, meta_number: int) -> "Response":
        """The answer of the API's own code: an injected error, a failing page, or the response changed."""

        if status is not None:
            self._count(f"http_{status}")
            return _origin_error(status)
        if response.status != 200:
            return response
        if self._fails(request, response, is_list):
            self._count("failing_page")
            return Response(500, b'{"message":"Server Error"}')
        if is_meta:
            return self._meta(response, meta_number)
        if not is_list:
            return response
        response = self._short(request, response)
        self._drift(list_number)
        return response

    def _fails(self, request: "Request", response: "Response", is_list: bool) -> bool:
        plan = self.plan
        if is_list and plan.failing_pages and request.query.get("page", "1").strip() in map(str, plan.failing_pages):
            return True
        one_brewery = request.path.startswith(_LIST_PATH + "/") and request.path != _META_PATH
        if not plan.failing_type or not (is_list or one_brewery):
            return False
        body = json.loads(response.body)
        rows = body if isinstance(body, list) else [body]
        return any(isinstance(row, dict) and row.get("brewery_type") == plan.failing_type for row in rows)

    def _window_headers(self, remaining: int, wait: float) -> dict[str, str]:
        limit = self.plan.throttle_limit or 120
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(math.ceil(time.time() + wait))}

    def _count(self, what: str) -> None:
        with self._lock:
            self.injected[what] += 1

    def _meta(self, response: "Response", number: int) -> "Response":
        plan = self.plan
        if not plan.meta_offset or (plan.meta_offset_times and number > plan.meta_offset_times):
            return response
        meta = json.loads(response.body)
        meta["total"] += plan.meta_offset
        self._count("meta_offset")
        return dataclasses.replace(response, body=php_json(meta))

    def _short(self, request: "Request", response: "Response") -> "Response":
        plan = self.plan
        if not plan.short_page or request.query.get("page", "1").strip() != str(plan.short_page):
            return response
        with self._lock:
            if plan.short_page_times and self._short_pages >= plan.short_page_times:
                return response
            self._short_pages += 1
            self.injected["short_page"] += 1
        rows = json.loads(response.body)
        body = php_json(rows[: max(0, len(rows) - plan.short_page_rows)])
        return dataclasses.replace(response, body=body)

    def _drift(self, list_number: int) -> None:
        plan = self.plan
        if not plan.drift_after or list_number % plan.drift_after:
            return
        with self._lock:
            if plan.drift_times and self._drifts >= plan.drift_times:
                return
            self._drifts += 1
            batch = self._drifts
            new = [_drift_record(self._rng, batch, i) for i in range(plan.drift_insert)]
        if plan.drift_delete:
            removed = self.server.delete_records(plan.drift_position, plan.drift_delete)
            self.removed_ids.extend(removed)
            self._count("drift_deleted")
        if new:
            self.server.insert_records(plan.drift_position, new)
            self.inserted_ids.extend(record["id"] for record in new)
            self._count("drift_inserted")


def _drift_record(rng: random.Random, batch: int, index: int) -> dict:
    """A brewery that opened while the catalogue was being read."""
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "name": f"Drift Brewing {batch}-{index}",
        "brewery_type": "micro",
        "city": "Portland",
        "state_province": "Oregon",
        "country": "United States",
    }


def _origin_error(status: int) -> "Response":
    """An error of the API's own code, as Laravel renders it in production: JSON with the status's text."""

    text = "Server Error" if status == 500 else _phrase(status)
    return Response(status, json.dumps({"message": text}).encode())


def _edge_error(status: int) -> "Response":
    """An error page of the API's edge (Cloudflare), as HTML: what a client gets when the origin is down."""

    title = _EDGE_TITLES.get(status, _phrase(status))
    ray = uuid.uuid4().hex[:16]
    page = (
        "<!DOCTYPE html>\n<html lang=\"en-US\"><head><meta charset=\"UTF-8\">"
        f"<title>api.openbrewerydb.org | {status}: {title}</title></head><body><div id=\"cf-wrapper\">"
        f"<h1><span class=\"cf-error-type\">Error</span> <span class=\"cf-error-code\">{status}</span></h1>"
        f"<h2 class=\"cf-subheadline\">{title}</h2><p>The web server reported an error.</p>"
        f"<p>Cloudflare Ray ID: <strong>{ray}</strong></p></div></body></html>\n"
    )
    return Response(status, page.encode(), {"Content-Type": "text/html; charset=UTF-8", "Server": "cloudflare",
                                            "CF-RAY": f"{ray}-AMS"})


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"
