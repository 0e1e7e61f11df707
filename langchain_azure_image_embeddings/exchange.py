"""One request's conversation with the service, written once for sync and async callers.

:func:`exchange` is a generator: it yields :class:`Send` when it needs an HTTP
attempt and :class:`Sleep` when it must wait, and receives each attempt's
:class:`~langchain_azure_image_embeddings.outcomes.HttpOutcome`. The sync and
async drivers only perform those steps, so retries, the ``input_type``
fallback and request splitting live here and nowhere else.
"""

from __future__ import annotations

import logging
import random
import threading
import warnings
from collections.abc import Generator
from dataclasses import dataclass, field

from langchain_azure_image_embeddings.error_mapping import names_input_type, service_error
from langchain_azure_image_embeddings.errors import EmbeddingServiceError, InputTypeFallbackWarning
from langchain_azure_image_embeddings.outcomes import HttpOutcome
from langchain_azure_image_embeddings.retry import RetrySettings, is_retryable, retry_after_seconds
from langchain_azure_image_embeddings.wire import (
    EmbeddingsBody,
    ParsedEmbeddings,
    ResponseFormatError,
    parse_embeddings,
)

__all__ = [
    "Exchange",
    "ExchangePolicy",
    "InputTypeFallbackWarning",
    "InputTypeMemory",
    "Send",
    "Sleep",
    "exchange",
]

logger = logging.getLogger("langchain_azure_image_embeddings")


@dataclass(frozen=True, slots=True)
class Send:
    """Step: make one HTTP attempt with this request."""

    request: EmbeddingsBody


@dataclass(frozen=True, slots=True)
class Sleep:
    """Step: wait before the next attempt.

    Attributes:
        seconds: How long.
        throttled: Whether the service asked the client to slow down (429).
    """

    seconds: float
    throttled: bool


Exchange = Generator[Send | Sleep, HttpOutcome | None, ParsedEmbeddings]


@dataclass
class InputTypeMemory:
    """Remembers, per embeddings instance, that the model refused ``input_type``."""

    rejected: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remember_rejection(self, model: str | None) -> None:
        """Record the refusal and warn once."""
        with self._lock:
            if self.rejected:
                return
            self.rejected = True
        message = (
            f"The model {model or '(endpoint default)'} refused `input_type` (HTTP 422); "
            "retrying without it, and later requests will not send it. Set "
            "`input_type_fallback=False` to get an error instead, or set "
            "`document_input_type=None` and `query_input_type=None` to never send it."
        )
        logger.warning(message)
        warnings.warn(message, InputTypeFallbackWarning, stacklevel=2)


@dataclass(frozen=True)
class ExchangePolicy:
    """What an exchange may do on its own when an attempt fails."""

    retry: RetrySettings
    input_type_fallback: bool
    memory: InputTypeMemory
    model: str | None
    rng: random.Random = field(default_factory=random.Random)


def exchange(request: EmbeddingsBody, policy: ExchangePolicy) -> Exchange:
    """Run one request to completion: retries, the ``input_type`` fallback, 413 splits.

    Args:
        request: The request to send.
        policy: Retry settings and fallback switches.

    Returns:
        The parsed vectors (as the generator's return value).

    Raises:
        EmbeddingServiceError: The request failed for good.
    """
    if policy.memory.rejected and "input_type" in request.body:
        request = request.without_input_type()
    attempts = 0
    while True:
        attempts += 1
        outcome = yield Send(request)
        assert outcome is not None
        if outcome.ok:
            return _parse(outcome, request, attempts)
        if "input_type" in request.body and names_input_type(outcome):
            if not policy.input_type_fallback:
                raise service_error(
                    outcome,
                    attempts=attempts,
                    hint="The model does not accept `input_type`; set `input_type_fallback=True`"
                    " or `document_input_type=None` and `query_input_type=None`",
                )
            policy.memory.remember_rejection(policy.model)
            request = request.without_input_type()
            continue
        if outcome.status == 413 and request.size > 1:
            return (yield from _split(request, policy))
        if not is_retryable(outcome) or attempts > policy.retry.max_retries:
            raise service_error(outcome, attempts=attempts)
        wait = _wait_before_retry(outcome, attempts, policy)
        logger.debug(
            "attempt %d failed (%s); retrying in %.2f s",
            attempts,
            f"HTTP {outcome.status}" if outcome.status is not None else outcome.failure,
            wait,
        )
        yield Sleep(wait, outcome.status == 429)


def _split(request: EmbeddingsBody, policy: ExchangePolicy) -> Exchange:
    middle = request.size // 2
    logger.info("HTTP 413 for %d inputs: splitting the request in two", request.size)
    first = yield from exchange(request.subset(0, middle), policy)
    second = yield from exchange(request.subset(middle, request.size), policy)
    return ParsedEmbeddings(first.vectors + second.vectors, first.usage + second.usage)


def _wait_before_retry(outcome: HttpOutcome, attempts: int, policy: ExchangePolicy) -> float:
    asked = retry_after_seconds(outcome.headers)
    if asked is None:
        return policy.retry.backoff(attempts, policy.rng)
    if asked > policy.retry.max_retry_after:
        raise service_error(
            outcome,
            attempts=attempts,
            hint=f"The service asked to wait {asked:g} s before retrying, longer than "
            f"max_retry_after={policy.retry.max_retry_after:g} s; raise `max_retry_after` "
            "to wait that long",
        )
    return asked


def _parse(outcome: HttpOutcome, request: EmbeddingsBody, attempts: int) -> ParsedEmbeddings:
    try:
        return parse_embeddings(outcome.body, request.size)
    except ResponseFormatError as error:
        raise EmbeddingServiceError(
            f"the service answered 200 with an unusable body: {error}",
            status_code=200,
            attempts=attempts,
        ) from None
