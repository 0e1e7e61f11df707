"""An optional client-side rate limit: requests and tokens per minute (decisions only).

For users who know their deployment's quota (``requests_per_minute``,
``tokens_per_minute``). Each limit is a token bucket kept as a theoretical
arrival time (the generic cell rate algorithm), so a reservation is O(1) and
exact: :meth:`RateLimit.reserve` books an attempt and says how long the
caller must wait before sending it. Nothing here sleeps: the gates of
:mod:`.concurrency` do the waiting, with threads or with asyncio.

Tokens are estimated before sending, the way Cohere's embedding models count
them on Azure: 1,000 tokens per image, and about one token per four
characters of text (a little more than English text needs, never less than
one per text).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_image_embeddings._protocols.wire import EmbeddingsBody

__all__ = ["CHARS_PER_TOKEN", "TOKENS_PER_IMAGE", "Pace", "RateLimit", "estimate_tokens"]

TOKENS_PER_IMAGE = 1000
"""Tokens Cohere charges for one image (``usage.prompt_tokens``), whatever its size."""
CHARS_PER_TOKEN = 4
"""Characters of text counted as one token by the estimate."""
BURST_SECONDS = 1.0
"""How much of a limit may be used at once: one second's worth (at least one request)."""


def estimate_tokens(request: EmbeddingsBody) -> int:
    """Estimate the tokens a request will be charged, before it is sent.

    Args:
        request: The request.

    Returns:
        1,000 per image plus ``ceil(len(text) / 4)`` per text (an image's
        paired text included).
    """
    if not request.carries_images:
        return sum(_text_tokens(text) for text in request.items)
    return sum(_image_entry_tokens(entry) for entry in request.items)


def _image_entry_tokens(entry: Any) -> int:
    """An image request's entry as it travels, on either protocol."""
    if isinstance(entry, str):  # Cohere's ``images``: a data URL
        return TOKENS_PER_IMAGE
    if "content" in entry:  # Cohere's ``inputs``: text and image_url parts
        return sum(
            TOKENS_PER_IMAGE if part.get("type") == "image_url" else _text_tokens(part.get("text"))
            for part in entry["content"]
        )
    return TOKENS_PER_IMAGE + _text_tokens(entry.get("text"))  # {"image", "text"?}


def _text_tokens(text: str | None) -> int:
    return 0 if not text else max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


@dataclass
class Pace:
    """One limit: ``rate`` units per second, of which ``burst`` may be used at once.

    A token bucket of capacity ``burst`` kept as the time at which it would
    be full again (``due``). A cost larger than the burst is allowed once the
    bucket is full, so a single large request is delayed, never refused.

    Attributes:
        rate: Units per second.
        burst: Units that may be used at once.
    """

    rate: float
    burst: float
    due: float = field(default=-math.inf, repr=False)

    def earliest(self, cost: float, now: float) -> float:
        """Return the earliest time at which ``cost`` units may be used.

        Args:
            cost: Units wanted.
            now: The current time.

        Returns:
            A time at or after ``now``.
        """
        slack = self.burst - min(cost, self.burst)
        return max(now, self.due - slack / self.rate)

    def take(self, cost: float, at: float) -> None:
        """Use ``cost`` units at time ``at`` (which :meth:`earliest` allowed)."""
        self.due = max(self.due, at) + cost / self.rate


class RateLimit:
    """Requests per minute and tokens per minute, shared by every call of an instance.

    Thread-safe; reservations are served in the order they are made.
    """

    def __init__(
        self,
        requests_per_minute: int | None,
        tokens_per_minute: int | None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """Create the limit.

        Args:
            requests_per_minute: Requests allowed per minute, or ``None``.
            tokens_per_minute: Estimated tokens allowed per minute, or ``None``.
            clock: A monotonic clock in seconds, replaceable in tests.
        """
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._requests = _pace(requests_per_minute)
        self._tokens = _pace(tokens_per_minute)
        self._clock = clock
        self._lock = threading.Lock()

    def reserve(self, request: EmbeddingsBody) -> float:
        """Book the sending of ``request`` and return how long to wait before sending it.

        Args:
            request: The request about to be sent (each attempt counts).

        Returns:
            Seconds to wait (0 when it may be sent now).
        """
        costs: list[tuple[Pace, float]] = []
        if self._requests is not None:
            costs.append((self._requests, 1.0))
        if self._tokens is not None:
            costs.append((self._tokens, float(estimate_tokens(request))))
        with self._lock:
            now = self._clock()
            at = max((pace.earliest(cost, now) for pace, cost in costs), default=now)
            for pace, cost in costs:
                pace.take(cost, at)
        return at - now


def _pace(per_minute: int | None) -> Pace | None:
    if per_minute is None:
        return None
    rate = per_minute / 60.0
    return Pace(rate=rate, burst=max(1.0, rate * BURST_SECONDS))
