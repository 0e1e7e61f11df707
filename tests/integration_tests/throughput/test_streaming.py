"""The streaming pipeline against the emulator: bounds on requests in flight, on inputs read
ahead and on prepared payloads alive, and input order under random latencies."""

from __future__ import annotations

import asyncio
import base64
import random
import threading
import time
import weakref

import pytest

from langchain_azure_image_embeddings import embeddings as embeddings_module
from langchain_azure_image_embeddings._engine import batch_preparation, plan
from langchain_azure_image_embeddings._transport.clients import AsyncTransport, SyncTransport
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import EMULATOR_KEY, MODEL, jpeg_bytes, make_embeddings

CONCURRENCY = 3
COUNT = 30


@pytest.fixture
def slow_emulator():
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, latency_ms=25) as emulator:
        yield emulator


class _Watched:
    """A generator of images that records how far ahead of the answers it was read."""

    def __init__(self, emulator: FoundryEmulator, count: int = COUNT) -> None:
        self.emulator = emulator
        self.images = [jpeg_bytes(seed=seed) for seed in range(count)]
        self.ahead: list[int] = []

    def __iter__(self):
        for consumed, image in enumerate(self.images, start=1):
            answered = sum(self.emulator.stats()["status_counts"].values())
            self.ahead.append(consumed - answered)
            yield image

    def expected(self) -> list[list[float]]:
        return [expected_image_vector(i, model=MODEL, input_type="document") for i in self.images]


class _AliveCounter:
    """Counts prepared requests (with their base64 payloads) alive at once."""

    def __init__(self) -> None:
        self.alive = 0
        self.peak = 0
        self._lock = threading.Lock()

    def wrap(self, prepare):
        def counted(*args, **kwargs):
            prepared = prepare(*args, **kwargs)
            with self._lock:
                self.alive += 1
                self.peak = max(self.peak, self.alive)
            weakref.finalize(prepared, self._gone)
            return prepared

        return counted

    def _gone(self) -> None:
        with self._lock:
            self.alive -= 1


@pytest.fixture
def alive(monkeypatch):
    counter = _AliveCounter()
    monkeypatch.setattr(plan, "prepare_batch", counter.wrap(plan.prepare_batch))
    return counter


def _check_bounds(emulator: FoundryEmulator, source: _Watched, alive: _AliveCounter) -> None:
    stats = emulator.stats()
    assert stats["requests"]["/images/embeddings"] == COUNT
    assert stats["max_in_flight"] == CONCURRENCY
    # Read ahead: at most 2 x max_concurrency batches taken ahead of the answers, plus the
    # input being batched.
    assert max(source.ahead) <= 2 * CONCURRENCY + 1
    assert max(source.ahead) >= CONCURRENCY  # and the pipeline did run ahead
    assert alive.peak <= 2 * CONCURRENCY
    assert alive.alive == 0


def test_a_generator_is_read_lazily_within_the_bounds_sync(slow_emulator, alive):
    source = _Watched(slow_emulator)
    embeddings = make_embeddings(slow_emulator, max_concurrency=CONCURRENCY)
    vectors = embeddings.embed_images(iter(source))
    assert vectors == source.expected()
    _check_bounds(slow_emulator, source, alive)


async def test_a_generator_is_read_lazily_within_the_bounds_async(slow_emulator, alive):
    source = _Watched(slow_emulator)
    embeddings = make_embeddings(slow_emulator, max_concurrency=CONCURRENCY)
    vectors = await embeddings.aembed_images(iter(source))
    assert vectors == source.expected()
    _check_bounds(slow_emulator, source, alive)


# ----------------------------------------------------------------- ordering


@pytest.fixture
def random_latency(monkeypatch):
    """Every attempt waits 0-30 ms more, at random, so answers arrive out of order."""
    rng = random.Random(7)
    sync_send, async_send = SyncTransport.send, AsyncTransport.send

    def send(self, request, **options):
        time.sleep(rng.uniform(0, 0.03))
        return sync_send(self, request, **options)

    async def asend(self, request, **options):
        await asyncio.sleep(rng.uniform(0, 0.03))
        return await async_send(self, request, **options)

    monkeypatch.setattr(SyncTransport, "send", send)
    monkeypatch.setattr(AsyncTransport, "send", asend)


def _mixed(count: int = 40):
    inputs, expected = [], []
    for index in range(count):
        if index % 3:
            text = f"caption {index}"
            inputs.append(text)
            expected.append(expected_text_vector(text, model=MODEL, input_type="document"))
        else:
            image = jpeg_bytes(seed=100 + index)
            inputs.append("data:image/jpeg;base64," + base64.b64encode(image).decode())
            expected.append(expected_image_vector(image, model=MODEL, input_type="document"))
    return inputs, expected


def test_order_is_kept_under_random_latencies_sync(shared_emulator, random_latency):
    inputs, expected = _mixed()
    embeddings = make_embeddings(shared_emulator, max_concurrency=6, texts_per_request=4)
    assert embeddings.embed_documents(inputs) == expected


async def test_order_is_kept_under_random_latencies_async(shared_emulator, random_latency):
    inputs, expected = _mixed()
    embeddings = make_embeddings(shared_emulator, max_concurrency=6, texts_per_request=4)
    assert await embeddings.aembed_documents(inputs) == expected


class _DecodeWatch:
    """Wraps ``prepare_image`` (still doing the real work) to count how many run at once."""

    def __init__(self, prepare) -> None:
        self.prepare = prepare
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(0.02)  # long enough for every worker to be here at once, if allowed
            return self.prepare(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def decode_watch(monkeypatch):
    watch = _DecodeWatch(batch_preparation.prepare_image)
    monkeypatch.setattr(batch_preparation, "prepare_image", watch)
    return watch


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_more_images_are_decoded_at_once_than_there_are_cores(
    shared_emulator, decode_watch, mode
):
    cores = batch_preparation._usable_cores()
    embeddings = make_embeddings(shared_emulator, max_concurrency=cores + 4)
    images = [jpeg_bytes(seed=seed) for seed in range(4 * (cores + 4))]
    if mode == "sync":
        vectors = embeddings.embed_images(images)
    else:
        vectors = asyncio.run(embeddings.aembed_images(images))
    assert vectors == [expected_image_vector(i, model=MODEL, input_type="document") for i in images]
    assert decode_watch.peak == cores


@pytest.fixture
def check_threads(monkeypatch):
    """The threads that checked image sources against the policy (the check still runs)."""
    threads: list[int] = []
    check = embeddings_module.check_image_source_policy

    def recording(source, policy):
        threads.append(threading.get_ident())
        return check(source, policy)

    monkeypatch.setattr(embeddings_module, "check_image_source_policy", recording)
    return threads


async def test_an_async_list_of_paths_is_checked_off_the_event_loop(
    shared_emulator, check_threads, tmp_path
):
    paths = []
    for seed in range(6):
        path = tmp_path / f"{seed}.jpg"
        path.write_bytes(jpeg_bytes(seed=seed))
        paths.append(str(path))
    embeddings = make_embeddings(shared_emulator, image_roots=[tmp_path])
    vectors = await embeddings.aembed_image(paths)
    assert vectors == [
        expected_image_vector(jpeg_bytes(seed=seed), model=MODEL, input_type="document")
        for seed in range(6)
    ]
    assert len(check_threads) == 6
    assert threading.get_ident() not in check_threads  # stat and realpath: not on the loop
