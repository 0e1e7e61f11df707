"""When a request may be sent: a bound that shrinks under 429 and grows back, and the waiting.

:class:`AdaptiveLimit` holds the decisions (additive increase, multiplicative
decrease of the requests in flight; a pause of every start after a throttled
answer), :class:`~langchain_azure_image_embeddings._transport.rate_limit.RateLimit` the
optional client-side rate limit. :class:`ThreadGate` and :class:`AsyncGate`
only make callers wait, with a thread condition or an asyncio condition, and
are the one place where a request waits before it is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Awaitable, Callable

from langchain_azure_image_embeddings._protocols.wire import EmbeddingsBody
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome
from langchain_azure_image_embeddings._transport.rate_limit import RateLimit

__all__ = ["AdaptiveLimit", "AsyncGate", "Cancelled", "DeadlinePassed", "Pressure", "ThreadGate"]


class Cancelled(Exception):
    """The call was interrupted or cancelled: no new attempt may start."""


class DeadlinePassed(Cancelled):
    """The call's deadline passed: no new attempt may start."""


class Pressure:
    """The part of the back-pressure shared by every call of one instance (thread-safe).

    The allowed concurrency (halved by a 429 once per wave, grown back by
    successes) and the pause after a throttled answer belong to the
    deployment's quota, which all calls share: a 429 seen by one call slows
    the others down too, sync and async alike.
    """

    def __init__(self, maximum: int):
        self.maximum = maximum
        self.limit = float(maximum)
        self.paused_until = -math.inf
        self.epoch = 0
        self._lock = threading.Lock()

    def throttled(self, epoch: int) -> None:
        """A request started in wave ``epoch`` was refused with 429: halve once per wave."""
        with self._lock:
            if epoch == self.epoch:
                self.limit = max(1.0, self.limit / 2)
                self.epoch += 1

    def succeeded(self) -> None:
        """A request succeeded: grow the limit by ``1/limit``, up to the maximum."""
        with self._lock:
            self.limit = min(float(self.maximum), self.limit + 1 / self.limit)

    def pause(self, seconds: float, now: float) -> None:
        """Let no request start for ``seconds`` from ``now`` (extends, never shortens)."""
        with self._lock:
            self.paused_until = max(self.paused_until, now + seconds)


class AdaptiveLimit:
    """The requests allowed in flight, and when the next may start, adapted to the answers.

    A 429 halves the limit once per wave: only a request started after the
    last cut may cut again, so the 429s of requests that were already in
    flight count once. Each success raises the limit by ``1/limit``, so it
    grows back by about one per round of requests, up to ``maximum``. A
    throttled retry also pauses every new start for as long as that retry
    waits: the deployment's quota is shared by all requests, so the others
    would be refused too.

    The limit and the pause live in a :class:`Pressure` that every call of
    one instance shares; the requests in flight are counted per call. Not
    thread-safe: the gates serialise access (the shared part locks itself).
    """

    def __init__(self, maximum: int, shared: Pressure | None = None):
        self.shared = shared if shared is not None else Pressure(maximum)
        self.maximum = min(maximum, self.shared.maximum)
        self.in_flight = 0

    @property
    def limit(self) -> float:
        """The requests allowed in flight now (shared by the instance's calls)."""
        return min(float(self.maximum), self.shared.limit)

    @property
    def paused_until(self) -> float:
        """When the current pause ends (``time.monotonic()`` time)."""
        return self.shared.paused_until

    def start_delay(self, now: float) -> float | None:
        """Return ``None`` when a request may start now, else how long to wait.

        Args:
            now: The current time (``time.monotonic()``).

        Returns:
            ``None``; seconds until a pause ends; or ``math.inf`` when the
            requests in flight fill the limit (wait until one finishes).
        """
        if now < self.paused_until:
            return self.paused_until - now
        if self.in_flight >= max(1, int(self.limit)):
            return math.inf
        return None

    def start(self) -> int:
        """Count a request as in flight; return the wave it started in (for :meth:`finish`)."""
        self.in_flight += 1
        return self.shared.epoch

    def finish(self, epoch: int, outcome: HttpOutcome | None) -> None:
        """Count a request as finished and adapt the limit to its outcome.

        Args:
            epoch: What :meth:`start` returned for this request.
            outcome: The attempt's outcome (``None`` when it was cancelled).
        """
        self.in_flight -= 1
        if outcome is None:
            return
        if outcome.status == 429:
            self.shared.throttled(epoch)
        elif outcome.ok:
            self.shared.succeeded()

    def pause(self, seconds: float, now: float) -> None:
        """Let no request start for ``seconds`` from ``now`` (extends, never shortens)."""
        self.shared.pause(seconds, now)


