"""The vectors look like a real model's float32 embeddings: no exact zeros, no small set of
repeated magnitudes, near-Gaussian coordinates, unit norm; any JSON text (lone surrogates too)."""

from __future__ import annotations

import math
import random

import pytest

from langchain_azure_image_embeddings.emulator import expected_image_vector, expected_text_vector

from .synthetic_images import encode, synthetic_image

V3 = "Cohere-embed-v3-english"
WORDS = ("first", "second", "third", "phrase", "a", "the", "cat", "dog", "on", "red", "of")


def _texts(count: int) -> list[str]:
    rng = random.Random(12)
    texts = ["", " ", "a", "first phrase", "second phrase", "third phrase"]
    while len(texts) < count:
        texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))))
    return texts


def _kurtosis(values: list[float]) -> float:
    mean = math.fsum(values) / len(values)
    var = math.fsum((v - mean) ** 2 for v in values) / len(values)
    return math.fsum((v - mean) ** 4 for v in values) / len(values) / var**2


@pytest.mark.parametrize("input_type", [None, "query", "document"])
def test_text_vectors_have_no_zeros_and_gaussian_like_values(input_type):
    vectors = [expected_text_vector(t, model=V3, input_type=input_type) for t in _texts(120)]
    for vector in vectors:
        assert 0.0 not in vector
        # A real float32 embedding has (almost) as many distinct magnitudes as coordinates.
        assert len({abs(v) for v in vector}) > 1000
        assert math.isclose(math.fsum(v * v for v in vector), 1.0, abs_tol=1e-5)
    pooled = [v for vector in vectors for v in vector]
    assert 2.8 < _kurtosis(pooled) < 3.3  # a normal distribution has 3
    # The SDK's own tests reject a vector that starts or ends with 0.0.
    assert all(vector[0] != 0.0 and vector[-1] != 0.0 for vector in vectors)


def test_image_vectors_have_no_zeros_even_for_a_flat_image():
    from PIL import Image

    flat = Image.new("RGB", (32, 32), (128, 128, 128))
    for image in (flat, synthetic_image(1), synthetic_image(2)):
        vector = expected_image_vector(encode(image), model=V3)
        assert 0.0 not in vector
        assert len({abs(v) for v in vector}) > 1000


def test_lone_surrogates_are_texts_like_any_other():
    vector = expected_text_vector("a\ud800b", model=V3)
    assert vector == expected_text_vector("a\ud800b", model=V3)
    assert vector != expected_text_vector("a\udc00b", model=V3)
    assert 0.0 not in vector
