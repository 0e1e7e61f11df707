"""Decoding-cost bounds at their edges: the last unit allowed is decoded, one more is refused.

The files are valid (Pillow decodes every one of them); what is bounded is
their structure (scans, markers, chunks, blocks) and the memory a decode
takes, both checked before any decoder runs.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from langchain_azure_image_embeddings._images.preparation import ImageLimits, prepare_image
from langchain_azure_image_embeddings._images.sources import ImagePolicy
from langchain_azure_image_embeddings._images.structure import (
    MAX_GIF_EXTENSION_BLOCKS,
    MAX_JPEG_SCANS,
    MAX_JPEG_SEGMENTS,
    MAX_PNG_CHUNKS,
    MAX_WEBP_CHUNKS,
    coefficient_bytes,
    inspect_structure,
)
from langchain_azure_image_embeddings.errors import ImageInputError

from ...integration_tests.hardening.hostile_images import (
    flat_png,
    gif_with_comments,
    gif_with_sub_blocks,
    jpeg_claiming_progressive,
    jpeg_with_fill_bytes,
    jpeg_with_markers,
    png_with_chunks,
    progressive_jpeg,
    webp_with_frames,
)

POLICY = ImagePolicy()
LIMITS = ImageLimits()

# name -> (the largest file allowed, the smallest refused, the refusal's words)
EDGES: dict[str, tuple[Callable[[], bytes], Callable[[], bytes], str]] = {
    "jpeg-scans": (
        lambda: progressive_jpeg(64, MAX_JPEG_SCANS),
        lambda: progressive_jpeg(64, MAX_JPEG_SCANS + 1),
        "more than 50 scans",
    ),
    "jpeg-markers": (
        # the image's own markers (SOI ... EOI) count too
        lambda: jpeg_with_markers(MAX_JPEG_SEGMENTS - 20),
        lambda: jpeg_with_markers(MAX_JPEG_SEGMENTS),
        "more than 10,000 markers",
    ),
    "jpeg-fill-bytes": (
        lambda: jpeg_with_fill_bytes(MAX_JPEG_SEGMENTS - 20),
        lambda: jpeg_with_fill_bytes(MAX_JPEG_SEGMENTS),
        "more than 10,000 markers",
    ),
    "png-chunks": (
        lambda: png_with_chunks(MAX_PNG_CHUNKS - 4),  # + IHDR, IDAT, IEND
        lambda: png_with_chunks(MAX_PNG_CHUNKS - 2),
        "more than 10,000 chunks",
    ),
    "gif-extension-blocks": (
        # each comment is a block and its terminating sub-block
        lambda: gif_with_comments(MAX_GIF_EXTENSION_BLOCKS // 2),
        lambda: gif_with_comments(MAX_GIF_EXTENSION_BLOCKS // 2 + 1),
        "more than 10,000 extension blocks",
    ),
    "gif-sub-blocks": (
        lambda: gif_with_sub_blocks(MAX_GIF_EXTENSION_BLOCKS - 2),
        lambda: gif_with_sub_blocks(MAX_GIF_EXTENSION_BLOCKS),
        "more than 10,000 extension blocks",
    ),
    "webp-chunks": (
        lambda: webp_with_frames(MAX_WEBP_CHUNKS - 2),  # + VP8X, ANIM
        lambda: webp_with_frames(MAX_WEBP_CHUNKS),
        "more than 10,000 chunks",
    ),
    "png-memory": (
        lambda: flat_png(4096, 4096),  # 64 MiB of RGBA: the default budget exactly
        lambda: flat_png(4096, 4097),
        "more than the 64 MiB allowed",
    ),
    "progressive-jpeg-memory": (
        lambda: progressive_jpeg(3000, 10),
        lambda: jpeg_claiming_progressive(4800, 4800),
        "progressive JPEG would take about",
    ),
}


@pytest.mark.parametrize("edge", list(EDGES))
def test_the_last_unit_allowed_is_decoded_and_one_more_is_refused(edge: str) -> None:
    allowed, refused, words = EDGES[edge]

    prepared = prepare_image(allowed(), policy=POLICY, limits=LIMITS)
    with pytest.raises(ImageInputError, match=words):
        prepare_image(refused(), policy=POLICY, limits=LIMITS)

    assert prepared.byte_size > 0


def test_the_memory_budget_follows_the_pixel_budget_with_a_floor() -> None:
    assert ImageLimits().decode_memory_budget == 64 * 2**20
    assert ImageLimits(max_pixels=8_000_000).decode_memory_budget == 128_000_000
    assert ImageLimits(max_pixels=1000).decode_memory_budget == 64 * 2**20
    assert ImageLimits(max_decode_bytes=1000).decode_memory_budget == 1000
    with pytest.raises(ValueError, match="max_decode_bytes must be positive"):
        ImageLimits(max_decode_bytes=0)


def test_a_larger_budget_lets_a_larger_image_through() -> None:
    data = flat_png(4096, 4097)

    prepared = prepare_image(data, policy=POLICY, limits=ImageLimits(max_decode_bytes=70 * 2**20))

    assert (prepared.width, prepared.height) == (1773, 1773)


def test_a_progressive_jpeg_costs_its_whole_coefficient_buffer() -> None:
    colour = inspect_structure("JPEG", progressive_jpeg(1600, 10))
    grey = inspect_structure("JPEG", progressive_jpeg(1600, 10, colour=False))
    baseline = inspect_structure("JPEG", jpeg_with_markers(0))

    assert colour.progressive and colour.units == 10
    assert coefficient_bytes(colour) == 1600 * 1600 * 3  # 4:2:0: 1.5 coefficients a pixel
    assert coefficient_bytes(grey) == 1600 * 1600 * 2
    assert not baseline.progressive and coefficient_bytes(baseline) == 0


def test_structure_reports_animation_without_decoding() -> None:
    assert inspect_structure("WEBP", webp_with_frames(5)).animated is True
    assert inspect_structure("GIF", gif_with_comments(3)).animated is False
    assert inspect_structure("PNG", png_with_chunks(3)).animated is False


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "GIF", "WEBP"])
@pytest.mark.parametrize("data", [b"", b"\xff\xd8", b"\x89PNG\r\n\x1a\n\x00", b"GIF89a", b"RIFF"])
def test_a_truncated_or_foreign_file_is_left_to_the_decoder_or_refused(
    image_format: str, data: bytes
) -> None:
    refusal = None
    try:
        structure = inspect_structure(image_format, data)
    except ImageInputError as error:
        refusal = str(error)
    else:
        assert structure.units <= 1
    assert refusal is None or "refused before decoding" in refusal


def test_junk_between_segments_cannot_hide_a_costly_file() -> None:
    costly = progressive_jpeg(1024, MAX_JPEG_SCANS + 1)
    with_junk = costly[:2] + b"\x00" + costly[2:]  # decoders skip it and read on
    with pytest.raises(ImageInputError, match="bytes between its segments"):
        inspect_structure("JPEG", with_junk)
    gif = gif_with_comments(3)
    with pytest.raises(ImageInputError, match="unknown block"):
        inspect_structure("GIF", gif[:13] + b"\x00" + gif[13:])


def test_an_opened_pil_image_is_bounded_like_its_file_and_left_as_it_was() -> None:
    file = io.BytesIO(progressive_jpeg(1024, MAX_JPEG_SCANS + 1))
    image = Image.open(file)
    file.seek(7)

    with pytest.raises(ImageInputError, match="more than 50 scans"):
        prepare_image(image, policy=POLICY, limits=LIMITS)

    assert file.tell() == 7 and image.tile  # not decoded, the caller's position kept


def test_an_opened_pil_image_within_limits_is_sent_as_its_file_is() -> None:
    data = progressive_jpeg(64, 10)
    image = Image.open(io.BytesIO(data))

    prepared = prepare_image(image, policy=POLICY, limits=LIMITS)

    assert prepared.reencoded is False and (prepared.width, prepared.height) == (64, 64)
    assert image.size == (64, 64) and image.tile


def test_an_opened_pil_image_over_max_source_bytes_is_refused() -> None:
    image = Image.open(io.BytesIO(flat_png(300, 300)))

    with pytest.raises(ImageInputError, match="max_source_bytes"):
        prepare_image(image, policy=ImagePolicy(max_source_bytes=100), limits=LIMITS)


def test_a_decoded_pil_image_is_prepared_from_its_pixels() -> None:
    image = Image.open(io.BytesIO(progressive_jpeg(64, 10)))
    image.load()

    prepared = prepare_image(image, policy=POLICY, limits=LIMITS)

    assert prepared.reencoded is True


def test_an_opened_pil_image_of_a_format_not_allowed_is_not_decoded_here() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(buffer, format="TIFF")
    buffer.seek(0)
    opened = Image.open(buffer)
    with pytest.raises(ImageInputError, match="opened from a TIFF file"):
        prepare_image(opened, policy=ImagePolicy(), limits=ImageLimits())
    opened.load()  # decoded by its owner: a plain PIL image, prepared as pixels
    assert prepare_image(opened, policy=ImagePolicy(), limits=ImageLimits()).data_url
