"""The client's pace, shared by every worker thread: its own request budget, the server's remaining count,
and the server's 429 windows; and how long all of that held the client back."""

import threading
import time
from collections import deque

WINDOW = "window"  # held by a 429 window (or another Retry-After) that pauses every worker
PACE = "pace"  # held by the client's own limit or by the server's remaining count


class Stopped(RuntimeError):
    """The wait was interrupted because the client was stopped."""


class BudgetExhausted(RuntimeError):
    """The wait needed before the next request would end after the client's deadline."""

    def __init__(self, wait_seconds: float, reason: str):
        super().__init__(f"a {reason} wait of {wait_seconds:.1f} s would pass the deadline")
        self.wait_seconds = wait_seconds
        self.reason = reason


class _HeldTime:
    """Wall-clock time covered by waits that may overlap (several workers waiting at once count once)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._until = float("-inf")

    def add(self, start: float, end: float) -> None:
        # Waits are recorded in order of their start (under the limiter's lock), so a running maximum
        # of their ends is enough to count each second once.
        if end > self._until:
            self.seconds += end - max(start, self._until)
            self._until = end


class RateLimiter:
    """At most `limit` requests in any `window_seconds`, slower when the server says its window runs low,
    and no request at all while a 429 window lasts.

    - Own limit: a sliding window never exceeds the server's fixed per-minute window, whatever its
      alignment, and still lets a short extraction run at full speed.
    - Server pacing (`observe`): the server reports the requests left in its window. It may count other
      clients too (the live API keys its limit on an address that may be a shared proxy's), so when fewer
      than `pace_below` remain, requests are spaced `window_seconds / (remaining + 1)` apart: the rest of
      the window is spread out instead of hitting the limit at full speed. A window cannot last longer
      than `window_seconds` after the request that reported the count, so spacing never waits longer.
    - Windows (`pause`): after a 429, every worker holds until the window resets, so one answer slows the
      whole client rather than each thread discovering the limit on its own.
    - `deadline` (a `time.monotonic()` value): a wait that would end after it raises `BudgetExhausted`.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        stop: threading.Event | None = None,
        pace_below: int = 8,
    ):
        if limit < 1:
            raise ValueError(f"the rate limit must allow at least 1 request, got {limit}")
        self.limit = limit
        self.window_seconds = window_seconds
        self.stop = stop or threading.Event()
        self.pace_below = pace_below
        self.deadline: float | None = None
        self.server_limit: int | None = None
        self.lowest_remaining: int | None = None
        self._held = _HeldTime()
        self._held_by_windows = _HeldTime()
        self._sent: deque[float] = deque()
        self._last_sent = float("-inf")
        self._spacing = 0.0
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    @property
    def waited_seconds(self) -> float:
        """Wall-clock seconds during which at least one worker was held back, for any reason."""
        with self._lock:
            return self._held.seconds

    @property
    def window_wait_seconds(self) -> float:
        """Wall-clock seconds during which workers waited for a 429 window (or a `Retry-After`) to end."""
        with self._lock:
            return self._held_by_windows.seconds

    def acquire(self) -> float:
        """Blocks until one more request may be sent and returns the time it goes (`time.monotonic()`).

        Raises `Stopped` if the client stops meanwhile, `BudgetExhausted` if the wait would pass `deadline`.
        """
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and self._sent[0] <= now - self.window_seconds:
                    self._sent.popleft()
                window = self._paused_until - now
                wait = max(window, self._last_sent + self._spacing - now)
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.window_seconds - now)
                if wait <= 0:
                    self._sent.append(now)
                    self._last_sent = now
                    return now
                reason = WINDOW if window >= wait else PACE
                if self.deadline is not None and now + wait > self.deadline:
                    raise BudgetExhausted(wait, reason)
                self._held.add(now, now + wait)
                if reason == WINDOW:
                    self._held_by_windows.add(now, now + wait)
            if self.stop.wait(wait):
                raise Stopped("the client was stopped while waiting for the rate limit")

    def pause(self, seconds: float) -> None:
        """No request from any worker for `seconds` from now (a 429 window, or the server's `Retry-After`)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            # The window resets when the pause ends: counts reported before then no longer apply.
            self._spacing = 0.0

    def observe(self, limit: int | None, remaining: int | None, sent_at: float) -> None:
        """Takes the server's `X-RateLimit-Limit`/`-Remaining` of the answer to a request sent at `sent_at`."""
        if remaining is None:
            return
        with self._lock:
            if limit is not None:
                self.server_limit = limit
            if self.lowest_remaining is None or remaining < self.lowest_remaining:
                self.lowest_remaining = remaining
            if sent_at < self._paused_until:
                return  # counted in a window that has reset since
            self._spacing = self.window_seconds / (remaining + 1) if remaining < self.pace_below else 0.0
