"""What the service asks with Retry-After / retry-after-ms is honoured, up to the cap."""

from __future__ import annotations

import time

import pytest

from langchain_azure_image_embeddings import EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_image_vector

from ...conftest import EMULATOR_KEY, MODEL, make_embeddings, png_bytes
from .conftest import embed_images

MARGIN_S = 1.0


def test_retry_after_beyond_the_cap_fails_at_once_saying_how_long_was_asked():
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, retry_after=3600) as emulator:
        emulator.enqueue("429")
        embeddings = make_embeddings(emulator, max_retry_after=5)
        started = time.perf_counter()
        with pytest.raises(EmbeddingServiceError) as caught:
            embeddings.embed_images([png_bytes()])
        elapsed = time.perf_counter() - started
    error = caught.value
    assert elapsed < 5 + MARGIN_S
    assert error.status_code == 429 and error.retry_after == 3600
    assert "asked to wait 3600 s" in str(error)
    assert "max_retry_after=5" in str(error)
    assert emulator.stats()["requests"]["/images/embeddings"] == 1


async def test_retry_after_beyond_the_default_cap_fails_at_once_async():
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, retry_after=3600) as emulator:
        emulator.enqueue("429")
        started = time.perf_counter()
        with pytest.raises(EmbeddingServiceError, match="asked to wait 3600 s"):
            await make_embeddings(emulator).aembed_images([png_bytes()])
        assert time.perf_counter() - started < 60 + MARGIN_S


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_retry_after_ms_1500_is_honoured(emulator, mode):
    emulator.enqueue(("429-retry-after-ms", {"retry-after-ms": "1500"}))
    embeddings = make_embeddings(emulator)
    image = png_bytes()
    started = time.perf_counter()
    vectors = await embed_images(embeddings, mode, [image])
    elapsed = time.perf_counter() - started
    assert 1.5 <= elapsed < 2.5
    assert vectors == [expected_image_vector(image, model=MODEL, input_type="document")]
    assert emulator.stats()["status_counts"] == {"429": 1, "200": 1}


def test_retry_after_in_seconds_is_honoured(emulator):
    emulator.enqueue(("429", {"Retry-After": "1"}))
    started = time.perf_counter()
    make_embeddings(emulator).embed_images([png_bytes()])
    assert 1.0 <= time.perf_counter() - started < 2.0


@pytest.mark.parametrize("kind", ["408", "429-no-retry-after", "500", "502", "503", "504", "reset"])
def test_each_transient_failure_is_retried_with_backoff(emulator, kind):
    emulator.enqueue(kind, kind)
    image = png_bytes()
    vectors = make_embeddings(emulator, retry_backoff=0.01).embed_images([image])
    assert vectors == [expected_image_vector(image, model=MODEL, input_type="document")]
    assert emulator.stats()["requests"]["/images/embeddings"] == 3


def test_retries_are_bounded_by_max_retries_and_the_error_says_so(emulator):
    emulator.enqueue(*["503"] * 5)
    with pytest.raises(EmbeddingServiceError) as caught:
        make_embeddings(emulator, max_retries=2, retry_backoff=0.01).embed_images([png_bytes()])
    assert caught.value.status_code == 503 and caught.value.attempts == 3
    assert str(caught.value) == (
        "HTTP 503 (ServiceUnavailable): The service is temporarily unavailable. [after 3 attempts]"
    )
    assert emulator.stats()["requests"]["/images/embeddings"] == 3


def test_a_request_refused_for_good_is_not_retried(emulator):
    emulator.enqueue(("413", {}))
    with pytest.raises(EmbeddingServiceError) as caught:
        make_embeddings(emulator).embed_images([png_bytes()])
    assert caught.value.status_code == 413 and caught.value.attempts == 1
