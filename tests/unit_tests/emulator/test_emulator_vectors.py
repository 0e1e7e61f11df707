"""The vector model: determinism, visual robustness, input types, Matryoshka, pairs."""

from __future__ import annotations

import base64
import math
import struct

import pytest
from PIL import Image

from langchain_azure_image_embeddings.emulator import (
    MODEL_PROFILES,
    expected_image_vector,
    expected_text_vector,
)

from .synthetic_images import encode, half_size_jpeg, synthetic_image

V3 = "Cohere-embed-v3-english"
V4 = "embed-v-4-0"


def dot(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def nearest(query: list[float], candidates: list[list[float]]) -> int:
    return max(range(len(candidates)), key=lambda i: dot(query, candidates[i]))


@pytest.fixture(scope="module")
def images() -> list[Image.Image]:
    return [synthetic_image(seed) for seed in range(50)]


@pytest.fixture(scope="module")
def originals(images: list[Image.Image]) -> list[list[float]]:
    return [expected_image_vector(encode(image), model=V3) for image in images]


def test_same_input_gives_the_same_vector_bit_for_bit(images):
    png = encode(images[0])
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    first = expected_image_vector(png, model=V3, input_type="query")
    assert expected_image_vector(png, model=V3, input_type="query") == first
    assert expected_image_vector(data_url, model=V3, input_type="query") == first
    assert expected_text_vector("a cat on a mat", model=V4) == expected_text_vector(
        "a cat on a mat", model=V4
    )


@pytest.mark.parametrize("model", sorted(MODEL_PROFILES))
def test_vectors_have_the_model_dimension_unit_norm_and_float32_values(model, images):
    for vector in (
        expected_image_vector(encode(images[1]), model=model),
        expected_text_vector("hello", model=model),
    ):
        assert len(vector) == MODEL_PROFILES[model].dimensions
        assert math.isclose(dot(vector, vector), 1.0, abs_tol=1e-5)
        packed = struct.pack(f"<{len(vector)}f", *vector)
        assert list(struct.unpack(f"<{len(vector)}f", packed)) == vector


def test_half_size_jpeg_copies_find_their_originals(images, originals, record_property):
    copies = [expected_image_vector(half_size_jpeg(image), model=V3) for image in images]
    hits, own, margins = 0, [], []
    for index, copy in enumerate(copies):
        similarities = [dot(copy, original) for original in originals]
        hits += nearest(copy, originals) == index
        own.append(similarities[index])
        margins.append(similarities[index] - max(similarities[:index] + similarities[index + 1 :]))
    print(
        f"\nhalf-size JPEG copies: {hits}/50 nearest to their original; "
        f"min cosine {min(own):.4f}; min margin {min(margins):.4f}"
    )
    record_property("nn_hits", hits)
    record_property("min_cosine", round(min(own), 4))
    record_property("min_margin", round(min(margins), 4))
    assert hits == 50
    assert min(own) >= 0.95
    assert min(margins) > 0.1


def test_distinct_images_land_apart(originals):
    cross = [dot(a, b) for i, a in enumerate(originals) for b in originals[i + 1 :]]
    assert max(cross) < 0.9
    assert math.fsum(abs(c) for c in cross) / len(cross) < 0.3


def test_exif_orientation_is_applied(images):
    image = images[2]
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display.
    tagged = encode(image, "PNG", exif=exif)
    upright = encode(image.transpose(Image.Transpose.ROTATE_270))
    assert expected_image_vector(tagged, model=V3) == expected_image_vector(upright, model=V3)
    assert expected_image_vector(tagged, model=V3) != expected_image_vector(encode(image), model=V3)


@pytest.mark.parametrize("model", [V3, V4])
def test_query_and_document_vectors_differ_but_are_mutual_nearest_neighbours(model, images):
    texts = [f"{word} photograph number {i}" for i, word in enumerate(["cat", "dog", "sky"] * 5)]
    pngs = [encode(image) for image in images[:15]]

    def vectors(input_type: str) -> list[list[float]]:
        return [expected_image_vector(p, model=model, input_type=input_type) for p in pngs] + [
            expected_text_vector(t, model=model, input_type=input_type) for t in texts
        ]

    queries, documents = vectors("query"), vectors("document")
    for index, (query, document) in enumerate(zip(queries, documents, strict=True)):
        assert query != document
        assert 0.9 < dot(query, document) < 0.999
        assert nearest(query, documents) == index
        assert nearest(document, queries) == index


def test_no_input_type_and_text_input_type_give_the_untyped_vector(images):
    png = encode(images[3])
    assert expected_image_vector(png, model=V3) == expected_image_vector(
        png, model=V3, input_type="text"
    )


def test_dimensions_are_prefixes_of_the_full_vector(images):
    png = encode(images[4])
    full = expected_image_vector(png, model=V4, input_type="document")
    for dimensions in (256, 512, 1024):
        short = expected_image_vector(png, model=V4, input_type="document", dimensions=dimensions)
        assert len(short) == dimensions
        norm = math.sqrt(dot(full[:dimensions], full[:dimensions]))
        assert all(
            math.isclose(s, f / norm, abs_tol=1e-6)
            for s, f in zip(short, full[:dimensions], strict=True)
        )
    assert expected_image_vector(png, model=V4, dimensions=1536) == expected_image_vector(
        png, model=V4
    )


def test_image_text_pair_is_one_vector_dominated_by_the_image(images):
    png = encode(images[5])
    image_only = expected_image_vector(png, model=V3)
    pair = expected_image_vector(png, model=V3, text="a red kite")
    text_only = expected_text_vector("a red kite", model=V3)
    assert pair != image_only
    assert dot(pair, image_only) > 0.95
    assert dot(pair, text_only) < 0.5
    other_pair = expected_image_vector(png, model=V3, text="an old bicycle")
    assert dot(pair, other_pair) < dot(pair, pair) - 1e-3


def test_texts_are_deterministic_and_distinct():
    a = expected_text_vector("the quick brown fox", model=V3)
    b = expected_text_vector("the quick brown foxes", model=V3)
    c = expected_text_vector("quarterly revenue report", model=V3)
    assert a != b
    assert dot(a, b) > dot(a, c)
    assert expected_text_vector("", model=V3) == expected_text_vector("", model=V3)


def test_models_have_different_vector_spaces(images):
    png = encode(images[6])
    english = expected_image_vector(png, model="Cohere-embed-v3-english")
    multilingual = expected_image_vector(png, model="Cohere-embed-v3-multilingual")
    assert abs(dot(english, multilingual)) < 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "gpt-4o"}, "unknown model"),
        ({"model": V3, "dimensions": 512}, "dimensions"),
        ({"model": V4, "dimensions": 300}, "dimensions"),
        ({"model": V3, "input_type": "passage"}, "input_type"),
    ],
)
def test_invalid_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        expected_text_vector("x", **kwargs)


