"""The in-flight limit: halved once per wave of 429s, grown back by successes, paused by waits."""

from __future__ import annotations

import asyncio
import math
import threading
import time

import pytest

from langchain_azure_image_embeddings._transport.concurrency import (
    AdaptiveLimit,
    AsyncGate,
    Cancelled,
    ThreadGate,
)
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome
from tests.unit_tests.model_inference_wire import build_body

OK = HttpOutcome(200)
THROTTLED = HttpOutcome(429)
REQUEST = build_body(
    route_inputs=["a"],
    images=False,
    model=None,
    input_type=None,
    dimensions=None,
    encoding_format=None,
    model_kwargs={},
)


def test_starts_up_to_the_maximum_then_waits_for_one_to_finish():
    limit = AdaptiveLimit(3)
    epochs = [limit.start() for _ in range(3)]
    assert limit.start_delay(0.0) == math.inf
    limit.finish(epochs[0], OK)
    assert limit.start_delay(0.0) is None


def test_a_wave_of_429s_halves_the_limit_once():
    limit = AdaptiveLimit(16)
    wave = [limit.start() for _ in range(16)]
    for epoch in wave:
        limit.finish(epoch, THROTTLED)
    assert limit.limit == 8


def test_each_new_wave_halves_again_down_to_one():
    limit = AdaptiveLimit(16)
    for expected in (8, 4, 2, 1, 1):
        epoch = limit.start()
        limit.finish(epoch, THROTTLED)
        assert limit.limit == expected
    assert limit.start_delay(0.0) is None  # one request may always start


def test_successes_grow_the_limit_back_to_the_maximum():
    limit = AdaptiveLimit(8)
    for _ in range(3):
        limit.finish(limit.start(), THROTTLED)
    assert limit.limit == 1
    successes = 0
    while limit.limit < 8:
        limit.finish(limit.start(), OK)
        successes += 1
    assert limit.limit == 8
    assert 20 <= successes <= 40  # about one more per round of `limit` successes


def test_errors_and_cancellations_leave_the_limit_alone():
    limit = AdaptiveLimit(4)
    limit.finish(limit.start(), HttpOutcome(503))
    limit.finish(limit.start(), None)
    assert limit.limit == 4 and limit.in_flight == 0


def test_a_pause_delays_every_start_and_only_grows():
    limit = AdaptiveLimit(4)
    limit.pause(2.0, now=10.0)
    limit.pause(0.5, now=10.0)
    assert limit.start_delay(10.5) == pytest.approx(1.5)
    assert limit.start_delay(12.0) is None


def test_thread_gate_cancel_wakes_a_waiting_thread_which_sends_nothing():
    gate = ThreadGate(AdaptiveLimit(1))
    gate.limit.start()  # the only slot is taken
    sent: list[object] = []
    raised: list[BaseException] = []

    def waiter() -> None:
        try:
            gate.attempt(lambda request: sent.append(request) or OK, REQUEST)
        except Cancelled as error:
            raised.append(error)

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.05)
    assert thread.is_alive()
    gate.cancel()
    thread.join(1.0)
    assert not thread.is_alive() and raised and not sent


def test_thread_gate_cancel_interrupts_a_retry_wait():
    gate = ThreadGate(AdaptiveLimit(1))
    threading.Timer(0.05, gate.cancel).start()
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        gate.sleep(30.0, throttled=True)
    assert time.perf_counter() - started < 1.0


def test_thread_gate_a_throttled_retry_wait_pauses_the_other_threads():
    gate = ThreadGate(AdaptiveLimit(4))
    retrying = threading.Thread(target=gate.sleep, args=(0.3, True))
    started = time.perf_counter()
    retrying.start()
    time.sleep(0.02)
    assert gate.attempt(lambda request: OK, REQUEST) is OK
    assert time.perf_counter() - started >= 0.28
    retrying.join()


def test_thread_gate_an_unthrottled_retry_wait_pauses_no_one():
    gate = ThreadGate(AdaptiveLimit(4))
    retrying = threading.Thread(target=gate.sleep, args=(0.3, False))
    started = time.perf_counter()
    retrying.start()
    assert gate.attempt(lambda request: OK, REQUEST) is OK
    assert time.perf_counter() - started < 0.2
    retrying.join()


async def test_async_gate_waits_for_a_slot_and_a_pause():
    gate = AsyncGate(AdaptiveLimit(1))
    release = asyncio.Event()
    order: list[str] = []

    async def slow(request: object) -> HttpOutcome:
        order.append("first")
        await release.wait()
        return THROTTLED

    async def fast(request: object) -> HttpOutcome:
        order.append("second")
        return OK

    first = asyncio.ensure_future(gate.attempt(slow, REQUEST))
    await asyncio.sleep(0.01)
    second = asyncio.ensure_future(gate.attempt(fast, REQUEST))
    await asyncio.sleep(0.05)
    assert order == ["first"]  # the only slot is held
    retrying = asyncio.ensure_future(gate.sleep(0.2, throttled=True))
    await asyncio.sleep(0)
    started = time.perf_counter()
    release.set()
    assert await first is THROTTLED
    assert await second is OK
    assert time.perf_counter() - started >= 0.15
    await retrying
    assert gate.limit.in_flight == 0


async def test_async_gate_cancelled_while_waiting_leaves_no_slot_taken():
    gate = AsyncGate(AdaptiveLimit(1))
    gate.limit.pause(30.0, time.monotonic())
    task = asyncio.ensure_future(gate.attempt(lambda request: asyncio.sleep(0, OK), REQUEST))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gate.limit.in_flight == 0
