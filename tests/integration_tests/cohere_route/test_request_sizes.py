"""How many requests images take on Cohere's route, and that none is over 20 MB.

Request bodies are measured as the client sends them (its own network trace); the
emulator refuses a body over its own limit with 413, so a 200 from it for every request
also says that each fitted.
"""

from __future__ import annotations

import io
import math
import random

import pytest
from PIL import Image

from .conftest import COHERE_ROUTE, V3, V4, cohere_embeddings, expected, route_requests

LIMIT = 20_000_000
TRACE = {"logging_enable": True}


def noise_png(seed: int, size: tuple[int, int]) -> bytes:
    """A PNG of random pixels: it does not compress, so its size is about 3 bytes a pixel."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def images_100kb() -> list[bytes]:
    images = [noise_png(seed, (186, 180)) for seed in range(200)]
    assert all(95_000 < len(image) < 110_000 for image in images)
    return images


@pytest.mark.parametrize(
    ("model", "settings", "requests"),
    [
        (V4, {}, 3),  # 96 + 96 + 8, about 13 MB each
        (V4, {"images_per_request": 1}, 200),
        (V3, {}, 200),  # Cohere v3: one image per request
        (V3, {"images_per_request": 96}, 200),  # a setting cannot raise the model's limit
    ],
)
def test_200_images_of_100_kb(model, settings, requests, images_100kb, body_sizes, request):
    emulator = request.getfixturevalue("v4" if model == V4 else "v3")
    embeddings = cohere_embeddings(emulator, client_kwargs=TRACE, **settings)
    vectors = embeddings.embed_images(images_100kb)
    assert route_requests(emulator) == {COHERE_ROUTE: requests}
    assert emulator.stats()["status_counts"] == {"200": requests}
    assert len(body_sizes.sizes) == requests
    assert max(body_sizes.sizes) <= LIMIT
    assert sum(body_sizes.sizes) > 200 * 100_000 * 4 / 3  # every image went, base64-encoded
    spot = [0, 95, 96, 199]
    assert [vectors[i] for i in spot] == [expected(images_100kb[i], model) for i in spot]


def test_96_images_over_20_mb_go_in_as_few_requests_as_fit(v4, body_sizes):
    images = [noise_png(1000 + seed, (300, 280)) for seed in range(96)]
    total = sum(len(image) for image in images) * 4 / 3
    assert LIMIT < total < 1.8 * LIMIT  # one request cannot carry them, two can
    vectors = cohere_embeddings(v4, client_kwargs=TRACE).embed_images(images)

    sent = body_sizes.sizes
    assert max(sent) <= LIMIT
    assert len(sent) == math.ceil(sum(sent) / LIMIT) == 2  # as few as the bytes allow
    assert route_requests(v4) == {COHERE_ROUTE: 2}
    assert v4.stats()["status_counts"] == {"200": 2}  # the emulator answered every one
    assert v4.stats()["images"] == 96
    spot = [0, 47, 48, 95]
    assert [vectors[i] for i in spot] == [expected(images[i], V4) for i in spot]


async def test_the_split_works_in_async_code_too(v4, body_sizes):
    images = [noise_png(2000 + seed, (380, 370)) for seed in range(40)]
    vectors = await cohere_embeddings(v4, client_kwargs=TRACE).aembed_images(images)
    assert len(body_sizes.sizes) == 2 and max(body_sizes.sizes) <= LIMIT
    assert v4.stats()["status_counts"] == {"200": 2}
    assert [vectors[0], vectors[-1]] == [expected(images[0], V4), expected(images[-1], V4)]
