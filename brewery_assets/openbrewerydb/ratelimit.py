"""A client-side request rate limit shared by every worker thread of one client."""

import threading
import time
from collections import deque


class Stopped(RuntimeError):
    """The wait was interrupted because the client was stopped."""


class RateLimiter:
    """At most `limit` requests in any `window_seconds`, plus a shared pause after a 429.

    A sliding window never exceeds the server's fixed per-minute window, whatever its alignment, and still
    lets a short extraction run at full speed. `pause` holds every worker back, so one `Retry-After` slows
    the whole client rather than each thread discovering the limit on its own.
    """

    def __init__(self, limit: int, window_seconds: float = 60.0, stop: threading.Event | None = None):
        if limit < 1:
            raise ValueError(f"the rate limit must allow at least 1 request, got {limit}")
        self.limit = limit
        self.window_seconds = window_seconds
        self.stop = stop or threading.Event()
        self.waited_seconds = 0.0
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Blocks until one more request may be sent; raises `Stopped` if the client stops meanwhile."""
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and self._sent[0] <= now - self.window_seconds:
                    self._sent.popleft()
                wait = self._paused_until - now
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.window_seconds - now)
                if wait <= 0:
                    self._sent.append(now)
                    return
                self.waited_seconds += wait
            if self.stop.wait(wait):
                raise Stopped("the client was stopped while waiting for the rate limit")

    def pause(self, seconds: float) -> None:
        """No request from any worker for `seconds` from now (e.g. the server's `Retry-After`)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