class ThreadGate:
    """Makes threads wait before each attempt: rate limit, pause, in-flight limit.

    Setting ``cancelled`` (through :meth:`cancel`) wakes every waiting thread
    and makes it raise :class:`Cancelled` instead of sending.
    """

    def __init__(
        self, limit: AdaptiveLimit, rate: RateLimit | None = None, deadline: float | None = None
    ):
        self.limit = limit
        self.rate = rate
        self.deadline = deadline
        self.cancelled = threading.Event()
        self._condition = threading.Condition()

    def attempt(
        self, send: Callable[[EmbeddingsBody], HttpOutcome], request: EmbeddingsBody
    ) -> HttpOutcome:
        """Wait for the right to send, send, and adapt the limit to the outcome.

        Args:
            send: Makes one HTTP attempt.
            request: What to send.

        Returns:
            The attempt's outcome.

        Raises:
            Cancelled: The call was cancelled before the request could be sent.
        """
        if self.rate is not None:
            self._wait(self.rate.reserve(request))
        epoch = self._start()
        outcome: HttpOutcome | None = None
        try:
            outcome = send(request)
        finally:
            with self._condition:
                self.limit.finish(epoch, outcome)
                self._condition.notify_all()
        return outcome

    def sleep(self, seconds: float, throttled: bool) -> None:
        """Wait before a retry; a throttled one pauses every start as long.

        Raises:
            Cancelled: The call was cancelled meanwhile.
        """
        if throttled:
            with self._condition:
                self.limit.pause(seconds, time.monotonic())
        self._wait(seconds)

    def cancel(self) -> None:
        """Stop every waiting and future attempt of the call."""
        self.cancelled.set()
        with self._condition:
            self._condition.notify_all()

    def _start(self) -> int:
        with self._condition:
            while not self.cancelled.is_set():
                now = time.monotonic()
                delay = self.limit.start_delay(now)
                if delay is None:
                    return self.limit.start()
                left = _left(self.deadline, now)
                if left <= 0:
                    raise DeadlinePassed
                self._condition.wait(None if min(delay, left) == math.inf else min(delay, left))
        raise Cancelled

    def _wait(self, seconds: float) -> None:
        left = _left(self.deadline, time.monotonic())
        if self.cancelled.wait(min(seconds, left)):  # returns at once when seconds <= 0
            raise Cancelled
        if left < seconds:
            raise DeadlinePassed


class AsyncGate:
    """Makes tasks wait before each attempt: rate limit, pause, in-flight limit.

    Cancelling the task cancels the wait, as with any ``await``.
    """

    def __init__(
        self, limit: AdaptiveLimit, rate: RateLimit | None = None, deadline: float | None = None
    ):
        self.limit = limit
        self.rate = rate
        self.deadline = deadline
        self._condition = asyncio.Condition()

    async def attempt(
        self,
        send: Callable[[EmbeddingsBody], Awaitable[HttpOutcome]],
        request: EmbeddingsBody,
    ) -> HttpOutcome:
        """Async twin of :meth:`ThreadGate.attempt` (cancelling the task cancels the wait)."""
        if self.rate is not None:
            await self._sleep(self.rate.reserve(request))
        epoch = await self._start()
        outcome: HttpOutcome | None = None
        try:
            outcome = await send(request)
        finally:
            self.limit.finish(epoch, outcome)
            async with self._condition:
                self._condition.notify_all()
        return outcome

    async def sleep(self, seconds: float, throttled: bool) -> None:
        """Wait before a retry; a throttled one pauses every start as long."""
        if throttled:
            self.limit.pause(seconds, time.monotonic())
        await self._sleep(seconds)

    async def _sleep(self, seconds: float) -> None:
        left = _left(self.deadline, time.monotonic())
        await asyncio.sleep(max(0.0, min(seconds, left)))
        if left < seconds:
            raise DeadlinePassed

    async def _start(self) -> int:
        while True:
            async with self._condition:
                delay = self.limit.start_delay(time.monotonic())
                while delay == math.inf:
                    left = _left(self.deadline, time.monotonic())
                    if left <= 0:
                        raise DeadlinePassed
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(
                            self._condition.wait(), None if left == math.inf else left
                        )
                    delay = self.limit.start_delay(time.monotonic())
                if delay is None:
                    return self.limit.start()
            await self._sleep(delay)


def _left(deadline: float | None, now: float) -> float:
    """Seconds left before ``deadline`` (``math.inf`` without one)."""
    return math.inf if deadline is None else deadline - now
