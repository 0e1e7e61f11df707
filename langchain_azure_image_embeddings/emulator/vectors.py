"""The emulator's vector model: deterministic, visually meaningful, not semantic.

An image becomes a 16x16 RGB thumbnail (area average), each channel centred on its mean, plus
its three colour means (weighted); a text becomes signed hashed counts of its words and character
1-3-grams. Either feature vector (1024 long) is mixed into a unit vector of the model's full
dimension by two rounds of a seeded randomised Walsh-Hadamard transform: random signs then the
transform (an orthogonal map that spreads every feature over all coordinates, so the geometry of
the features is kept), then seeded Gaussian weights then the transform again. The second round
makes every coordinate a weighted sum of thousands of continuous terms: values are distributed
like a real model's (near-Gaussian, no exact zeros, no small set of repeated magnitudes) even
when the features are integer counts, and angles move by only a few percent. An image+text
pair is `0.85 * image + 0.15 * text`, renormalised.
`input_type` `query` / `document` adds a small, input-dependent signed permutation of the vector
(cosine between the two about 0.978); `text` or no `input_type` leaves it as it is. `dimensions`
keeps a prefix of the full vector (Matryoshka) and renormalises it. Values are rounded to
float32, as a service would send them.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image

from langchain_azure_image_embeddings.emulator.imaging import (
    DecodedImage,
    decode_image,
    parse_data_url,
)
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile, get_profile

# numpy releases the GIL in every operation on these arrays: threads computing vectors at the
# same time would hand the GIL back and forth thousands of times per request (measured: two
# threads took 1.6x longer than one for the same work). The math is GIL-bound anyway, so it runs
# one vector at a time; image decoding (outside) stays parallel.
_ONE_AT_A_TIME = threading.Lock()

# numpy is a dependency and always used here. Each numpy step keeps its plain-Python twin as the
# readable definition of the transform: a unit test sets `_numpy = None` and checks that both
# give the same floats, bit for bit. With numpy, the steps pass float64 arrays to each other
# (`_Floats`) and only the finished vector becomes a list: converting between lists and arrays
# at every step cost as much as the arithmetic.
try:
    import numpy as _numpy
except ImportError:  # pragma: no cover - a broken install: the plain twins still work
    _numpy = None  # type: ignore[assignment]

GRID = 16
FEATURES = 1024
_MIXED = 2 * FEATURES
_COLOUR_WEIGHT = 4.0
_IMAGE_WEIGHT = 0.85
_TEXT_WEIGHT = 0.15
_TYPE_STRENGTH = 0.15
_TYPED_INPUTS = ("query", "document")
_SECOND_COPY = 0.6180339887
_WORD = re.compile(r"\w+", re.UNICODE)

_Floats = Any
"""A vector between two steps: a list of floats, or with numpy a float64 array."""


@dataclass(frozen=True)
class _SignedPermutation:
    order: tuple[int, ...]
    signs: tuple[float, ...]

    def apply(self, vector: _Floats) -> _Floats:
        if _numpy is not None:  # the same products, bit-identical, much faster
            picked = _numpy.asarray(vector, dtype=_numpy.float64)[self._arrays[0]]
            return self._arrays[1] * picked
        return [sign * vector[index] for index, sign in zip(self.order, self.signs, strict=True)]

    @functools.cached_property
    def _arrays(self) -> tuple[Any, Any]:
        assert _numpy is not None
        return _numpy.asarray(self.order), _numpy.asarray(self.signs, dtype=_numpy.float64)


@dataclass(frozen=True)
class _Mixer:
    signs_a: tuple[float, ...]
    signs_b: tuple[float, ...]
    weights: tuple[float, ...]
    output: _SignedPermutation

    @functools.cached_property
    def _signs(self) -> Any:
        assert _numpy is not None
        return _numpy.asarray(self.signs_a + self.signs_b, dtype=_numpy.float64)

    @functools.cached_property
    def _weights(self) -> Any:
        assert _numpy is not None
        return _numpy.asarray(self.weights, dtype=_numpy.float64)


def _hashes(label: str, count: int) -> list[int]:
    return [
        int.from_bytes(hashlib.blake2b(f"{label}:{i}".encode(), digest_size=8).digest(), "big")
        for i in range(count)
    ]


def _signed_permutation(label: str, size: int) -> _SignedPermutation:
    keys = _hashes(label, size)
    order = tuple(sorted(range(size), key=keys.__getitem__))
    signs = tuple(1.0 if key & 1 else -1.0 for key in _hashes(label + ":signs", size))
    return _SignedPermutation(order=order, signs=signs)


def _gaussians(label: str, count: int) -> tuple[float, ...]:
    """Standard normal values drawn from hashes (Box-Muller), never exactly zero."""
    values = []
    for key in _hashes(label, count):
        u1 = ((key >> 32) + 0.5) / 2**32
        u2 = ((key & 0xFFFFFFFF) + 0.5) / 2**32
        values.append(math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2))
    return tuple(values)


@lru_cache(maxsize=16)
def _mixer(model: str) -> _Mixer:
    signs = _signed_permutation(f"mix:{model}", FEATURES).signs
    # The second copy of the features is scaled (an isometry up to a constant still), so that
    # one feature's two copies never cancel to exact zeros in half of the coordinates.
    signs_b = tuple(
        _SECOND_COPY * sign for sign in _signed_permutation(f"mix-b:{model}", FEATURES).signs
    )
    return _Mixer(
        signs_a=signs,
        signs_b=signs_b,
        weights=_gaussians(f"weights:{model}", _MIXED),
        output=_signed_permutation(f"out:{model}", _MIXED),
    )


@lru_cache(maxsize=16)
def _type_permutation(model: str, dimensions: int, input_type: str) -> _SignedPermutation:
    return _signed_permutation(f"type:{model}:{input_type}", dimensions)


def _walsh_hadamard(values: _Floats) -> _Floats:
    if _numpy is not None and len(values) > 1:
        return _walsh_hadamard_numpy(values)
    x = values
    n = len(x)
    h = 1
    while h < n:
        for start in range(0, n, 2 * h):
            for i in range(start, start + h):
                a = x[i]
                b = x[i + h]
                x[i] = a + b
                x[i + h] = a - b
        h *= 2
    return x


def _walsh_hadamard_numpy(values: _Floats) -> _Floats:
    """The same butterflies with numpy, bit-identical to the loop above.

    Each output is the same single addition or subtraction, so the floats are the same;
    the loop is about 30x slower and was the emulator's bottleneck under load.
    """
    assert _numpy is not None
    x = _numpy.asarray(values, dtype=_numpy.float64)
    n = x.size
    h = 1
    while h < n:
        pairs = x.reshape(-1, 2, h)
        x = _numpy.stack((pairs[:, 0] + pairs[:, 1], pairs[:, 0] - pairs[:, 1]), axis=1)
        x = x.reshape(n)
        h *= 2
    return x


def _unit(vector: _Floats) -> _Floats:
    """Scale to unit norm; a zero vector (no features at all) becomes the uniform unit vector."""
    if _numpy is not None:  # the same squares, exact sum and quotients: bit-identical
        values = _numpy.asarray(vector, dtype=_numpy.float64)
        norm = math.sqrt(math.fsum((values * values).tolist()))
        if norm == 0.0:
            return _numpy.full(values.size, 1.0 / math.sqrt(values.size))
        return values / norm
    norm = math.sqrt(math.fsum(v * v for v in vector))
    if norm == 0.0:
        return [1.0 / math.sqrt(len(vector))] * len(vector)
    return [v / norm for v in vector]


def _project(features: Sequence[float], profile: ModelProfile) -> _Floats:
    """Mix a FEATURES-long feature vector into a unit vector of the model's full dimension."""
    mixer = _mixer(profile.name)
    if _numpy is not None:  # the same products, bit-identical
        doubled = _numpy.asarray(features, dtype=_numpy.float64)
        stacked = mixer._signs * _numpy.concatenate((doubled, doubled))
        weighted = mixer._weights * _walsh_hadamard(stacked)
    else:
        stacked = [s * f for s, f in zip(mixer.signs_a, features, strict=True)]
        stacked += [s * f for s, f in zip(mixer.signs_b, features, strict=True)]
        spread = _walsh_hadamard(stacked)
        weighted = [w * v for w, v in zip(mixer.weights, spread, strict=True)]
    mixed = mixer.output.apply(_walsh_hadamard(weighted))
    return _unit(mixed[: profile.dimensions])


