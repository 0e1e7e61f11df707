"""Counters of what the emulator received and answered (thread-safe)."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ROUTES = ("/images/embeddings", "/embeddings", "/info")
COHERE_ROUTE = "/v2/embed"
"""Cohere's embed route, counted under this key whether called at the root or under
`/providers/cohere`."""
RECEIVED_IMAGES_KEPT = 10_000
"""`received_images` keeps the most recent records only, so a long run stays small."""


class Stats:
    """Request, status, fault, embedding and concurrency counters."""

    def __init__(self) -> None:
        """Create zeroed counters."""
        self._lock = threading.Lock()
        self._in_flight = 0
        self._zero()

    def _zero(self) -> None:
        self._requests: Counter[str] = Counter(dict.fromkeys((*ROUTES, COHERE_ROUTE), 0))
        self._statuses: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._images = 0
        self._texts = 0
        self._max_in_flight = self._in_flight
        self._received_images: deque[dict[str, Any]] = deque(maxlen=RECEIVED_IMAGES_KEPT)

    def reset(self) -> None:
        """Zero every counter; `in_flight` stays true and `max_in_flight` restarts from it."""
        with self._lock:
            self._zero()

    def request(self, route: str) -> None:
        """Count a request on `route` (a key of `ROUTES`, `COHERE_ROUTE`, or `other`)."""
        with self._lock:
            self._requests[route] += 1

    def response(self, status: int) -> None:
        """Count an answer by status."""
        with self._lock:
            self._statuses[str(status)] += 1

    def fault(self, kind: str) -> None:
        """Count an injected fault by kind."""
        with self._lock:
            self._faults[kind] += 1

    def embedded(self, *, images: int = 0, texts: int = 0) -> None:
        """Count inputs embedded in a successful answer."""
        with self._lock:
            self._images += images
            self._texts += texts

    def record_image(self, record: dict[str, Any]) -> None:
        """Keep the description of one received image."""
        with self._lock:
            self._received_images.append(record)

    def received_images(self) -> list[dict[str, Any]]:
        """Return copies of the kept image records, oldest first."""
        with self._lock:
            return [dict(record) for record in self._received_images]

    @contextmanager
    def in_flight(self) -> Iterator[None]:
        """Count a request as in flight for the duration of the block."""
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as the JSON of `GET /_emulator/stats`."""
        with self._lock:
            return {
                "requests": dict(self._requests),
                "status_counts": dict(self._statuses),
                "images": self._images,
                "texts": self._texts,
                "in_flight": self._in_flight,
                "max_in_flight": self._max_in_flight,
                "faults_injected": dict(self._faults),
            }
