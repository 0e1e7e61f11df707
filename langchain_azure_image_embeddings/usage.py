"""Token usage reported by the service: totals per instance, and per block of calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Usage", "UsageTotals", "active_trackers", "track"]


@dataclass(frozen=True, slots=True)
class Usage:
    """What the service reported it counted for one or more requests.

    Attributes:
        prompt_tokens: Tokens counted for the inputs (Cohere: ``input_tokens``).
        total_tokens: Tokens billed in all (Cohere: input and image tokens).
        images: Images counted, where the service reports them.
        image_tokens: Tokens counted for images, where the service reports them.
    """

    prompt_tokens: int = 0
    total_tokens: int = 0
    images: int = 0
    image_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.total_tokens + other.total_tokens,
            self.images + other.images,
            self.image_tokens + other.image_tokens,
        )


@dataclass
class UsageTotals:
    """Counts accumulated over calls.

    Attributes:
        prompt_tokens: Tokens the service counted for the inputs (Cohere's
            ``meta.billed_units.input_tokens``).
        total_tokens: Tokens the service billed in all (on Cohere's route, input
            and image tokens).
        images: Images the service counted (Cohere's ``billed_units.images``;
            the model-inference API's ``usage.images`` where it sends it).
        image_tokens: Tokens billed for images (Cohere's ``billed_units.image_tokens``).
        calls: Embedding method calls counted.
    """

    prompt_tokens: int = 0
    total_tokens: int = 0
    images: int = 0
    image_tokens: int = 0
    calls: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, usage: Usage) -> None:
        """Add one call's usage."""
        with self._lock:
            self.prompt_tokens += usage.prompt_tokens
            self.total_tokens += usage.total_tokens
            self.images += usage.images
            self.image_tokens += usage.image_tokens
            self.calls += 1

    def __getstate__(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "total_tokens": self.total_tokens,
            "images": self.images,
            "image_tokens": self.image_tokens,
            "calls": self.calls,
        }

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


_trackers: ContextVar[tuple[UsageTotals, ...]] = ContextVar(
    "langchain_azure_image_embeddings_usage", default=()
)


def active_trackers() -> tuple[UsageTotals, ...]:
    """Return the trackers of the enclosing :func:`track` blocks (read at call start)."""
    return _trackers.get()


@contextmanager
def track() -> Iterator[UsageTotals]:
    """Count the usage of the calls made inside the block (in this thread or task).

    Yields:
        A :class:`UsageTotals` that grows as calls in the block finish.
    """
    totals = UsageTotals()
    token = _trackers.set((*_trackers.get(), totals))
    try:
        yield totals
    finally:
        _trackers.reset(token)