def image_features(rgb: Image.Image) -> list[float]:
    """Features of an RGB image: its 16x16 thumbnail centred per channel, and its colour means.

    Centring each channel on its own mean keeps the layout (shapes, edges, gradients) in the
    thumbnail values and the overall colour in three weighted features, so that two images of
    the same dominant colour are similar but not near-duplicates.
    """
    thumbnail = rgb.resize((GRID, GRID), Image.Resampling.BOX)
    values = list(thumbnail.tobytes())
    means = [math.fsum(values[c::3]) / (GRID * GRID) for c in range(3)]
    features = [value - means[index % 3] for index, value in enumerate(values)]
    features += [_COLOUR_WEIGHT * (mean - 127.5) for mean in means]
    return features + [0.0] * (FEATURES - len(features))


def text_features(text: str) -> list[float]:
    """Features of a text: signed hashed counts of its words and character 1-3-grams."""
    normalised = " ".join(text.lower().split())
    padded = f" {normalised} "
    grams = [padded[i : i + n] for n in (1, 2, 3) for i in range(len(padded) - n + 1)]
    grams += [f"\x00{word}" for word in _WORD.findall(normalised)]
    features = [0.0] * FEATURES
    for gram in grams:
        # "surrogatepass": a lone surrogate is legal in JSON text and must hash, not fail.
        digest = hashlib.blake2b(gram.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        key = int.from_bytes(digest, "big")
        features[key % FEATURES] += 1.0 if key >> 63 else -1.0
    return features


def _finish(
    full: _Floats, profile: ModelProfile, input_type: str | None, dimensions: int | None
) -> list[float]:
    if input_type is not None and input_type not in profile.input_types:
        raise ValueError(f"{profile.name} does not support input_type {input_type!r}")
    if dimensions is not None and dimensions not in profile.supported_dimensions:
        raise ValueError(f"{profile.name} does not support dimensions={dimensions}")
    if input_type in _TYPED_INPUTS:
        assert input_type is not None
        shifted = _type_permutation(profile.name, len(full), input_type).apply(full)
        if _numpy is not None:  # the same products and sums, bit-identical
            full = _unit(_numpy.asarray(full, dtype=_numpy.float64) + _TYPE_STRENGTH * shifted)
        else:
            full = _unit([v + _TYPE_STRENGTH * s for v, s in zip(full, shifted, strict=True)])
    vector = _unit(full[: dimensions or profile.dimensions])
    if _numpy is not None:  # the same rounding to float32 as struct (a C cast)
        single = _numpy.asarray(vector, dtype=_numpy.float64).astype(_numpy.float32)
        return single.astype(_numpy.float64).tolist()  # type: ignore[no-any-return]
    return list(struct.unpack(f"<{len(vector)}f", struct.pack(f"<{len(vector)}f", *vector)))


def embed_decoded_image(
    image: DecodedImage,
    *,
    profile: ModelProfile,
    text: str | None = None,
    input_type: str | None = None,
    dimensions: int | None = None,
) -> list[float]:
    """Return the vector of a decoded image (optionally paired with text), as the server does."""
    features = image_features(image.rgb)
    with _ONE_AT_A_TIME:
        full = _project(features, profile)
        if text is not None:
            text_full = _project(text_features(text), profile)
            if _numpy is not None:  # the same products and sums, bit-identical
                full = _unit(_IMAGE_WEIGHT * full + _TEXT_WEIGHT * text_full)
            else:
                full = _unit(
                    [
                        _IMAGE_WEIGHT * i + _TEXT_WEIGHT * t
                        for i, t in zip(full, text_full, strict=True)
                    ]
                )
        return _finish(full, profile, input_type, dimensions)


def embed_text(
    text: str,
    *,
    profile: ModelProfile,
    input_type: str | None = None,
    dimensions: int | None = None,
) -> list[float]:
    """Return the vector of a text, as the server does."""
    with _ONE_AT_A_TIME:
        return _finish(_project(text_features(text), profile), profile, input_type, dimensions)


def expected_image_vector(
    image: bytes | str,
    *,
    model: str,
    input_type: str | None = None,
    dimensions: int | None = None,
    text: str | None = None,
) -> list[float]:
    """Recompute the vector the emulator returns for an image (`encoding_format` float).

    Args:
        image: The encoded image bytes, or a `data:image/...;base64,...` URL.
        model: The emulated model (a key of `MODEL_PROFILES`).
        input_type: `text`, `query`, `document` or None, as sent in the request.
        dimensions: As sent in the request; None for the model's default.
        text: The text paired with the image, if any.

    Returns:
        Exactly the floats the server puts in `data[i].embedding`.

    Raises:
        ValueError: Unknown model, unsupported `input_type` / `dimensions`, or not an image
            the model accepts (`ImageError`, a `ValueError`).
    """
    profile = get_profile(model)
    data = parse_data_url(image).data if isinstance(image, str) else image
    decoded = decode_image(data, profile.image_formats)
    return embed_decoded_image(
        decoded, profile=profile, text=text, input_type=input_type, dimensions=dimensions
    )


def expected_text_vector(
    text: str, *, model: str, input_type: str | None = None, dimensions: int | None = None
) -> list[float]:
    """Recompute the vector the emulator returns for a text on `/embeddings` (float format).

    Args:
        text: The text.
        model: The emulated model (a key of `MODEL_PROFILES`).
        input_type: `text`, `query`, `document` or None, as sent in the request.
        dimensions: As sent in the request; None for the model's default.

    Returns:
        Exactly the floats the server puts in `data[i].embedding`.

    Raises:
        ValueError: Unknown model, or unsupported `input_type` / `dimensions`.
    """
    return embed_text(
        text, profile=get_profile(model), input_type=input_type, dimensions=dimensions
    )
