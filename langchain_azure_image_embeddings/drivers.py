"""The two drivers: run a call's requests with threads (sync) or with asyncio (async).

Both drive the same plan: inputs are classified and batched lazily
(:mod:`.batching`), each batch is prepared in a worker thread
(:mod:`.batch_preparation`) and sent through :func:`.exchange.exchange`. At
most ``max_concurrency`` batches are being prepared or sent at once, and at
most twice that many are taken from the input ahead of completion, so memory
stays bounded whatever the input's length.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from langchain_azure_image_embeddings.batch_preparation import (
    PreparedRequest,
    RequestOptions,
    prepare_batch,
)
from langchain_azure_image_embeddings.batching import Batch, batch_items
from langchain_azure_image_embeddings.cache import EmbeddingCache
from langchain_azure_image_embeddings.concurrency import AdaptiveLimit, AsyncGate, ThreadGate
from langchain_azure_image_embeddings.errors import EmbeddingServiceError, ImageInputError
from langchain_azure_image_embeddings.exchange import Exchange, ExchangePolicy, Send, exchange
from langchain_azure_image_embeddings.inputs import Item
from langchain_azure_image_embeddings.outcomes import HttpOutcome
from langchain_azure_image_embeddings.rate_limit import RateLimit
from langchain_azure_image_embeddings.results import CallResults
from langchain_azure_image_embeddings.transport import AsyncTransport, SyncTransport
from langchain_azure_image_embeddings.wire import ParsedEmbeddings

__all__ = ["CACHE_CHUNK", "CallPlan", "run_async", "run_sync"]

CACHE_CHUNK = 64
"""Inputs looked up in the cache at once, ahead of batching (one ``mget`` or two per chunk)."""


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
        cancelled: Set to stop starting new attempts (interrupt or cancel).
    """

    options: RequestOptions
    policy: ExchangePolicy
    max_concurrency: int
    images_per_request: int
    texts_per_request: int
    on_progress: Callable[[int], None] | None = None
    rate_limit: RateLimit | None = None
    cache: EmbeddingCache | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def batches(self, items: Iterable[tuple[int, Item]], results: CallResults) -> Iterator[Batch]:
        """Group the classified inputs into batches, lazily, after answering what the cache can."""
        return batch_items(
            self._answer_from_cache(items, results),
            images_per_request=self.images_per_request,
            texts_per_request=self.texts_per_request,
        )

    def _answer_from_cache(
        self, items: Iterable[tuple[int, Item]], results: CallResults
    ) -> Iterator[tuple[int, Item]]:
        """Record the cache's hits (and unreadable sources) chunk by chunk; yield the rest."""
        if self.cache is None:
            yield from items
            return
        iterator = iter(items)
        while chunk := list(islice(iterator, CACHE_CHUNK)):
            answer = self.cache.answer(chunk, self.options)
            results.add_failures(answer.failures)
            if answer.hits:
                results.add_vectors(list(answer.hits), list(answer.hits.values()))
            if self.on_progress is not None and (answer.hits or answer.failures):
                self.on_progress(len(answer.hits) + len(answer.failures))
            yield from answer.rest

    def record(
        self, results: CallResults, prepared: PreparedRequest, parsed: ParsedEmbeddings | None
    ) -> None:
        """Record a finished batch's vectors (cache hits too) and usage; report progress."""
        if prepared.hits:
            results.add_vectors(list(prepared.hits), list(prepared.hits.values()))
        if parsed is not None:
            results.add_vectors(prepared.positions, parsed.vectors)
            results.add_usage(parsed.usage)
        if self.on_progress is not None:
            self.on_progress(len(prepared.positions) + len(prepared.failures) + len(prepared.hits))

    def remember(self, prepared: PreparedRequest, parsed: ParsedEmbeddings) -> None:
        """Store a request's answers in the cache (blocking I/O: call it from a worker thread)."""
        if self.cache is not None:
            self.cache.remember(prepared, parsed)


def _prepare(plan: CallPlan, batch: Batch, results: CallResults) -> PreparedRequest:
    if plan.cache is not None:
        prepared = plan.cache.prepare_batch(batch, plan.options)
    else:
        prepared = prepare_batch(batch, plan.options)
    results.add_failures(prepared.failures)
    return prepared


def _fail_request(results: CallResults, prepared: PreparedRequest, error: Exception) -> None:
    results.add_failures(dict.fromkeys(prepared.positions, error))


