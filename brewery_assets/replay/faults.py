"""Faults the replay server can inject, so every bad moment of the real API can be rehearsed offline.

A `FaultPlan` says what goes wrong; a `FaultInjector` applies it through the server's `before_response`
seam. Plans are switched per run: from tests with `ReplayServer.inject_faults(FaultPlan(...))`, and from the
command line with `brewery-replay-server --faults "latency=0.1,error_rate=0.05"` (or the
`BREWERY_REPLAY_FAULTS` environment variable). Random faults draw from a seeded generator, so a plan
replays the same sequence of decisions for the same sequence of requests.
"""

import dataclasses
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brewery_assets.replay.server import ReplayServer, Request, Response

FAULTS_ENV = "BREWERY_REPLAY_FAULTS"
_LIST_PATH = "/v1/breweries"
_META_PATH = "/v1/breweries/meta"


@dataclass(frozen=True)
class FaultPlan:
    """What goes wrong, and when. Every fault is off by default; counts are of requests the server received.

    Counts of "times" use 0 for "always". Request numbers start at 1 and count every request; "list
    requests" count only `GET /v1/breweries`.
    """

    seed: int = 0
    # Added to every response; `slow_seconds` more for the first `slow_requests` list requests (a timeout).
    latency: float = 0.0
    slow_requests: int = 0
    slow_seconds: float = 0.0
    # Requests number rate_limit_after+1 .. rate_limit_after+rate_limit_burst answer 429 with Retry-After.
    rate_limit_after: int = 0
    rate_limit_burst: int = 0
    retry_after: str = "1"
    # Any request fails with `error_status` with this probability; every request after `outage_after` fails.
    error_rate: float = 0.0
    error_status: int = 503
    outage_after: int = 0
    # A list body is cut in transit (connection dropped mid-body) / replaced by broken JSON, by probability.
    cut_rate: float = 0.0
    malformed_rate: float = 0.0
    # Page `short_page` answers `short_page_rows` rows fewer, `short_page_times` times.
    short_page: int = 0
    short_page_rows: int = 1
    short_page_times: int = 1
    # After every `drift_after` list requests, `drift_insert` new records appear and `drift_delete` records
    # disappear at `drift_position`, shifting later pages; this happens `drift_times` times.
    drift_after: int = 0
    drift_insert: int = 0
    drift_delete: int = 0
    drift_position: int = 0
    drift_times: int = 1
    # `/meta` reports a total off by `meta_offset` in its first `meta_offset_times` answers.
    meta_offset: int = 0
    meta_offset_times: int = 0

    @classmethod
    def parse(cls, spec: str) -> "FaultPlan":
        """A plan from `name=value` pairs separated by commas, e.g. `latency=0.1,error_rate=0.05`."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in fields:
                raise ValueError(f"unknown fault {item!r}; known: {', '.join(fields)}")
            kind = type(fields[name].default)
            try:
                values[name] = kind(raw.strip())
            except ValueError:
                raise ValueError(f"fault {name} needs a {kind.__name__}, got {raw!r}") from None
        return cls(**values)


class FaultInjector:
    """The `before_response` hook that applies a `FaultPlan`; `injected` counts what it did."""

    def __init__(self, plan: FaultPlan, server: "ReplayServer"):
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

    def __call__(self, request: "Request", response: "Response") -> "Response":
        from brewery_assets.replay.server import Response

        plan = self.plan
        is_list, is_meta = request.path == _LIST_PATH, request.path == _META_PATH
        with self._lock:
            list_number = self._list_requests = self._list_requests + is_list
            meta_number = self._meta_requests = self._meta_requests + is_meta
            error = plan.error_rate > 0 and self._rng.random() < plan.error_rate
            cut = is_list and plan.cut_rate > 0 and self._rng.random() < plan.cut_rate
            malformed = is_list and plan.malformed_rate > 0 and self._rng.random() < plan.malformed_rate
        slow = is_list and list_number <= plan.slow_requests and plan.slow_seconds > 0
        if slow:
            self._count("slow")
        delay = plan.latency + (plan.slow_seconds if slow else 0.0)
        if delay > 0:
            time.sleep(delay)
        if plan.rate_limit_after < request.number <= plan.rate_limit_after + plan.rate_limit_burst:
            self._count("rate_limited")
            return Response(429, b'{"message":"Too Many Attempts."}',
                            {"Retry-After": plan.retry_after, "X-RateLimit-Remaining": "0"})
        if error or 0 < plan.outage_after < request.number:
            self._count(f"http_{plan.error_status}")
            return Response(plan.error_status, b'{"message":"Server Error"}')
        if response.status != 200:
            return response
        if is_meta:
            return self._meta(response, meta_number)
        if not is_list:
            return response
        response = self._short(request, response)
        self._drift(list_number)
        if cut:
            self._count("cut")
            return dataclasses.replace(response, cut_at=len(response.body) // 2)
        if malformed:
            self._count("malformed")
            return dataclasses.replace(response, body=response.body[: len(response.body) // 2])
        return response

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
        return dataclasses.replace(response, body=json.dumps(meta, separators=(",", ":")).encode())

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
        body = json.dumps(rows[: max(0, len(rows) - plan.short_page_rows)], separators=(",", ":")).encode()
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
