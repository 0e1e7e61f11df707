"""Where the embedding work runs: a thread pool, or `workers` processes.

With one worker (the default), validation, decoding and embedding run in a small thread pool
of the server's process (the vector math runs one request at a time: see `vectors`). With
`workers > 1` they run in that many worker processes, started with `spawn` (safe beside the
caller's threads) and warmed up before the emulator says it is serving, so the vectors of
concurrent requests are computed on several cores at once. The server's process keeps the HTTP
connections, authentication, the rate limit, the fault plan and every counter: those stay
global and exact.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import signal
from typing import Any

from langchain_azure_image_embeddings.emulator.work import warm_up

MAX_WORKERS = 64
_START_TIMEOUT_S = 120.0
_ready_barrier: Any = None
"""In a worker process: the barrier every worker reaches once started (see `start_executor`)."""


def check_workers(workers: int) -> None:
    """Refuse a number of workers outside 1..`MAX_WORKERS`.

    Raises:
        ValueError: Out of range.
    """
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be between 1 and {MAX_WORKERS}, not {workers}")


def start_executor(workers: int) -> concurrent.futures.Executor:
    """Start the executor for `workers` (threads for 1, processes above), ready to serve.

    Args:
        workers: Processes computing vectors; 1 for a thread pool in this process.

    Returns:
        The executor; its worker processes, if any, have started and warmed up.

    Raises:
        ValueError: `workers` out of range.
    """
    check_workers(workers)
    if workers == 1:
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=min(8, (os.cpu_count() or 1) + 2), thread_name_prefix="emulator-embed"
        )
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(barrier,),
    )
    try:
        # One task per worker, each waiting at the barrier: only once every process has started
        # (and ignores Ctrl+C) and warmed up do they all return.
        for future in [executor.submit(_ready) for _ in range(workers)]:
            future.result(timeout=_START_TIMEOUT_S)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return executor


def _start_worker(barrier: Any) -> None:
    """Set up a worker process: keep the barrier; leave Ctrl+C to the server's process.

    A terminal sends SIGINT to the whole process group: a worker that took it would die with a
    traceback and fail the requests it was computing. The server's process stops the workers
    in order instead.
    """
    global _ready_barrier
    _ready_barrier = barrier
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> None:
    """Warm up, then wait until every worker has (run once per worker at start)."""
    warm_up()
    _ready_barrier.wait(_START_TIMEOUT_S)


def stop_executor(executor: concurrent.futures.Executor) -> None:
    """Cancel the queued work; wait for worker processes to finish theirs and exit.

    A thread pool is not waited for: its threads end with their current piece of work.
    """
    waits = isinstance(executor, concurrent.futures.ProcessPoolExecutor)
    executor.shutdown(wait=waits, cancel_futures=True)