def run_sync(
    plan: CallPlan,
    items: Iterable[tuple[int, Item]],
    results: CallResults,
    transport: SyncTransport,
) -> None:
    """Embed ``items`` with worker threads, recording every outcome in ``results``.

    Args:
        plan: The call's plan.
        items: Classified inputs with their positions.
        results: Where vectors and failures go.
        transport: The sync transport.
    """
    gate = ThreadGate(AdaptiveLimit(plan.max_concurrency), plan.rate_limit, plan.cancelled)

    def drive(steps: Exchange) -> ParsedEmbeddings:
        reply: HttpOutcome | None = None
        try:
            while True:
                step = steps.send(reply)
                if isinstance(step, Send):
                    reply = gate.attempt(transport.send, step.request)
                else:
                    gate.sleep(step.seconds, step.throttled)
                    reply = None
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]

    def job(batch: Batch) -> None:
        prepared = _prepare(plan, batch, results)
        parsed = None
        if prepared.body is not None:
            try:
                parsed = drive(exchange(prepared.body, plan.policy))
            except EmbeddingServiceError as error:
                _fail_request(results, prepared, error)
        plan.record(results, prepared, parsed)
        if parsed is not None:
            plan.remember(prepared, parsed)

    pool = ThreadPoolExecutor(plan.max_concurrency, thread_name_prefix="azure-image-embeddings")
    ahead = _Window(2 * plan.max_concurrency)
    try:
        for batch in plan.batches(items, results):
            ahead.enter()
            ahead.track(pool.submit(job, batch))
        ahead.drain()
    except BaseException:
        gate.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class _Window:
    """Bounds the jobs submitted ahead of completion, and raises the first job's failure.

    A semaphore slot per job, released by the job's done-callback: cheaper
    than waiting on the set of futures after every submission.
    """

    def __init__(self, size: int) -> None:
        self._slots = threading.Semaphore(size)
        self._size = size
        self._failures: list[BaseException] = []

    def enter(self) -> None:
        """Wait for a free slot; raise the failure of a job that ended with one."""
        self._slots.acquire()
        self._raise_failure()

    def track(self, future: Future[None]) -> None:
        """Free the future's slot when it is done, keeping its failure."""
        future.add_done_callback(self._done)

    def drain(self) -> None:
        """Wait for every job; raise the first failure."""
        for _ in range(self._size):
            self._slots.acquire()
        self._raise_failure()

    def _done(self, future: Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self._failures.append(future.exception())  # type: ignore[arg-type]
        self._slots.release()

    def _raise_failure(self) -> None:
        if self._failures:
            raise self._failures[0]


async def run_async(
    plan: CallPlan,
    items: Iterable[tuple[int, Item]],
    results: CallResults,
    transport: AsyncTransport,
    preparer: ThreadPoolExecutor,
) -> None:
    """Embed ``items`` with asyncio tasks, recording every outcome in ``results``.

    Image preparation runs in ``preparer``'s threads; requests run on the
    event loop through the SDK's async client.

    Args:
        plan: The call's plan.
        items: Classified inputs with their positions.
        results: Where vectors and failures go.
        transport: The async transport.
        preparer: Threads for image preparation.
    """
    gate = AsyncGate(AdaptiveLimit(plan.max_concurrency), plan.rate_limit)
    running = asyncio.Semaphore(plan.max_concurrency)
    loop = asyncio.get_running_loop()

    async def drive(steps: Exchange) -> ParsedEmbeddings:
        reply: HttpOutcome | None = None
        try:
            while True:
                step = steps.send(reply)
                if isinstance(step, Send):
                    reply = await gate.attempt(transport.send, step.request)
                else:
                    await gate.sleep(step.seconds, step.throttled)
                    reply = None
        except StopIteration as finished:
            return finished.value  # type: ignore[no-any-return]

    async def job(batch: Batch) -> None:
        async with running:
            prepared = await loop.run_in_executor(preparer, _prepare, plan, batch, results)
            parsed = None
            if prepared.body is not None:
                try:
                    parsed = await drive(exchange(prepared.body, plan.policy))
                except EmbeddingServiceError as error:
                    _fail_request(results, prepared, error)
            plan.record(results, prepared, parsed)
            if parsed is not None and plan.cache is not None:
                await loop.run_in_executor(preparer, plan.remember, prepared, parsed)

    batches = plan.batches(items, results)

    async def next_batch() -> Batch | None:
        if plan.cache is None:
            return next(batches, None)
        # Cache lookups read files and the store (blocking I/O): off the event loop.
        return await loop.run_in_executor(preparer, next, batches, None)

    pending: set[asyncio.Task[None]] = set()
    try:
        while (batch := await next_batch()) is not None:
            if len(pending) >= 2 * plan.max_concurrency:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            pending.add(asyncio.ensure_future(job(batch)))
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
    except BaseException:
        plan.cancelled.set()
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        raise


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
