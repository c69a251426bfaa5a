"""When to retry a request to the API, how long to wait before the next try, and how to read the server's
rate-limit headers."""

import datetime as dt
import email.utils
import math
import random
import time
from dataclasses import dataclass, field

RATE_LIMITED = 429
# 408 is the server giving up on a slow request, which a later try can win; every 5xx is the server's (or
# its edge's) trouble, not the request's: the API sits behind Cloudflare, which answers 520-524 and 530
# when it cannot get an answer from the API's own server.
_RETRYABLE_4XX = frozenset({408, RATE_LIMITED})

# What a status means, for messages. The 52x/530 family is Cloudflare's own.
STATUS_NAMES = {
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    520: "Cloudflare: the origin returned an unknown error",
    521: "Cloudflare: the origin refused the connection",
    522: "Cloudflare: connection to the origin timed out",
    523: "Cloudflare: the origin is unreachable",
    524: "Cloudflare: the origin did not answer in time",
    525: "Cloudflare: TLS handshake with the origin failed",
    526: "Cloudflare: the origin's certificate is invalid",
    530: "Cloudflare: the origin could not be resolved or reached",
}
# Statuses that come from the API's edge (Cloudflare or the hosting platform's proxy) rather than its code.
EDGE_STATUSES = frozenset({502, 504, *range(520, 527), 530})


def is_retryable(status: int) -> bool:
    """Whether another try may get a different answer: 408, 429 and every 5xx."""
    return status in _RETRYABLE_4XX or 500 <= status <= 599


def describe_status(status: int) -> str:
    """`HTTP 522 (Cloudflare: connection to the origin timed out)`, or `HTTP 418` for a status without a name."""
    name = STATUS_NAMES.get(status)
    return f"HTTP {status} ({name})" if name else f"HTTP {status}"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: try `i` (1-based) waits about `backoff_seconds * backoff_factor**(i-1)`.

    `jitter` spreads each wait uniformly over +/- that fraction, so parallel workers that failed together do
    not come back together; the result is then capped at `max_backoff_seconds`, so no wait exceeds it. A
    `Retry-After` from the server is honoured as the least wait, capped at `max_retry_after_seconds` so one
    bad header cannot stall a run for hours. `max_retries` counts retries after errors; a 429 is not an
    error but a window to wait out, bounded by the extraction's time budget instead.
    """

    max_retries: int = 3
    backoff_seconds: float = 2.0
    backoff_factor: float = 2.0
    max_backoff_seconds: float = 60.0
    jitter: float = 0.5
    max_retry_after_seconds: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")
        if self.max_backoff_seconds < 0 or self.backoff_seconds < 0:
            raise ValueError("backoff_seconds and max_backoff_seconds must be >= 0")

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1 for the first), jittered, never above the cap."""
        # The exponent is bounded so that a long run of 429s cannot overflow the float.
        base = self.backoff_seconds * self.backoff_factor ** min(retry - 1, 64)
        return min(self.max_backoff_seconds, base * self.rng.uniform(1 - self.jitter, 1 + self.jitter))

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """The backoff before retry `retry`, or the server's `retry_after` (capped) when that is longer."""
        wait = self.backoff(retry)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after_seconds))
        return wait


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds named by a `Retry-After` header (delta-seconds or an HTTP date), or None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


# A reset value above this is a Unix time (Laravel sends one); below, some servers send seconds to wait.
_EPOCH_THRESHOLD = 1_000_000_000


def parse_rate_limit_reset(value: str | None, now: float | None = None) -> float | None:
    """Seconds until the window named by `X-RateLimit-Reset` resets, or None if absent or unreadable.

    Laravel sends the Unix time of the reset; a small number is taken as seconds from now, as other
    servers send it.
    """
    if not value:
        return None
    try:
        reset = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(reset):
        return None
    if reset < _EPOCH_THRESHOLD:
        return max(0.0, reset)
    return max(0.0, reset - (time.time() if now is None else now))


def parse_count(value: str | None) -> int | None:
    """A non-negative whole number header (`X-RateLimit-Limit`, `X-RateLimit-Remaining`), or None."""
    if value is None:
        return None
    try:
        count = int(value.strip())
    except ValueError:
        return None
    return count if count >= 0 else None
