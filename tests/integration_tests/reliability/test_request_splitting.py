"""A 413 on a multi-image request splits it; on a single image it is a clear error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_azure_image_embeddings import EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_image_vector

from ...conftest import EMULATOR_KEY, jpeg_bytes, make_embeddings
from .conftest import embed_images

V4 = "embed-v-4-0"


@pytest.fixture
def v4() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=V4, key=EMULATOR_KEY) as emulator:
        yield emulator


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_413_on_four_images_splits_until_it_fits(v4, mode):
    images = [jpeg_bytes((16, 12), seed=seed) for seed in range(4)]
    v4.enqueue("413", "413")  # the 4-image request, then its first half
    embeddings = make_embeddings(v4, model=V4, images_per_request=4)
    vectors = await embed_images(embeddings, mode, images)
    assert vectors == [
        expected_image_vector(image, model=V4, input_type="document") for image in images
    ]
    # 4 -> 413; [0, 1] -> 413; [0], [1], [2, 3] -> 200
    assert v4.stats()["status_counts"] == {"413": 2, "200": 3}
    assert v4.stats()["images"] == 4


def test_a_413_on_a_single_image_is_a_clear_error(v4):
    v4.enqueue("413")
    embeddings = make_embeddings(v4, model=V4, images_per_request=4)
    with pytest.raises(EmbeddingServiceError) as caught:
        embeddings.embed_images([jpeg_bytes(seed=1)])
    error = caught.value
    assert error.status_code == 413 and error.attempts == 1
    assert "too large" in str(error)
    assert "lower `max_image_bytes` or `images_per_request`" in str(error)
    assert v4.stats()["requests"]["/images/embeddings"] == 1
