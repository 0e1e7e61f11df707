"""Connection limits: header and body timeouts, a cap on open connections, logs that cannot flood.

A client that opens a connection and sends nothing, or half a request, and then stalls would
otherwise hold a socket (and a file descriptor) for ever; thousands of them exhaust the process.
So every connection is wrapped (`ConnectionGuard.protocol_factory`) in a protocol that:

- closes it when a request's headers are not complete `header_timeout` seconds after the
  connection opened or after the first byte of the request (keep-alive connections idle
  between requests are closed by aiohttp after `idle_timeout`);
- refuses it, with a complete `503` answer and `Connection: close`, when `max_connections` are
  already open (the socket is accepted and closed at once, so the listening socket never stalls
  and the process never runs out of descriptors).

The body has `body_timeout` seconds once the headers are in (the server answers `408` and
closes the connection). TLS handshakes are bounded by `header_timeout` too. `FloodGate` lets
through a burst of log records, then one per interval, and counts the rest, so an error
repeated for every connection cannot fill a disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_BODY_TIMEOUT_S = 60.0
DEFAULT_IDLE_TIMEOUT_S = 30.0
_HEADERS_END = b"\r\n\r\n"
_REFUSAL_LINGER_S = 0.5
FLOODED_LOGGERS = ("asyncio", "aiohttp.server", "aiohttp.web", "aiohttp.access", __name__)
"""Loggers that `FloodGate` guards while an emulator runs (a logger's filters see only the
records logged on it, so each logging module is named, the server's too)."""


def default_max_connections() -> int:
    """Half the process's file-descriptor limit, between 64 and 4096 (1024 without a limit)."""
    if resource is None:  # pragma: no cover - Windows
        return 1024
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 4096
    return max(64, min(4096, soft // 2))


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take, and how many connections may be open at once.

    Attributes:
        header_timeout: Seconds for a request's headers (from the connection's opening, or from
            the request's first byte on a kept-alive connection), and for a TLS handshake.
        body_timeout: Seconds for a request's body once its headers are in.
        idle_timeout: Seconds a kept-alive connection may stay idle between requests.
        max_connections: Connections open at once (per process); more are refused with 503.
    """

    header_timeout: float = DEFAULT_HEADER_TIMEOUT_S
    body_timeout: float = DEFAULT_BODY_TIMEOUT_S
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S
    max_connections: int = field(default_factory=default_max_connections)

    def __post_init__(self) -> None:
        """Refuse values that would disable the protection.

        Raises:
            ValueError: A timeout not above 0, or fewer than 1 connection.
        """
        if min(self.header_timeout, self.body_timeout, self.idle_timeout) <= 0:
            raise ValueError("timeouts must be greater than 0")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")


def _refusal() -> bytes:
    body = json.dumps(
        {
            "error": {
                "code": "ServiceUnavailable",
                "message": "Too many open connections; retry later.",
            }
        }
    ).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Retry-After: 1\r\n"
        "x-ms-error-code: ServiceUnavailable\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


REFUSAL = _refusal()
"""The whole answer sent on a connection beyond `max_connections`."""


class FloodGate(logging.Filter):
    """Let `burst` records through, then one per `interval` seconds; count the others.

    The first record let through after some were dropped says how many.
    """

    def __init__(
        self, burst: int = 20, interval: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Create the gate.

        Args:
            burst: Records let through at once before the rate applies.
            interval: Seconds per record once the burst is spent.
            clock: Monotonic clock, replaceable in tests.
        """
        super().__init__()
        self._burst = burst
        self._interval = interval
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether `record` is emitted (and note the ones dropped before it)."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) / self._interval)
        self._last = now
        if self._tokens < 1.0:
            self.suppressed += 1
            return False
        self._tokens -= 1.0
        if self.suppressed:
            record.msg = f"{record.msg} [{self.suppressed} similar log records suppressed]"
            self.suppressed = 0
        return True

    @contextmanager
    def guarding(self, names: tuple[str, ...]) -> Iterator[None]:
        """Attach the gate to the loggers `names` for the duration of the block."""
        loggers = [logging.getLogger(name) for name in names]
        for each in loggers:
            each.addFilter(self)
        try:
            yield
        finally:
            for each in loggers:
                each.removeFilter(self)


class ConnectionGuard:
    """Counts, times and refuses connections. Used on the server's event loop only."""

    def __init__(self, limits: ConnectionLimits) -> None:
        """Create the guard for `limits`."""
        self.limits = limits
        self._open: dict[object, _GuardedConnection] = {}
        self._counts = {"refused": 0, "header_timeouts": 0, "body_timeouts": 0}
        self._max_open = 0

    def protocol_factory(
        self, make: Callable[[], asyncio.Protocol]
    ) -> Callable[[], asyncio.Protocol]:
        """Wrap a protocol factory (aiohttp's server) so that each connection is guarded."""
        return lambda: _GuardedConnection(make(), self)

    def request_read(self, transport: object) -> None:
        """Note that a connection's request was read: the next byte starts a new request."""
        connection = self._open.get(transport)
        if connection is not None:
            connection.await_next_request()

    def body_timed_out(self) -> None:
        """Count a request whose body did not arrive within `body_timeout`."""
        self._counts["body_timeouts"] += 1

    def snapshot(self) -> dict[str, int]:
        """Return the counters: open now, most open at once, refused, timed out."""
        return {"open": len(self._open), "max_open": self._max_open, **self._counts}

    def reset(self) -> None:
        """Zero the counters; `max_open` restarts from the connections open now."""
        self._counts = dict.fromkeys(self._counts, 0)
        self._max_open = len(self._open)

    def _admit(self, transport: object, connection: _GuardedConnection) -> bool:
        if len(self._open) >= self.limits.max_connections:
            self._counts["refused"] += 1
            logger.warning(
                "refused a connection: %d open (max_connections)", self.limits.max_connections
            )
            return False
        self._open[transport] = connection
        self._max_open = max(self._max_open, len(self._open))
        return True

    def _release(self, transport: object) -> None:
        self._open.pop(transport, None)

    def _header_timeout(self) -> None:
        self._counts["header_timeouts"] += 1
        logger.warning(
            "closed a connection: no complete request headers within %ss",
            self.limits.header_timeout,
        )


class _GuardedConnection(asyncio.Protocol):
    """Forwards everything to aiohttp's protocol, adding the header timer and the cap."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        if not self._guard._admit(transport, self):
            # Answer, stop writing, and drop what the client still sends for a moment before
            # closing: closing with unread data would send a reset that can destroy the answer.
            transport.write(REFUSAL)
            if transport.can_write_eof():
                transport.write_eof()
            self._timer = asyncio.get_running_loop().call_later(_REFUSAL_LINGER_S, transport.abort)
            return
        self._transport = transport
        self._arm()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._transport is None:  # refused: ignore whatever the client still sends
            return
        if self._awaiting_headers:
            if self._timer is None:
                self._arm()
            seen = self._tail + data
            if _HEADERS_END in seen:
                self._awaiting_headers = False
                self._tail = b""
                self._disarm()
            else:
                self._tail = seen[-(len(_HEADERS_END) - 1) :]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._transport is None:
            return None
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._transport is None:
            return
        self._guard._release(self._transport)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._inner.resume_writing()

    def await_next_request(self) -> None:
        """The request was read; its successor's headers are timed from its first byte."""
        self._awaiting_headers = True
        self._tail = b""
        self._disarm()

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._guard.limits.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._transport is not None and self._awaiting_headers:
            self._guard._header_timeout()
            self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
