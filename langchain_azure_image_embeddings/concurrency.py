"""How many requests may be in flight: a bound that shrinks under 429 and grows back.

:class:`AdaptiveLimit` holds the decision (additive increase, multiplicative
decrease); :class:`ThreadGate` and :class:`AsyncGate` only make callers wait for
a slot, with a thread condition or an asyncio condition.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from langchain_azure_image_embeddings.outcomes import HttpOutcome

__all__ = ["AdaptiveLimit", "AsyncGate", "ThreadGate"]


class AdaptiveLimit:
    """The number of requests allowed in flight, adapted to the service's answers.

    Each 429 halves the limit (at most once per ``cooldown`` seconds, so that
    one wave of 429s counts once); each success raises it by ``1/limit``, so
    it grows back by about one per round of requests, up to ``maximum``.
    """

    def __init__(self, maximum: int, *, cooldown: float = 1.0):
        self.maximum = maximum
        self.limit = float(maximum)
        self.in_flight = 0
        self.cooldown = cooldown
        self._last_cut = -float("inf")

    def can_start(self) -> bool:
        """Return whether one more request may start now."""
        return self.in_flight < max(1, int(self.limit))

    def observe(self, outcome: HttpOutcome, now: float | None = None) -> None:
        """Adapt the limit to an attempt's outcome."""
        current = time.monotonic() if now is None else now
        if outcome.status == 429:
            if current - self._last_cut >= self.cooldown:
                self.limit = max(1.0, self.limit / 2)
                self._last_cut = current
        elif outcome.ok:
            self.limit = min(float(self.maximum), self.limit + 1 / self.limit)


class ThreadGate:
    """Makes threads wait for a slot of an :class:`AdaptiveLimit`."""

    def __init__(self, limit: AdaptiveLimit):
        self.limit = limit
        self._condition = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one in-flight slot for the duration of the block."""
        with self._condition:
            self._condition.wait_for(self.limit.can_start)
            self.limit.in_flight += 1
        try:
            yield
        finally:
            with self._condition:
                self.limit.in_flight -= 1
                self._condition.notify_all()

    def observe(self, outcome: HttpOutcome) -> None:
        """Adapt the limit to an attempt's outcome and wake waiters."""
        with self._condition:
            self.limit.observe(outcome)
            self._condition.notify_all()


class AsyncGate:
    """Makes tasks wait for a slot of an :class:`AdaptiveLimit`."""

    def __init__(self, limit: AdaptiveLimit):
        self.limit = limit
        self._condition = asyncio.Condition()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one in-flight slot for the duration of the block."""
        async with self._condition:
            await self._condition.wait_for(self.limit.can_start)
            self.limit.in_flight += 1
        try:
            yield
        finally:
            async with self._condition:
                self.limit.in_flight -= 1
                self._condition.notify_all()

    async def observe(self, outcome: HttpOutcome) -> None:
        """Adapt the limit to an attempt's outcome and wake waiters."""
        async with self._condition:
            self.limit.observe(outcome)
            self._condition.notify_all()
