"""100 images of which 3 are corrupt: 97 vectors either way, and the 3 named by position."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_azure_image_embeddings import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInput,
    ImageInputError,
)
from langchain_azure_image_embeddings.emulator import expected_image_vector

from ...conftest import MODEL, jpeg_bytes, make_embeddings
from .conftest import embed_images

CORRUPT = {
    7: b"this is not an image at all",  # not an image
    42: jpeg_bytes(seed=42)[:60],  # a truncated JPEG
    93: b"\x89PNG\r\n\x1a\n",  # a PNG signature and nothing else
}


def _images() -> list[Any]:
    return [CORRUPT.get(position, jpeg_bytes((16, 12), seed=position)) for position in range(100)]


def _expected(images: list[Any]) -> dict[int, list[float]]:
    return {
        position: expected_image_vector(image, model=MODEL, input_type="document")
        for position, image in enumerate(images)
        if position not in CORRUPT
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_errors_return_gives_97_vectors_and_3_input_errors_in_their_places(emulator, mode):
    images = _images()
    embeddings = make_embeddings(emulator, max_concurrency=4)
    outcomes = await embed_images(embeddings, mode, images, errors="return")
    assert len(outcomes) == 100
    failed = [
        position for position, outcome in enumerate(outcomes) if not isinstance(outcome, list)
    ]
    assert failed == sorted(CORRUPT)
    for position in CORRUPT:
        error = outcomes[position]
        assert isinstance(error, ImageInputError) and error.position == position
    expected = _expected(images)
    assert {p: o for p, o in enumerate(outcomes) if p not in CORRUPT} == expected
    assert emulator.stats()["requests"]["/images/embeddings"] == 97  # the corrupt were never sent


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_by_default_the_error_names_all_three_and_carries_the_97_vectors(emulator, mode):
    images = _images()
    embeddings = make_embeddings(emulator)
    with pytest.raises(ImageInputError) as caught:
        await embed_images(embeddings, mode, images)
    error = caught.value
    assert "3 inputs could not be used (positions 7, 42, 93)" in str(error)
    for position in CORRUPT:
        assert f"input {position}" in str(error)
    assert sorted(error.failures) == sorted(CORRUPT)
    assert error.embeddings is not None and len(error.embeddings) == 100
    expected = _expected(images)
    assert {p: v for p, v in enumerate(error.embeddings) if v is not None} == expected
    assert isinstance(error, ValueError)  # what LangChain callers catch


def test_the_langchain_methods_raise_the_same_way(emulator):
    inputs: list[Any] = [ImageInput(image=image) for image in _images()]
    with pytest.raises(ImageInputError) as caught:
        make_embeddings(emulator).embed_documents(inputs)
    assert sorted(caught.value.failures) == [7, 42, 93]


def test_service_failures_and_input_failures_together_keep_every_vector(emulator):
    images = [jpeg_bytes((16, 12), seed=position) for position in range(10)]
    images[3] = b"corrupt"
    emulator.enqueue(*["503"] * 4)  # the first request sent fails for good
    embeddings = make_embeddings(emulator, max_retries=3, retry_backoff=0.01, max_concurrency=1)
    with pytest.raises(EmbeddingBatchError) as caught:
        embeddings.embed_images(images)
    error = caught.value
    assert error.positions == [0, 3]
    assert isinstance(error.failures[0], EmbeddingServiceError)
    assert isinstance(error.failures[3], ImageInputError)
    assert "2 of 10 inputs failed (positions 0, 3); 8 were embedded" in str(error)
    assert [vector is not None for vector in error.embeddings] == [
        position not in (0, 3) for position in range(10)
    ]
