"""One request's conversation with the service, written once for sync and async callers.

:func:`exchange` is a generator: it yields :class:`Send` when it needs an HTTP
attempt and :class:`Sleep` when it must wait, and receives each attempt's
:class:`~langchain_azure_image_embeddings._transport.outcomes.HttpOutcome`. The sync and
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

from langchain_azure_image_embeddings._engine.error_mapping import names_input_type, service_error
from langchain_azure_image_embeddings._protocols import WireProtocol
from langchain_azure_image_embeddings._protocols.model_inference import ModelInference
from langchain_azure_image_embeddings._protocols.wire import (
    EmbeddingsBody,
    ParsedEmbeddings,
    ResponseFormatError,
    Usage,
    encode_body,
)
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome
from langchain_azure_image_embeddings._transport.retry import (
    RetrySettings,
    is_retryable,
    retry_after_seconds,
)
from langchain_azure_image_embeddings.errors import EmbeddingServiceError, InputTypeFallbackWarning

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
    """What an exchange may do on its own when an attempt fails.

    Attributes:
        retry: When and how long to retry.
        input_type_fallback: Whether a 422 naming ``input_type`` is answered by
            sending none (only where the protocol allows it).
        memory: The instance's memory of an ``input_type`` refusal.
        model: The deployment name, for messages.
        protocol: The wire protocol: it reads the answers and names the hints.
        max_request_bytes: The largest body the model takes: a larger request is
            split before it is sent (``None``: unknown; a 413 still splits it).
        rng: The random source of back-off jitter.
    """

    retry: RetrySettings
    input_type_fallback: bool
    memory: InputTypeMemory
    model: str | None
    protocol: WireProtocol = field(default_factory=ModelInference)
    max_request_bytes: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def error(
        self, outcome: HttpOutcome, attempts: int, hint: str | None = None
    ) -> EmbeddingServiceError:
        """The error a user sees for a failed request, with the protocol's hints."""
        return service_error(
            outcome, attempts=attempts, hint=hint, hints=self.protocol.status_hints
        )


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
    if policy.max_request_bytes is not None and request.size > 1:
        limit = policy.max_request_bytes
        if len(request.content) > limit:
            return (yield from _send_in_parts(request, policy, limit))
    fallback = policy.input_type_fallback and policy.protocol.input_type_fallback
    if fallback and policy.memory.rejected and "input_type" in request.body:
        request = request.without_input_type()
    attempts = 0
    while True:
        attempts += 1
        outcome = yield Send(request)
        assert outcome is not None
        if outcome.ok:
            return _parse(outcome, request, attempts, policy.protocol)
        if (
            policy.protocol.input_type_fallback
            and "input_type" in request.body
            and names_input_type(outcome)
        ):
            if not policy.input_type_fallback:
                raise policy.error(
                    outcome,
                    attempts,
                    "The model does not accept `input_type`; set `input_type_fallback=True`"
                    " or `document_input_type=None` and `query_input_type=None`",
                )
            policy.memory.remember_rejection(policy.model)
            request = request.without_input_type()
            continue
        if outcome.status == 413 and request.size > 1:
            return (yield from _split(request, policy))
        if not is_retryable(outcome) or attempts > policy.retry.max_retries:
            raise policy.error(outcome, attempts)
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
    return (yield from _send_parts(request, [(0, middle), (middle, request.size)], policy))


def _send_in_parts(request: EmbeddingsBody, policy: ExchangePolicy, limit: int) -> Exchange:
    """Send a request too large for the model as consecutive requests that fit.

    Greedy: each part takes as many of the next inputs as fit in ``limit``
    bytes (at least one), so the parts are as few as the sizes allow.
    """
    overhead = len(request.subset(0, 0).content)
    parts: list[tuple[int, int]] = []
    start, size = 0, overhead
    for index, item in enumerate(request.items):
        item_bytes = len(encode_body(item)) + 1  # and its comma
        if index > start and size + item_bytes > limit:
            parts.append((start, index))
            start, size = index, overhead
        size += item_bytes
    parts.append((start, request.size))
    logger.debug("%d inputs over %d bytes: sent in %d requests", request.size, limit, len(parts))
    return (yield from _send_parts(request, parts, policy))


def _send_parts(
    request: EmbeddingsBody, parts: list[tuple[int, int]], policy: ExchangePolicy
) -> Exchange:
    vectors: list[list[float]] = []
    usage = Usage()
    for start, stop in parts:
        parsed = yield from exchange(request.subset(start, stop), policy)
        vectors.extend(parsed.vectors)
        usage = usage + parsed.usage
    return ParsedEmbeddings(vectors, usage)


def _wait_before_retry(outcome: HttpOutcome, attempts: int, policy: ExchangePolicy) -> float:
    asked = retry_after_seconds(outcome.headers)
    if asked is None:
        return policy.retry.backoff(attempts, policy.rng)
    if asked > policy.retry.max_retry_after:
        raise policy.error(
            outcome,
            attempts,
            f"The service asked to wait {asked:g} s before retrying, longer than "
            f"max_retry_after={policy.retry.max_retry_after:g} s; raise `max_retry_after` "
            "to wait that long",
        )
    return asked


def _parse(
    outcome: HttpOutcome, request: EmbeddingsBody, attempts: int, protocol: WireProtocol
) -> ParsedEmbeddings:
    try:
        return protocol.parse(outcome.body, request)
    except ResponseFormatError as error:
        raise EmbeddingServiceError(
            f"the service answered 200 with an unusable body: {error}",
            status_code=200,
            attempts=attempts,
        ) from None
