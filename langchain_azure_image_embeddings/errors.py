"""The exceptions that reach users of this package.

Every failure a caller can act on is one of these types: bad input is an
:class:`ImageInputError` (a :class:`ValueError`), an error answered by the
endpoint is an :class:`EmbeddingServiceError`, and a call in which some inputs
failed while others were embedded is an :class:`EmbeddingBatchError`, which
carries the vectors that were obtained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "EmbeddingBatchError",
    "ImageEmbeddingsError",
    "EmbeddingServiceError",
    "ImageInputError",
    "InputTypeFallbackWarning",
]

_MAX_SOURCE_CHARS = 80
MAX_LISTED_FAILURES = 10
"""How many failed inputs an error message names; the rest are counted (all are in ``failures``)."""


def describe_source(text: str, limit: int = _MAX_SOURCE_CHARS) -> str:
    """Return a short, safe description of an input string for error messages.

    Data URLs are reduced to their media type and length, so that no image
    content ever reaches a log line or an exception text; other strings are
    shortened to ``limit`` characters.

    Args:
        text: The input as the caller gave it.
        limit: The longest description returned.

    Returns:
        A printable description of at most about ``limit`` characters.
    """
    if text[:5].lower() == "data:":  # measured, never copied: a data URL may be megabytes
        comma = text.find(",")
        header = text[5:] if comma < 0 else text[5:comma]
        payload_chars = 0 if comma < 0 else len(text) - comma - 1
        return f"data:{header[:35]},<{payload_chars} chars>"
    # Escaping never shortens a prefix, so the first limit + 1 characters decide the cut.
    printable = text[: limit + 1].encode("unicode_escape").decode("ascii")
    if len(printable) <= limit and len(text) <= limit:
        return repr(printable)
    return repr(printable[: limit - 3] + "...")


def summarize_positions(positions: Sequence[int], limit: int = MAX_LISTED_FAILURES) -> str:
    """List the first ``limit`` positions, then say how many more there are.

    Args:
        positions: Input positions, in order.
        limit: The most positions named.

    Returns:
        For example ``"3, 7, 9"``, or the first ten and ``"and 990 more"``.
    """
    shown = ", ".join(map(str, positions[:limit]))
    hidden = len(positions) - limit
    return f"{shown} and {hidden:,} more" if hidden > 0 else shown


def combine_input_errors(failures: Mapping[int, ImageInputError]) -> ImageInputError:
    """One :class:`ImageInputError` for several failed inputs, with a bounded message.

    The message names the first :data:`MAX_LISTED_FAILURES` failures and counts
    the others; every failure stays in the returned error's ``failures``.

    Args:
        failures: The error of each failed input, by position (at least one).

    Returns:
        The combined error, naming the first failed position.
    """
    ordered = dict(sorted(failures.items()))
    positions = list(ordered)
    lines = [f"  {error}" for error in list(ordered.values())[:MAX_LISTED_FAILURES]]
    if len(positions) > MAX_LISTED_FAILURES:
        lines.append(f"  ... and {len(positions) - MAX_LISTED_FAILURES:,} more (all in .failures)")
    error = ImageInputError(
        f"{len(positions)} inputs could not be used (positions {summarize_positions(positions)}):\n"
        + "\n".join(lines),
        position=positions[0],
    )
    error.failures = dict(ordered)
    return error


class ImageEmbeddingsError(Exception):
    """The base of every error this package raises for a call: catch it to catch them all.

    :class:`ImageInputError` (also a ``ValueError``), :class:`EmbeddingServiceError`
    (also a ``RuntimeError``) and :class:`EmbeddingBatchError`.
    """


class InputTypeFallbackWarning(UserWarning):
    """The model refused ``input_type``; requests are sent without it from now on."""


class ImageInputError(ImageEmbeddingsError, ValueError):
    """An input could not be used: unreadable, not an image, too large, or not allowed.

    When several inputs of one call fail, :attr:`failures` holds each error
    by position and :attr:`embeddings` every vector that was obtained.

    Attributes:
        position: The input's index in the call (``None`` when not known).
        source: A short, safe description of where the input came from
            (never file contents, never a whole data URL).
        reason: Why it was refused, in words that say what to change.
    """

    def __init__(self, reason: str, *, position: int | None = None, source: str | None = None):
        self.reason = reason
        self.position = position
        self.source = source
        self.failures: dict[int, Exception] = {}
        self.embeddings: list[list[float] | None] | None = None
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = "input" if self.position is None else f"input {self.position}"
        if self.source:
            where = f"{where} ({self.source})"
        return f"{where}: {self.reason}"

    def at(self, position: int) -> ImageInputError:
        """Return a copy of this error that names ``position``.

        Args:
            position: The input's index in the caller's call.

        Returns:
            A new :class:`ImageInputError` with the same reason and source.
        """
        error = ImageInputError(self.reason, position=position, source=self.source)
        error.__cause__ = self.__cause__
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_input_error, (self.reason, self.position, self.source), self.__dict__)


def _rebuild_input_error(reason: str, position: int | None, source: str | None) -> ImageInputError:
    return ImageInputError(reason, position=position, source=source)


class EmbeddingServiceError(ImageEmbeddingsError, RuntimeError):
    """The endpoint answered with an error, or could not be reached, after any retries.

    The message never contains the key, a bearer token, or image data.

    Attributes:
        status_code: The HTTP status, or ``None`` when no answer arrived
            (connection refused, reset, timeout).
        error_code: The service's error code (for example ``"parameter_not_supported"``).
        message: The service's message, or a description of the transport failure.
        retry_after: Seconds the service asked to wait, when it said so.
        attempts: How many HTTP attempts were made for the failing request.
        request_id: The service's id of the failing request (Cohere's ``id``, or the
            ``x-request-id`` / ``apim-request-id`` header), to quote to support.
        failures: When raised for a whole call, each failed input's error by position.
        embeddings: When raised for a whole call, every vector obtained, in
            input order, ``None`` where the input failed.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
        hint: str | None = None,
        request_id: str | None = None,
    ):
        self.message = message
        self.request_id = request_id
        self.status_code = status_code
        self.error_code = error_code
        self.retry_after = retry_after
        self.attempts = attempts
        self.hint = hint
        self.failures: dict[int, Exception] = {}
        self.embeddings: list[list[float] | None] | None = None
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.error_code:
            parts.append(f"({self.error_code})")
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_service_error,
            (
                self.message,
                self.status_code,
                self.error_code,
                self.retry_after,
                self.attempts,
                self.hint,
                self.request_id,
            ),
            self.__dict__,
        )


