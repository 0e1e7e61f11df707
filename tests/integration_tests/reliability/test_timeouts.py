"""A stalled server ends in a clear timeout error, within the read timeout and a margin."""

from __future__ import annotations

import time

import pytest

from langchain_azure_image_embeddings import EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import expected_image_vector

from ...conftest import MODEL, make_embeddings, png_bytes
from .conftest import embed_images, settle_in_flight

READ_TIMEOUT = 0.5
MARGIN_S = 0.75


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_stalled_server_fails_within_the_read_timeout_as_a_timeout_error(emulator, mode):
    emulator.enqueue("stall")
    embeddings = make_embeddings(emulator, timeout=READ_TIMEOUT, max_retries=0)
    started = time.perf_counter()
    with pytest.raises(EmbeddingServiceError) as caught:
        await embed_images(embeddings, mode, [png_bytes()])
    elapsed = time.perf_counter() - started
    assert READ_TIMEOUT <= elapsed < READ_TIMEOUT + MARGIN_S
    error = caught.value
    assert error.status_code is None
    assert str(error).startswith("no answer within the read timeout of 0.5 s")
    assert "raise `timeout`" in str(error)
    settle_in_flight(emulator)
    assert emulator.stats()["in_flight"] == 0  # the stalled connection was closed


def test_a_stall_is_retried_and_each_attempt_gets_the_read_timeout(emulator):
    emulator.enqueue("stall", "stall")
    image = png_bytes()
    embeddings = make_embeddings(emulator, timeout=0.3, retry_backoff=0.01)
    started = time.perf_counter()
    assert embeddings.embed_images([image]) == [
        expected_image_vector(image, model=MODEL, input_type="document")
    ]
    assert 0.6 <= time.perf_counter() - started < 0.6 + MARGIN_S
    assert emulator.stats()["requests"]["/images/embeddings"] == 3


def test_a_server_that_keeps_stalling_fails_after_the_retries(emulator):
    emulator.enqueue("stall", "stall", "stall")
    embeddings = make_embeddings(emulator, timeout=0.3, max_retries=2, retry_backoff=0.01)
    started = time.perf_counter()
    with pytest.raises(EmbeddingServiceError, match=r"read timeout of 0.3 s.*\[after 3 attempts\]"):
        embeddings.embed_images([png_bytes()])
    assert time.perf_counter() - started < 3 * 0.3 + MARGIN_S
