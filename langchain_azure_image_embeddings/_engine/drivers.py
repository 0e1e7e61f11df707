"""The two drivers: perform a call's steps with threads (sync) or with asyncio (async).

Both perform the same plan (:class:`.plan.CallPlan`): its cache look-ups (in a
thread for async code), and for each batch its job's steps (:meth:`.plan.CallPlan.job`):
prepare (in a worker thread), send and sleep through a gate, remember. They hold
no decision of their own. The caller's iterable is always read on the calling
thread (the event loop's, for async code). At most ``max_concurrency`` batches
are being prepared or sent at once, and at most twice that many are taken from
the input ahead of completion, so memory stays bounded whatever the input's length.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from langchain_azure_image_embeddings._engine.batch_preparation import PreparedRequest
from langchain_azure_image_embeddings._engine.batching import Batch
from langchain_azure_image_embeddings._engine.exchange import Send, Sleep
from langchain_azure_image_embeddings._engine.plan import (
    CallPlan,
    JobStep,
    LookUp,
    Prepare,
    next_step,
)
from langchain_azure_image_embeddings._engine.results import CallResults
from langchain_azure_image_embeddings._images.inputs import Item
from langchain_azure_image_embeddings._transport.clients import AsyncTransport, SyncTransport
from langchain_azure_image_embeddings._transport.concurrency import (
    AsyncGate,
    DeadlinePassed,
    ThreadGate,
)
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome

__all__ = ["run_async", "run_sync"]


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
    send = functools.partial(transport.send, deadline=plan.deadline)
    # The gate and the threads are made at the first batch: a call the cache answers whole
    # starts neither.
    gate: ThreadGate | None = None
    pool: ThreadPoolExecutor | None = None

    def perform(step: JobStep) -> PreparedRequest | HttpOutcome | None:
        assert gate is not None
        if isinstance(step, Prepare):
            return plan.prepare(step)
        if isinstance(step, Send):
            return plan.after_attempt(gate.attempt(send, step.request))
        if isinstance(step, Sleep):
            gate.sleep(step.seconds, step.throttled)
        else:
            plan.remember(step)
        return None

    def job(batch: Batch) -> None:
        steps = plan.job(batch, results)
        with contextlib.suppress(StopIteration):
            step = next(steps)
            while True:
                try:
                    reply = perform(step)
                except DeadlinePassed:
                    step = steps.throw(plan.deadline_error())
                else:
                    step = steps.send(reply)

    ahead = _Window(plan.read_ahead)
    try:
        steps = plan.steps(items)
        rest = None
        while (step := next_step(steps, rest)) is not None:
            if isinstance(step, LookUp):
                rest = plan.answer_from_cache(step, results)
                continue
            rest = None
            if pool is None:
                gate = ThreadGate(plan.adaptive_limit(), plan.rate_limit, plan.deadline)
                pool = ThreadPoolExecutor(plan.max_concurrency, "azure-image-embeddings")
            ahead.enter()
            ahead.track(pool.submit(job, step))
        ahead.drain()
    except BaseException:
        if gate is not None and pool is not None:
            gate.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    if pool is not None:
        pool.shutdown(wait=True)


_INTERRUPT_CHECK_SECONDS = 0.1


class _Window:
    """Bounds the jobs submitted ahead of completion, and raises the first job's failure.

    A count of the jobs not yet done, lowered by each job's done-callback:
    cheaper than waiting on the set of futures after every submission.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._pending = 0
        self._changed = threading.Condition()
        self._failures: list[BaseException] = []

    def enter(self) -> None:
        """Wait for a free slot; raise the failure of a job that ended with one."""
        self._wait_until(lambda: self._pending < self._size)
        with self._changed:
            self._pending += 1
        self._raise_failure()

    def track(self, future: Future[None]) -> None:
        """Free the future's slot when it is done, keeping its failure."""
        future.add_done_callback(self._done)

    def drain(self) -> None:
        """Wait for every job; raise the first failure."""
        self._wait_until(lambda: self._pending == 0)
        self._raise_failure()

    def _wait_until(self, ready: Callable[[], bool]) -> None:
        # In short waits: an interrupt that is not a signal (``_thread.interrupt_main``, Ctrl-C
        # on Windows) is only seen between them, not during an indefinite wait.
        with self._changed:
            while not ready():
                self._changed.wait(_INTERRUPT_CHECK_SECONDS)

    def _done(self, future: Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self._failures.append(future.exception())  # type: ignore[arg-type]
        with self._changed:
            self._pending -= 1
            self._changed.notify_all()

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
    gate = AsyncGate(plan.adaptive_limit(), plan.rate_limit, plan.deadline)
    send = functools.partial(transport.send, deadline=plan.deadline)
    running = asyncio.Semaphore(plan.max_concurrency)
    loop = asyncio.get_running_loop()

    async def perform(step: JobStep) -> PreparedRequest | HttpOutcome | None:
        """Async twin of ``run_sync``'s ``perform``: blocking steps in ``preparer``'s threads."""
        if isinstance(step, Prepare):
            return await loop.run_in_executor(preparer, plan.prepare, step)
        if isinstance(step, Send):
            return plan.after_attempt(await gate.attempt(send, step.request))
        if isinstance(step, Sleep):
            await gate.sleep(step.seconds, step.throttled)
        else:
            await loop.run_in_executor(preparer, plan.remember, step)
        return None

    async def job(batch: Batch) -> None:
        async with running:
            steps = plan.job(batch, results)
            with contextlib.suppress(StopIteration):
                step = next(steps)
                while True:
                    try:
                        reply = await perform(step)
                    except DeadlinePassed:
                        step = steps.throw(plan.deadline_error())
                    else:
                        step = steps.send(reply)

    pending: set[asyncio.Task[None]] = set()
    try:
        steps = plan.steps(items)
        rest = None
        while (step := next_step(steps, rest)) is not None:
            if isinstance(step, LookUp):  # blocking I/O: off the event loop
                rest = await loop.run_in_executor(preparer, plan.answer_from_cache, step, results)
                continue
            rest, batch = None, step
            if len(pending) >= plan.read_ahead:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            pending.add(asyncio.ensure_future(job(batch)))
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
    except BaseException:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        raise
