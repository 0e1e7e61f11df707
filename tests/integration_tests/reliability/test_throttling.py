"""Under 429 the client lowers its own concurrency and grows it back; the optional
client-side rate limit paces requests (requests and estimated tokens per minute)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_image_vector

from ...conftest import EMULATOR_KEY, MODEL, jpeg_bytes, make_embeddings
from .conftest import embed_images

IMAGES = [jpeg_bytes((16, 12), seed=seed) for seed in range(60)]
THROTTLED = 24


class InFlightSampler:
    """Samples the emulator's requests in flight and the 429s answered so far, every 2 ms."""

    def __init__(self, emulator: FoundryEmulator) -> None:
        self.emulator = emulator
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            stats = self.emulator.stats()
            self.samples.append((stats["status_counts"].get("429", 0), stats["in_flight"]))

    def __enter__(self) -> InFlightSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, low: int, high: int) -> int:
        """Most requests in flight while between ``low`` and ``high`` 429s had been answered."""
        return max((n for answered, n in self.samples if low <= answered < high), default=0)


@pytest.fixture
def throttling() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(
        model=MODEL, key=EMULATOR_KEY, latency_ms=50, retry_after=0.05
    ) as emulator:
        emulator.enqueue(*["429"] * THROTTLED)  # sustained 429 for the first 24 requests
        yield emulator


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_concurrency_shrinks_under_429_and_grows_back(throttling, mode):
    embeddings = make_embeddings(throttling, max_concurrency=8, max_retries=10)
    with InFlightSampler(throttling) as sampler:
        if mode == "sync":
            vectors = await asyncio.to_thread(embeddings.embed_images, IMAGES)
        else:
            vectors = await embeddings.aembed_images(IMAGES)
    assert vectors == [
        expected_image_vector(image, model=MODEL, input_type="document") for image in IMAGES
    ]
    stats = throttling.stats()
    assert stats["status_counts"] == {"429": THROTTLED, "200": len(IMAGES)}
    assert sampler.peak(0, 1) == 8  # before any 429: the full concurrency
    # One wave of 8 refusals halves the limit once (not 8 times), the next waves again.
    assert sampler.peak(8, 12) <= 4
    assert sampler.peak(14, THROTTLED) <= 2
    assert sampler.peak(THROTTLED, THROTTLED + 1) >= 6  # grown back once the 429s stop


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_requests_per_minute_paces_the_requests(emulator, mode):
    embeddings = make_embeddings(emulator, requests_per_minute=1200)  # 20 at once, then 20/s
    images = IMAGES[:40]
    started = time.perf_counter()
    vectors = await embed_images(embeddings, mode, images)
    assert 0.95 <= time.perf_counter() - started < 2.5
    assert len(vectors) == 40


async def test_the_rate_limit_is_shared_by_concurrent_calls(emulator):
    embeddings = make_embeddings(emulator, requests_per_minute=1200)
    started = time.perf_counter()
    results = await asyncio.gather(
        embeddings.aembed_images(IMAGES[:20]), embeddings.aembed_images(IMAGES[20:40])
    )
    assert 0.95 <= time.perf_counter() - started < 2.5
    assert [len(vectors) for vectors in results] == [20, 20]


def test_tokens_per_minute_paces_images_at_a_thousand_tokens_each(emulator):
    embeddings = make_embeddings(emulator, tokens_per_minute=240_000)  # 4 images a second
    started = time.perf_counter()
    embeddings.embed_images(IMAGES[:8])
    assert 0.95 <= time.perf_counter() - started < 2.5


def test_without_a_rate_limit_nothing_waits(emulator):
    started = time.perf_counter()
    make_embeddings(emulator).embed_images(IMAGES[:40])
    assert time.perf_counter() - started < 0.9
