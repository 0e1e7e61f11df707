"""Bounded fuzzing of the decoding wrapper: whatever the bytes, only ImageInputError escapes.

Runs in CI with a fixed seed (``derandomize``) so that a run is reproducible; set
``IMAGE_FUZZ_EXAMPLES`` (and ``IMAGE_FUZZ_RANDOM=1`` for fresh inputs) to search
longer locally.
"""

from __future__ import annotations

import base64
import gc
import io
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from langchain_azure_image_embeddings._images.preparation import (
    ImageLimits,
    PreparedImage,
    prepare_image,
    sniff_image_format,
)
from langchain_azure_image_embeddings._images.sources import ImagePolicy, read_image_source
from langchain_azure_image_embeddings.errors import ImageInputError

from .image_corpus import (
    animated_gif,
    encode,
    oriented_jpeg,
    palette_png_with_transparency,
    two_tone,
)

EXAMPLES = int(os.environ.get("IMAGE_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("IMAGE_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
POLICY = ImagePolicy()
# Small limits keep each example cheap; the code paths are the same as with the defaults.
LIMITS = ImageLimits(max_decode_pixels=1_000_000, max_pixels=64 * 64, max_image_bytes=48 * 1024)

_BASE = two_tone((24, 16), (200, 30, 40), (20, 60, 200))
SEEDS = [
    encode(_BASE, "PNG"),
    encode(_BASE.convert("RGBA"), "PNG"),
    encode(_BASE, "JPEG", quality=85),
    encode(_BASE, "JPEG", quality=85, progressive=True),
    encode(_BASE.convert("P"), "GIF"),
    encode(_BASE, "WEBP", quality=80),
    encode(_BASE, "WEBP", lossless=True),
    animated_gif([(250, 0, 0), (0, 250, 0)], size=(16, 12)),
    oriented_jpeg(_BASE),
    palette_png_with_transparency((16, 8)),
]


@st.composite
def mutated_images(draw: st.DrawFn) -> bytes:
    """A valid small image with a few random edits: flips, overwrites, cuts, inserts, splices."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        operation = draw(
            st.sampled_from(["flip", "byte", "truncate", "insert", "delete", "splice"])
        )
        if operation == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif operation == "byte":
            data[position] = draw(
                st.sampled_from([0x00, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))])
            )
        elif operation == "truncate":
            del data[position:]
        elif operation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            other = draw(st.sampled_from(SEEDS))
            data[position:] = other[draw(st.integers(0, len(other) - 1)) :]
    return bytes(data)


def signature_then_noise() -> st.SearchStrategy[bytes]:
    headers = [seed[:16] for seed in SEEDS] + [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a"]
    return st.builds(
        lambda head, tail: head + tail, st.sampled_from(headers), st.binary(max_size=512)
    )


def assert_valid(prepared: PreparedImage) -> None:
    header, _, payload = prepared.data_url.partition(",")
    data = base64.b64decode(payload, validate=True)
    assert header == f"data:{prepared.mime_type};base64"
    assert len(data) == prepared.byte_size <= LIMITS.max_image_bytes
    assert prepared.width * prepared.height <= LIMITS.max_pixels
    assert sniff_image_format(data) == prepared.mime_type.removeprefix("image/").upper()


def prepare_or_refuse(data: Any) -> None:
    try:
        prepared = prepare_image(data, policy=POLICY, limits=LIMITS)
    except ImageInputError as error:
        refusal = error
    else:
        assert_valid(prepared)
        return
    assert type(refusal) is ImageInputError
    assert refusal.reason.isprintable()


def test_every_seed_is_prepared() -> None:
    for seed in SEEDS:
        assert_valid(prepare_image(seed, policy=POLICY, limits=LIMITS))


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    prepare_or_refuse(data)


@FUZZ
@given(mutated_images())
def test_mutated_images(data: bytes) -> None:
    prepare_or_refuse(data)


@FUZZ
@given(signature_then_noise())
def test_valid_signatures_followed_by_noise(data: bytes) -> None:
    prepare_or_refuse(data)


@settings(FUZZ, max_examples=max(50, EXAMPLES // 3))
@given(st.text(max_size=200))
def test_random_data_url_payloads(payload: str) -> None:
    prepare_or_refuse("data:image/png;base64," + payload)


@settings(FUZZ, max_examples=max(50, EXAMPLES // 3))
@given(mutated_images())
def test_mutated_images_as_pil_images(data: bytes) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG", "GIF", "WEBP"])
        if image.size[0] * image.size[1] > LIMITS.max_decode_pixels:
            return
        image.load()
    except Exception:  # not an image Pillow can give us: nothing to test
        return
    prepare_or_refuse(image)


_STRINGS = st.one_of(
    st.text(max_size=80),
    st.from_regex(r"(/|\.\./|~/|[A-Za-z]:\\)[\w./\\-]{0,40}", fullmatch=True),
    st.from_regex(
        r"(file|https?|ftp|gopher)://[\w.:@\[\]-]{0,30}(/[\w./?=&%-]{0,30})?", fullmatch=True
    ),
    st.from_regex(
        r"(169\.254\.169\.254|localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?/.{0,20}", fullmatch=True
    ),
)


@contextmanager
def forbidden_io() -> Iterator[None]:
    """Forbid filesystem and network access (only around the call under test)."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("I/O attempted")

    # No garbage collection inside: a finalizer's ResourceWarning (a socket another test left)
    # would look its source line up (os.stat) and be taken for the code under test's I/O.
    gc.collect()
    gc.disable()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for module, name in [(os, "stat"), (os, "open"), (socket, "getaddrinfo")]:
                patch.setattr(module, name, forbidden)
            patch.setattr(os.path, "realpath", forbidden)
            patch.setattr(socket.socket, "connect", forbidden)
            yield
    finally:
        gc.enable()


@settings(FUZZ, max_examples=max(100, EXAMPLES // 2))
@given(_STRINGS)
def test_strings_are_never_read_under_the_default_policy(text: str) -> None:
    try:
        with forbidden_io():
            source = read_image_source(text, POLICY)
    except ImageInputError:
        return
    assert text.lower().startswith("data:image/")
    assert source.data is not None
