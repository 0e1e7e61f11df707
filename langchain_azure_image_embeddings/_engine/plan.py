"""What one call does, decided without I/O: its steps, for a driver to perform.

:meth:`CallPlan.steps` takes the caller's inputs (classified lazily by
:func:`classify_lazily`), asks for cache look-ups a chunk at a time and yields
the batches as they fill (:mod:`.batching`); :meth:`CallPlan.job` takes one
batch from preparation to its recorded outcome (prepare, the exchange's send
and sleep steps, remember). The drivers (:mod:`.drivers`) only perform those
steps, with threads or with asyncio tasks, so there is one place to change how
a call proceeds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from langchain_azure_image_embeddings._engine.batch_preparation import (
    PreparedRequest,
    RequestOptions,
    prepare_batch,
)
from langchain_azure_image_embeddings._engine.batching import Batch, Batcher
from langchain_azure_image_embeddings._engine.cache import EmbeddingCache
from langchain_azure_image_embeddings._engine.exchange import ExchangePolicy, Send, Sleep, exchange
from langchain_azure_image_embeddings._engine.results import CallResults
from langchain_azure_image_embeddings._images.inputs import Item
from langchain_azure_image_embeddings._protocols.wire import ParsedEmbeddings
from langchain_azure_image_embeddings._transport.concurrency import (
    AdaptiveLimit,
    DeadlinePassed,
    Pressure,
)
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome
from langchain_azure_image_embeddings._transport.rate_limit import RateLimit
from langchain_azure_image_embeddings.errors import EmbeddingServiceError, ImageInputError

__all__ = [
    "CACHE_CHUNK",
    "BatchJob",
    "CallPlan",
    "JobStep",
    "LookUp",
    "PlanSteps",
    "Prepare",
    "Remember",
    "classify_lazily",
    "next_step",
]


CACHE_CHUNK = 64
"""Inputs looked up in the cache at once, ahead of batching (one ``mget`` or two per chunk)."""


@dataclass(frozen=True)
class LookUp:
    """A step of :meth:`CallPlan.steps`: look these inputs up in the cache."""

    chunk: list[tuple[int, Item]]


PlanSteps = Generator["Batch | LookUp", "list[tuple[int, Item]] | None", None]
"""Yields batches to send and chunks to look up; is sent the inputs left after a look-up."""


@dataclass(frozen=True)
class Prepare:
    """A step of :meth:`CallPlan.job`: prepare this batch (files, pixels: in a worker thread).

    Answered with the :class:`PreparedRequest` (see :meth:`CallPlan.prepare`).
    """

    batch: Batch


@dataclass(frozen=True)
class Remember:
    """A step of :meth:`CallPlan.job`: store a request's answers in the cache (blocking I/O)."""

    prepared: PreparedRequest
    parsed: ParsedEmbeddings


JobStep = Prepare | Send | Sleep | Remember
BatchJob = Generator[JobStep, "PreparedRequest | HttpOutcome | None", None]
"""One batch from preparation to its recorded outcome; its steps are the driver's to perform."""


