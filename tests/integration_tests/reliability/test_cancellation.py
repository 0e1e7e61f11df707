"""Cancelling an async call or interrupting a sync one stops its requests and leaks nothing."""

from __future__ import annotations

import _thread
import asyncio
import gc
import os
import signal
import threading
import time
import warnings
from collections.abc import Iterator

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import EMULATOR_KEY, MODEL, jpeg_bytes, make_embeddings
from .conftest import settle_in_flight

IMAGES = [jpeg_bytes((16, 12), seed=seed) for seed in range(80)]


@pytest.fixture
def slow() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, latency_ms=300) as emulator:
        yield emulator


async def _wait_until_busy(emulator: FoundryEmulator, requests: int) -> None:
    while (  # noqa: ASYNC110 - polling another thread's counters
        emulator.stats()["requests"]["/images/embeddings"] < requests
        or emulator.stats()["in_flight"] < 4
    ):
        await asyncio.sleep(0.005)


def _unclosed(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, ResourceWarning) or "Unclosed" in str(warning.message)
    ]


@pytest.mark.parametrize("shared_session", [False, True])
async def test_cancelling_an_async_call_half_way_stops_its_requests(slow, shared_session):
    embeddings = make_embeddings(slow, max_concurrency=8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if shared_session:
            await embeddings.__aenter__()
        task = asyncio.ensure_future(embeddings.aembed_images(IMAGES))
        await _wait_until_busy(slow, requests=len(IMAGES) // 4)
        task.cancel()
        cancelled_at = time.perf_counter()
        with pytest.raises(asyncio.CancelledError):
            await task
        while slow.stats()["in_flight"] and time.perf_counter() - cancelled_at < 1.0:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        assert slow.stats()["in_flight"] == 0
        assert time.perf_counter() - cancelled_at < 1.0
        sent = slow.stats()["requests"]["/images/embeddings"]
        assert sent < len(IMAGES)
        await asyncio.sleep(0.4)  # longer than one answer takes: nothing else is started
        assert slow.stats()["requests"]["/images/embeddings"] == sent
        if shared_session:
            await embeddings.__aexit__(None, None, None)
        gc.collect()
    assert _unclosed(caught) == []


@pytest.fixture
def ctrl_c_raises():
    """Python's own SIGINT handler, as in a terminal.

    A process started in the background by a non-interactive shell inherits SIGINT
    ignored, and Python then installs no handler: Ctrl-C could not reach it at all.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("waiting_in", ["retry back-off", "rate limit"])
def test_interrupting_a_sync_call_stops_starting_requests(slow, waiting_in, ctrl_c_raises):
    # When the interrupt comes, worker threads are also waiting to retry a 503 or for
    # their turn under the client-side rate limit: they must give up rather than send.
    if waiting_in == "retry back-off":
        slow.enqueue(*["503"] * 500)
        embeddings = make_embeddings(slow, max_concurrency=8, max_retries=6, retry_backoff=0.3)
    else:
        embeddings = make_embeddings(slow, max_concurrency=8, requests_per_minute=240)

    def interrupt_when_busy() -> None:
        while slow.stats()["requests"]["/images/embeddings"] < 10:
            time.sleep(0.005)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: a real signal to the process

    interrupter = threading.Thread(target=interrupt_when_busy)
    interrupter.start()
    with pytest.raises(KeyboardInterrupt):
        embeddings.embed_images(IMAGES)
    interrupter.join()
    # Requests already on the wire finish (a thread cannot be stopped mid-read); no new
    # request starts afterwards.
    assert settle_in_flight(slow, within=1.0) < 1.0
    sent = slow.stats()["requests"]["/images/embeddings"]
    time.sleep(0.8)
    assert slow.stats()["requests"]["/images/embeddings"] == sent
    assert slow.stats()["in_flight"] == 0
    embeddings.close()


def test_an_interrupt_without_a_signal_is_seen_while_waiting_for_answers(ctrl_c_raises):
    """``_thread.interrupt_main()`` (and Ctrl-C on Windows) sends no signal: the wait must poll."""
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, latency_ms=3000) as very_slow:
        embeddings = make_embeddings(very_slow, max_concurrency=1, timeout=10)
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            embeddings.embed_images(IMAGES[:4])
        assert time.perf_counter() - started < 1.5  # not after the first 3 s answer
        timer.join()
        assert settle_in_flight(very_slow, within=5.0) < 5.0
        embeddings.close()
