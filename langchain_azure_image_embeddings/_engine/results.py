"""Collecting the answers of one call and putting them back in input order."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import cast

from langchain_azure_image_embeddings._protocols.wire import Usage
from langchain_azure_image_embeddings.errors import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInputError,
    combine_input_errors,
    summarize_positions,
)

__all__ = ["CallResults", "Outcome"]

Outcome = list[float] | ImageInputError | EmbeddingServiceError


class CallResults:
    """Vectors and failures of one call, by input position (thread-safe)."""

    def __init__(self) -> None:
        self._outcomes: dict[int, Outcome] = {}
        self._count = 0
        self.usage = Usage()
        self._lock = threading.Lock()

    def expect(self, count: int) -> None:
        """Record that the call had ``count`` inputs."""
        self._count = count

    def add_vectors(self, positions: Sequence[int], vectors: Sequence[list[float]]) -> None:
        """Record the vectors of a request, one per position."""
        with self._lock:
            self._outcomes.update(zip(positions, vectors, strict=True))

    def add_found(self, vectors: Mapping[int, list[float]]) -> None:
        """Record vectors found without a request (in the cache), by position."""
        if vectors:
            self.add_vectors(list(vectors), list(vectors.values()))

    def add_usage(self, usage: Usage) -> None:
        """Add one response's usage to the call's total."""
        with self._lock:
            self.usage = self.usage + usage

    def add_failures(self, failures: Mapping[int, Exception]) -> None:
        """Record failed inputs by position."""
        with self._lock:
            for position, error in failures.items():
                assert isinstance(error, (ImageInputError, EmbeddingServiceError))
                self._outcomes[position] = error

    def in_order(self) -> list[Outcome]:
        """Return one outcome per input, in input order."""
        return [self._outcomes[position] for position in range(self._count)]

    def vectors_or_raise(self) -> list[list[float]]:
        """Return the vectors in input order, or raise if any input failed.

        Raises:
            ImageInputError: Every failure was an input error (all are named).
            EmbeddingServiceError: Every failure was a service error.
            EmbeddingBatchError: The failures were of both kinds.

        The raised error carries ``failures`` (by position) and ``embeddings``
        (every vector obtained, ``None`` where the input failed).
        """
        ordered = self.in_order()
        failures = {
            position: outcome
            for position, outcome in enumerate(ordered)
            if not isinstance(outcome, list)
        }
        if not failures:
            return cast(list[list[float]], ordered)
        partial = [outcome if isinstance(outcome, list) else None for outcome in ordered]
        raise _aggregate(failures, partial)


def _aggregate(
    failures: dict[int, ImageInputError | EmbeddingServiceError],
    partial: list[list[float] | None],
) -> Exception:
    errors = list(failures.values())
    error: Exception
    if len(errors) == 1:
        error = errors[0]
    elif all(isinstance(item, ImageInputError) for item in errors):
        error = combine_input_errors(cast(dict[int, ImageInputError], failures))
    elif all(isinstance(item, EmbeddingServiceError) for item in errors):
        first = errors[0]
        assert isinstance(first, EmbeddingServiceError)
        error = EmbeddingServiceError(
            f"{len(errors)} inputs failed (positions {summarize_positions(list(failures))}); "
            f"first: {first.message}",
            status_code=first.status_code,
            error_code=first.error_code,
            retry_after=first.retry_after,
            attempts=first.attempts,
            hint=first.hint,
        )
    else:
        error = EmbeddingBatchError(failures, partial)
    if isinstance(error, (ImageInputError, EmbeddingServiceError)):
        error.failures = dict(failures)
        error.embeddings = partial
    return error
