"""A requests-per-minute limit enforced as the service does: per minute and over short windows.

Azure evaluates a deployment's RPM over short periods too, so a burst of a whole minute's
quota is refused long before the minute is over: `RpmLimiter` admits at most `rpm` requests
in any 60 seconds and, from 6 rpm up, at most `ceil(rpm / 6)` in any 10 seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from langchain_azure_image_embeddings.emulator.errors import rate_limited

WINDOW_SECONDS = 60.0
SHORT_WINDOW_SECONDS = 10.0
SHORT_WINDOWS_PER_MINUTE = 6


class SlidingWindow:
    """At most `limit` requests in any window of `window` seconds (not locked: `RpmLimiter` is).

    Only admitted requests count; a refused request is told how long until the oldest
    admitted one leaves the window.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._admitted: deque[float] = deque()

    def wait_time(self, now: float) -> float | None:
        """Return None when a request may be admitted at `now`, else the seconds until then."""
        while self._admitted and self._admitted[0] <= now - self.window:
            self._admitted.popleft()
        if len(self._admitted) < self.limit:
            return None
        return self._admitted[0] + self.window - now

    def admit(self, now: float) -> None:
        """Count a request admitted at `now` (after `wait_time` said it may be)."""
        self._admitted.append(now)


class RpmLimiter:
    """At most `rpm` requests in any minute and, from 6 rpm up, `ceil(rpm / 6)` in any 10 s."""

    def __init__(self, rpm: int, clock: Callable[[], float] = time.monotonic) -> None:
        """Create the limiter.

        Args:
            rpm: Requests allowed per minute (at least 1).
            clock: Monotonic clock, replaceable in tests.

        Raises:
            ValueError: An rpm below 1.
        """
        if rpm < 1:
            raise ValueError(f"rpm must be at least 1, not {rpm}")
        self.windows = [SlidingWindow(rpm, WINDOW_SECONDS)]
        if rpm >= SHORT_WINDOWS_PER_MINUTE:
            short_limit = math.ceil(rpm / SHORT_WINDOWS_PER_MINUTE)
            self.windows.append(SlidingWindow(short_limit, SHORT_WINDOW_SECONDS))
        self._clock = clock
        self._lock = threading.Lock()

    def acquire(self) -> float | None:
        """Admit one request if every window has room.

        Returns:
            None when admitted, else the seconds until every window has room.
        """
        with self._lock:
            now = self._clock()
            waits = [wait for wait in (w.wait_time(now) for w in self.windows) if wait is not None]
            if waits:
                return max(waits)
            for window in self.windows:
                window.admit(now)
            return None

    def check(self) -> None:
        """Admit one request or raise the service's 429.

        Raises:
            ApiError: 429 with `Retry-After` (whole seconds, at least 1) and `retry-after-ms`.
        """
        wait = self.acquire()
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            headers = {
                "Retry-After": str(seconds),
                "retry-after-ms": str(max(1, math.ceil(wait * 1000))),
            }
            raise rate_limited(seconds, headers)
