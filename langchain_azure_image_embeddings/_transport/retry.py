"""When to try a request again, and how long to wait first (pure, no I/O).

One retry layer only: the SDK's own retry policy is switched off by the
transport, and every retry decision is made here.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome

__all__ = ["RETRYABLE_STATUSES", "RetrySettings", "is_retryable", "retry_after_seconds"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_RETRYABLE_FAILURES = frozenset({"connect", "timeout", "connection"})
_UNIX_TIME_FLOOR = 1e9
"""An ``x-ratelimit-reset`` above this (2001-09-09) is a point in time, below it a duration."""


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """How persistent a request is.

    Attributes:
        max_retries: Retries after the first attempt.
        backoff_base: Seconds before the first retry when the service names no wait.
        backoff_max: The longest computed back-off between two attempts.
        max_retry_after: The longest wait the service may ask for; a longer
            ``Retry-After`` ends the call at once with an error that says so.
        jitter: Share of each computed back-off drawn at random (0 to 1).
    """

    max_retries: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0
    jitter: float = 0.5

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Return the wait before retry ``retry_number`` (1-based) with jitter.

        Args:
            retry_number: 1 for the first retry.
            rng: The random source for jitter.

        Returns:
            Seconds to wait.
        """
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (retry_number - 1))
        return ceiling * (1 - self.jitter * rng.random())


def is_retryable(outcome: HttpOutcome) -> bool:
    """Return whether a failed attempt may succeed when tried again.

    Args:
        outcome: The attempt's result.

    Returns:
        ``True`` for 408, 429, 500, 502, 503, 504, connection failures and timeouts.
    """
    if outcome.status is None:
        return outcome.failure in _RETRYABLE_FAILURES
    return outcome.status in RETRYABLE_STATUSES


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Read how long the service asked the client to wait, if it did.

    ``retry-after-ms`` and ``x-ms-retry-after-ms`` (milliseconds) take
    precedence over ``Retry-After`` (seconds or an HTTP date), which takes
    precedence over ``x-ratelimit-reset`` (a Unix time, as Cohere sends it, or
    seconds from now).

    Args:
        headers: Response headers with lower-case names.
        now: The current time as a Unix timestamp (for HTTP dates); defaults to now.

    Returns:
        Seconds to wait, or ``None`` when no usable header is present.
    """
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        milliseconds = _number(headers.get(name))
        if milliseconds is not None:
            return milliseconds / 1000
    current = time.time() if now is None else now
    value = headers.get("retry-after")
    if value is None:
        reset = _number(headers.get("x-ratelimit-reset"))
        if reset is None:
            return None
        return max(0.0, reset - current) if reset > _UNIX_TIME_FLOOR else reset
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - current)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number