def _rebuild_service_error(
    message: str,
    status_code: int | None,
    error_code: str | None,
    retry_after: float | None,
    attempts: int,
    hint: str | None,
    request_id: str | None = None,
) -> EmbeddingServiceError:
    return EmbeddingServiceError(
        message,
        status_code=status_code,
        error_code=error_code,
        retry_after=retry_after,
        attempts=attempts,
        hint=hint,
        request_id=request_id,
    )


class EmbeddingBatchError(ImageEmbeddingsError):
    """Some inputs of a call failed; the others were embedded and are kept here.

    Raised by the LangChain methods when any input fails. Nothing that was
    embedded is lost: :attr:`embeddings` holds every vector obtained, in input
    order, with ``None`` where the input failed.

    Attributes:
        failures: The error of each failed input, by position.
        embeddings: One entry per input: its vector, or ``None`` where it failed.
    """

    def __init__(
        self,
        failures: Mapping[int, Exception],
        embeddings: Sequence[list[float] | None],
    ):
        self.failures = dict(sorted(failures.items()))
        self.embeddings = list(embeddings)
        super().__init__(self._compose())

    @property
    def positions(self) -> list[int]:
        """The positions of the inputs that failed, in order."""
        return list(self.failures)

    def _compose(self) -> str:
        total = len(self.embeddings)
        hidden = len(self.failures) - MAX_LISTED_FAILURES
        lines = [
            f"{len(self.failures)} of {total} inputs failed "
            f"(positions {summarize_positions(self.positions)}); "
            f"{total - len(self.failures)} were embedded and are in .embeddings"
        ]
        lines.extend(f"  {error}" for error in list(self.failures.values())[:MAX_LISTED_FAILURES])
        if hidden > 0:
            lines.append(f"  ... and {hidden:,} more (all in .failures)")
        return "\n".join(lines)

    def __reduce__(self) -> tuple[Any, ...]:
        return (EmbeddingBatchError, (self.failures, self.embeddings))
