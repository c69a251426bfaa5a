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
      than `pace_below` remain (less this client's requests still in flight), the rest is spread over
      what is left of the window instead of hitting the limit at full speed, and with none left the
      client waits for the window to end. The server does not say when its window ends; it ends at the
      latest `window_seconds` after the answer that first showed it (its count went up), which is the
      end the client assumes.
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
        self._paused_until = float("-inf")
        # The server's window as last reported: requests left (None: not known or not low) and its end.
        self._server_left: int | None = None
        self._server_reported: int | None = None
        self._server_reported_sent_at = float("-inf")
        self._server_window_end = float("-inf")
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
                wait = max(window, self._pace(now))
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.window_seconds - now)
                if wait <= 0:
                    self._sent.append(now)
                    self._last_sent = now
                    if self._server_left is not None:
                        self._server_left -= 1
                    return now
                reason = WINDOW if window >= wait else PACE
                if self.deadline is not None and now + wait > self.deadline:
                    raise BudgetExhausted(wait, reason)
                self._held.add(now, now + wait)
                if reason == WINDOW:
                    self._held_by_windows.add(now, now + wait)
            if self.stop.wait(wait):
                raise Stopped("the client was stopped while waiting for the rate limit")

    def _pace(self, now: float) -> float:
        """How long the server's remaining count holds the next request back; the caller holds the lock."""
        if self._server_left is None or self._server_left >= self.pace_below:
            return 0.0
        if now >= self._server_window_end:
            self._server_left = None  # that window has surely ended
            return 0.0
        if self._server_left <= 0:
            return self._server_window_end - now
        return self._last_sent + (self._server_window_end - now) / (self._server_left + 1) - now

    def pause(self, seconds: float) -> None:
        """No request from any worker for `seconds` from now (a 429 window, or the server's `Retry-After`)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            # The window resets when the pause ends: counts reported before then no longer apply.
            self._server_left = self._server_reported = None

    def observe(self, limit: int | None, remaining: int | None, sent_at: float) -> None:
        """Takes the server's `X-RateLimit-Limit`/`-Remaining` of the answer to a request sent at `sent_at`."""
        if remaining is None:
            return
        with self._lock:
            now = time.monotonic()
            if limit is not None:
                self.server_limit = limit
            if self.lowest_remaining is None or remaining < self.lowest_remaining:
                self.lowest_remaining = remaining
            if sent_at < self._paused_until or sent_at < self._server_reported_sent_at:
                return  # counted in a window that has reset since, or older than what is known
            if self._server_reported is None or remaining > self._server_reported:
                self._server_window_end = now + self.window_seconds  # a new window: it began by now
            self._server_reported, self._server_reported_sent_at = remaining, sent_at
            in_flight = sum(1 for t in self._sent if t > sent_at)
            self._server_left = remaining - in_flight