@dataclass
class CallPlan:
    """What one call does, shared by both drivers.

    Attributes:
        options: Request options (model, input type, image policy and limits).
        policy: Retry and fallback policy for each request.
        max_concurrency: Most batches prepared or sent at once.
        images_per_request: Most images per request.
        texts_per_request: Most texts per request.
        on_progress: Called with the number of inputs each finished batch held.
        rate_limit: The client-side rate limit shared by the instance's calls, if any.
        cache: The vector cache, if any: hits are recorded without a request,
            answers are stored after success.
        pressure: The back-pressure shared by the instance's calls (429 pause
            and adaptive concurrency), or ``None`` for one of the call's own.
        deadline: When the call must end (``time.monotonic()`` time), or ``None``.
        deadline_seconds: The ``deadline`` setting, for the error message.
    """

    options: RequestOptions
    policy: ExchangePolicy
    max_concurrency: int
    images_per_request: int
    texts_per_request: int
    on_progress: Callable[[int], None] | None = None
    rate_limit: RateLimit | None = None
    cache: EmbeddingCache | None = None
    pressure: Pressure | None = None
    deadline: float | None = None
    deadline_seconds: float | None = None

    def adaptive_limit(self) -> AdaptiveLimit:
        """The call's in-flight bound, on the instance's shared pressure."""
        return AdaptiveLimit(self.max_concurrency, self.pressure)

    def expired(self) -> bool:
        """Whether the call's deadline has passed."""
        return self.deadline is not None and time.monotonic() >= self.deadline

    def after_attempt(self, outcome: HttpOutcome) -> HttpOutcome:
        """An attempt's outcome, or :class:`DeadlinePassed` when it failed past the deadline.

        An attempt cut short by the deadline (its timeouts were shortened to it) fails as a
        timeout; the call's error is the deadline's, not the timeout's.
        """
        if not outcome.ok and self.expired():
            raise DeadlinePassed
        return outcome

    def deadline_error(self) -> EmbeddingServiceError:
        """The error of every input whose request had not completed when the deadline passed."""
        return EmbeddingServiceError(
            f"the call's deadline of {self.deadline_seconds:g} s passed before this input's "
            "request completed (nothing of it is left in flight)",
            hint="Raise `deadline`, or embed fewer inputs per call",
        )

    def record_expired(self, results: CallResults, batch: Batch) -> None:
        """Record a batch not sent because the deadline passed."""
        results.add_failures(dict.fromkeys(batch.positions, self.deadline_error()))
        if self.on_progress is not None:
            self.on_progress(len(batch.positions))

    @property
    def read_ahead(self) -> int:
        """Most batches taken from the input ahead of completion."""
        return 2 * self.max_concurrency

    def steps(self, items: Iterable[tuple[int, Item]]) -> PlanSteps:
        """The batches to send, asking the driver to look chunks up in the cache first.

        A generator (sans I/O, like :func:`.exchange.exchange`): it takes the
        caller's inputs on the driver's own thread, yields a :class:`LookUp`
        for each chunk of them when there is a cache, to be answered with
        the inputs left to send (see :meth:`answer_from_cache`), and yields
        every :class:`Batch` as soon as it is full, then the partial ones.
        """
        batcher = Batcher(
            images_per_request=self.images_per_request, texts_per_request=self.texts_per_request
        )
        source = iter(items)
        while chunk := list(islice(source, CACHE_CHUNK if self.cache is not None else 1)):
            rest = chunk if self.cache is None else (yield LookUp(chunk))
            assert rest is not None, "a LookUp must be answered with the inputs left"
            for position, item in rest:
                batch = batcher.add(position, item)
                if batch is not None:
                    yield batch
        yield from batcher.remaining()

    def answer_from_cache(self, look_up: LookUp, results: CallResults) -> list[tuple[int, Item]]:
        """Record the cache's hits (and unreadable sources) for a chunk; return the rest.

        Blocking I/O (files, the store): the async driver runs it in a thread.
        """
        assert self.cache is not None
        answer = self.cache.answer(look_up.chunk, self.options)
        results.add_failures(answer.failures)
        results.add_found(answer.hits)
        if self.on_progress is not None and (answer.hits or answer.failures):
            self.on_progress(len(answer.hits) + len(answer.failures))
        return answer.rest

    def record(
        self,
        results: CallResults,
        prepared: PreparedRequest,
        parsed: ParsedEmbeddings | None,
        error: EmbeddingServiceError | None = None,
    ) -> None:
        """Record everything a finished batch learnt; report progress.

        That is its inputs that could not be prepared, its cache hits, and
        the vectors and usage its request obtained, or the error that request
        failed with, for every input it carried.
        """
        results.add_failures(prepared.failures)
        results.add_found(prepared.hits)
        if error is not None:
            results.add_failures(dict.fromkeys(prepared.positions, error))
        elif parsed is not None:
            results.add_vectors(prepared.positions, parsed.vectors)
            results.add_usage(parsed.usage)
        if self.on_progress is not None:
            self.on_progress(len(prepared.positions) + len(prepared.failures) + len(prepared.hits))

    def job(self, batch: Batch, results: CallResults) -> BatchJob:
        """Everything that happens to one batch, as steps for a driver (sans I/O).

        It yields :class:`Prepare` (answered with the prepared request), then
        the :func:`.exchange.exchange` steps :class:`Send` (answered with the
        attempt's outcome) and :class:`Sleep`, then :class:`Remember` when a
        cache should keep the answers; it records the batch's outcome in
        ``results`` itself. A driver that cannot go on (the deadline passed)
        throws the error into the job, which records it for the batch.
        """
        if self.expired():
            self.record_expired(results, batch)
            return
        prepared = yield Prepare(batch)
        assert isinstance(prepared, PreparedRequest)
        parsed: ParsedEmbeddings | None = None
        error: EmbeddingServiceError | None = None
        if prepared.body is not None:
            try:
                parsed = yield from exchange(prepared.body, self.policy)
            except EmbeddingServiceError as failure:
                error = failure
        self.record(results, prepared, parsed, error)
        if parsed is not None and self.cache is not None:
            yield Remember(prepared, parsed)

    def prepare(self, step: Prepare) -> PreparedRequest:
        """Answer a :class:`Prepare` step (blocking: files, pixels, the cache)."""
        if self.cache is not None:
            return self.cache.prepare_batch(step.batch, self.options)
        return prepare_batch(step.batch, self.options)

    def remember(self, step: Remember) -> None:
        """Answer a :class:`Remember` step (blocking I/O: the store)."""
        assert self.cache is not None
        self.cache.remember(step.prepared, step.parsed)


def next_step(steps: PlanSteps, rest: list[tuple[int, Item]] | None) -> Batch | LookUp | None:
    """The plan's next step (``rest`` answers a :class:`LookUp`), or ``None`` at the end."""
    try:
        return steps.send(rest)
    except StopIteration:
        return None


def classify_lazily(
    inputs: Iterable[Any],
    classify_one: Callable[[Any], Item],
    results: CallResults,
) -> Iterator[tuple[int, Item]]:
    """Classify inputs one by one, recording the ones that cannot be used.

    Args:
        inputs: The caller's inputs.
        classify_one: Classifies one input (and checks its policy), raising
            :class:`ImageInputError` when it cannot be used.
        results: Where failures go; told the input count at the end.

    Yields:
        ``(position, item)`` for every usable input.
    """
    count = 0
    for position, value in enumerate(inputs):
        count = position + 1
        try:
            item = classify_one(value)
        except ImageInputError as error:
            results.add_failures({position: error.at(position)})
            continue
        yield position, item
    results.expect(count)
