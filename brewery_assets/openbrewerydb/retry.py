"""When to retry a request to the API, and how long to wait before the next try."""

import datetime as dt
import email.utils
import random
from dataclasses import dataclass, field

# Status codes worth another try: the server is overloaded, restarting or rate-limiting us. 408 is the
# server giving up on a slow request, which a later try can win.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: try `i` (1-based) waits about `backoff_seconds * backoff_factor**(i-1)`.

    `jitter` spreads each wait uniformly over +/- that fraction, so parallel workers that failed together do
    not come back together. A `Retry-After` from the server is honoured as the least wait, capped at
    `max_retry_after_seconds` so one bad header cannot stall a run for hours.
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

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1 for the first retry)."""
        base = min(self.max_backoff_seconds, self.backoff_seconds * self.backoff_factor ** (retry - 1))
        wait = base * self.rng.uniform(1 - self.jitter, 1 + self.jitter)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after_seconds))
        return wait


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds named by a `Retry-After` header (delta-seconds or an HTTP date), or None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())