@pytest.mark.parametrize(
    "image",
    [b"not an image", "data:text/plain;base64,aGVsbG8=", "data:image/png;base64,@@@"],
)
def test_invalid_images_raise_value_error(image):
    with pytest.raises(ValueError, match="image"):
        expected_image_vector(image, model=V3)


def test_formats_outside_the_allowlist_are_refused(images):
    with pytest.raises(ValueError, match="allowed format"):
        expected_image_vector(encode(images[0], "BMP"), model=V3)
    for image_format in ("JPEG", "WEBP", "GIF"):
        assert len(expected_image_vector(encode(images[0], image_format), model=V3)) == 1024


def test_optional_numpy_path_gives_the_same_vectors_as_pure_python(monkeypatch, images):
    """vectors.py uses numpy for its transform when importable; users without numpy must get
    the very same floats (CI has numpy, so this is where the pure path is checked)."""
    from langchain_azure_image_embeddings.emulator import vectors

    png = encode(images[7])
    inputs = [[math.sin(i * 0.37) * (i % 13) for i in range(2048)], [1.0] + [0.0] * 2047]
    default = [list(vectors._walsh_hadamard(list(values))) for values in inputs]
    default_vectors = (
        expected_image_vector(png, model=V4, input_type="query", text="a caption"),
        expected_text_vector("a caption", model=V3, input_type="document"),
    )
    monkeypatch.setattr(vectors, "_numpy", None)
    assert [vectors._walsh_hadamard(list(values)) for values in inputs] == default
    assert default_vectors == (
        expected_image_vector(png, model=V4, input_type="query", text="a caption"),
        expected_text_vector("a caption", model=V3, input_type="document"),
    )
