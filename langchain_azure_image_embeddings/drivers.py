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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
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

__all__ = ["CallPlan", "run_async", "run_sync"]


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

    def batches(self, items: Iterable[tuple[int, Item]]) -> Iterator[Batch]:
        """Group the classified inputs into batches, lazily."""
        return batch_items(
            items,
            images_per_request=self.images_per_request,
            texts_per_request=self.texts_per_request,
        )

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
    pending: set[Future[None]] = set()
    try:
        for batch in plan.batches(items):
            if len(pending) >= 2 * plan.max_concurrency:
                pending = _settle(wait(pending, return_when=FIRST_COMPLETED))
            pending.add(pool.submit(job, batch))
        _settle(wait(pending))
    except BaseException:
        gate.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _settle(done_and_pending: Any) -> set[Future[None]]:
    done, still_pending = done_and_pending
    for future in done:
        future.result()
    return set(still_pending)


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

    pending: set[asyncio.Task[None]] = set()
    try:
        for batch in plan.batches(items):
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
