"""Hostile and worst-case image files, made in code (shared by the corpus tests and the benchmark).

Each maker builds a *valid* file whose decoding cost comes from its structure
rather than its size: many empty progressive scans, many PNG chunks, many GIF
blocks, many WebP frames, or a large canvas that compresses to little.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from functools import lru_cache

from PIL import Image

_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def _save(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


# JPEG ---------------------------------------------------------------------------------------


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """``(marker, start, end)`` of each segment; a scan's end includes its entropy data."""
    segments = []
    offset = 2
    while offset < len(data):
        marker = data[offset + 1]
        if marker == 0xD9:
            segments.append((marker, offset, offset + 2))
            break
        end = offset + 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
        if marker == 0xDA:
            found = _NEXT_MARKER.search(data, end)
            end = found.start() if found else len(data)
        segments.append((marker, offset, end))
        offset = end
    return segments


@lru_cache(maxsize=8)
def progressive_jpeg(side: int, scans: int, *, colour: bool = True) -> bytes:
    """A flat ``side`` x ``side`` progressive JPEG with ``scans`` scans in all.

    Pillow writes 10 scans (6 for grey); more are made by repeating the
    smallest AC scan, nearly empty for a flat image: each repeat costs a
    pass over every block while adding a few bytes (libjpeg warns and goes on).
    """
    mode, fill = ("RGB", (128, 128, 128)) if colour else ("L", 128)
    data = _save(Image.new(mode, (side, side), fill), "JPEG", progressive=True, quality=90)
    segments = _jpeg_segments(data)
    own = [(start, end) for marker, start, end in segments if marker == 0xDA]
    if scans <= len(own):
        return data

    def spectral_start(start: int) -> int:
        return data[start + 5 + 2 * data[start + 4]]

    ac = [(end - start, start, end) for start, end in own if spectral_start(start) > 0]
    _, start, end = min(ac) if ac else min((end - s, s, end) for s, end in own)
    eoi = segments[-1][1]
    return data[:eoi] + data[start:end] * (scans - len(own)) + data[eoi:]


def jpeg_with_markers(count: int) -> bytes:
    """A small JPEG with ``count`` empty comment segments before its frame header."""
    data = _save(Image.new("RGB", (16, 16), (10, 200, 30)), "JPEG")
    return data[:2] + b"\xff\xfe\x00\x02" * count + data[2:]


def jpeg_with_fill_bytes(count: int) -> bytes:
    """A small JPEG with ``count`` 0xFF fill bytes before its first marker after SOI."""
    data = _save(Image.new("RGB", (16, 16), (10, 200, 30)), "JPEG")
    return data[:2] + b"\xff" * count + data[2:]


def jpeg_claiming_progressive(width: int, height: int) -> bytes:
    """A progressive JPEG whose frame header claims ``width`` x ``height`` (data for 16 x 16)."""
    data = _save(Image.new("RGB", (16, 16), (1, 2, 3)), "JPEG", progressive=True)
    for marker, start, _ in _jpeg_segments(data):
        if marker == 0xC2:
            return data[: start + 5] + struct.pack(">HH", height, width) + data[start + 9 :]
    raise AssertionError("no SOF2 segment")


# PNG ----------------------------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _png(width: int, height: int, colour_type: int, idat: bytes, *, before: bytes = b"") -> bytes:
    bits = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", bits) + before + idat + png_chunk(b"IEND", b"")


def _flat_rows(width: int, height: int, channels: int) -> bytes:
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * (width * channels)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return b"".join(parts)


@lru_cache(maxsize=8)
def png_with_chunks(count: int, kind: bytes = b"prVt", *, idat_split: int | None = None) -> bytes:
    """A 64 x 64 PNG with ``count`` empty ``kind`` chunks before its image data.

    With ``idat_split``, the image data is cut into chunks of that many bytes instead.
    """
    compressed = _flat_rows(64, 64, 3)
    if idat_split:
        idat = b"".join(
            png_chunk(b"IDAT", compressed[i : i + idat_split])
            for i in range(0, len(compressed), idat_split)
        )
    else:
        idat = png_chunk(b"IDAT", compressed)
    return _png(64, 64, 2, idat, before=png_chunk(kind, b"") * count)


@lru_cache(maxsize=4)
def flat_png(width: int, height: int, *, alpha: bool = True) -> bytes:
    """A flat RGBA (or RGB) PNG: tiny on disk, ``width * height * 4`` bytes once decoded."""
    channels = 4 if alpha else 3
    return _png(
        width, height, 6 if alpha else 2, png_chunk(b"IDAT", _flat_rows(width, height, channels))
    )


def apng(frames: int, side: int = 32) -> bytes:
    """An animated PNG with ``frames`` frames (Pillow writes them)."""
    images = [Image.new("RGBA", (side, side), (i % 256, 0, 0, 255)) for i in range(frames)]
    return _save(images[0], "PNG", save_all=True, append_images=images[1:])


# GIF ----------------------------------------------------------------------------------------


def _small_gif() -> bytes:
    return _save(Image.new("P", (64, 64), 3), "GIF")


def gif_with_comments(count: int, *, after_first_frame: bool = False) -> bytes:
    """A 64 x 64 GIF with ``count`` one-byte comment extensions before (or after) its frame."""
    data = _small_gif()
    extensions = b"\x21\xfe\x01a\x00" * count
    at = len(data) - 1 if after_first_frame else data.index(b"\x2c", 13)
    return data[:at] + extensions + data[at:]


def gif_with_sub_blocks(count: int) -> bytes:
    """A 64 x 64 GIF with one application extension of ``count`` one-byte sub-blocks."""
    data = _small_gif()
    at = data.index(b"\x2c", 13)
    return data[:at] + b"\x21\xff\x0bNETSCAPE2.0" + b"\x01x" * count + b"\x00" + data[at:]


def gif_with_frames(count: int) -> bytes:
    """A 64 x 64 GIF whose one frame is repeated ``count`` times."""
    data = _small_gif()
    at = data.index(b"\x2c", 13)
    frame = data[at:-1]
    return data[:-1] + frame * (count - 1) + data[-1:]


# WebP ---------------------------------------------------------------------------------------


def webp_with_frames(count: int) -> bytes:
    """An animated WebP whose last frame is repeated until it has ``count`` frames."""
    images = [Image.new("RGB", (16, 16), (i * 40, 0, 0)) for i in range(3)]
    data = _save(images[0], "WEBP", save_all=True, append_images=images[1:], lossless=True)
    offset, frames = 12, []
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        end = offset + 8 + size + (size & 1)
        if data[offset : offset + 4] == b"ANMF":
            frames.append((offset, end))
        offset = end
    start, end = frames[-1]
    body = data[12:end] + data[start:end] * max(count - len(frames), 0) + data[end:]
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


# The corpus ---------------------------------------------------------------------------------


def _gif_of_side(side: int) -> bytes:
    return _save(Image.new("P", (side, side), 3), "GIF")


def _grey_png(side: int) -> bytes:
    return _png(side, side, 0, png_chunk(b"IDAT", _flat_rows(side, side, 1)))


def refused_files() -> dict[str, tuple[bytes, str]]:
    """Valid files whose cost is out of bounds: name -> (bytes, a fragment of the error)."""
    from tests.unit_tests.images.image_corpus import (
        gif_claiming,
        jpeg_claiming,
        png_bomb,
        png_claiming,
        webp_claiming,
    )

    return {
        "jpeg-51-scans": (progressive_jpeg(256, 51), "more than 50 scans"),
        "jpeg-10000-empty-scans-4000px": (progressive_jpeg(4000, 10_000), "more than 50 scans"),
        "jpeg-grey-500-scans": (progressive_jpeg(512, 500, colour=False), "more than 50 scans"),
        "jpeg-10001-markers": (jpeg_with_markers(10_001), "more than 10,000 markers"),
        "jpeg-10001-fill-bytes": (jpeg_with_fill_bytes(10_001), "more than 10,000 markers"),
        "jpeg-progressive-claims-8000px": (jpeg_claiming_progressive(8000, 8000), "MiB"),
        "jpeg-progressive-claims-5000px": (jpeg_claiming_progressive(5000, 5000), "MiB"),
        "jpeg-claims-65000px": (jpeg_claiming(65_000, 65_000), "decompression bomb"),
        "png-10001-private-chunks": (png_with_chunks(10_001), "more than 10,000 chunks"),
        "png-10001-text-chunks": (png_with_chunks(10_001, b"tEXt"), "more than 10,000 chunks"),
        "png-10001-empty-idat": (png_with_chunks(10_001, b"IDAT"), "more than 10,000 chunks"),
        "png-100000-chunks": (png_with_chunks(100_000), "more than 10,000 chunks"),
        "png-rgba-8000px": (flat_png(8000, 8000), "MiB"),
        "png-rgb-5000px": (flat_png(5000, 5000, alpha=False), "MiB"),
        "png-bomb-30000px": (png_bomb(), "decompression bomb"),
        "png-claims-100000px": (png_claiming(100_000, 100_000), "decompression bomb"),
        "gif-10001-comments": (gif_with_comments(10_001), "more than 10,000 extension blocks"),
        "gif-comments-after-frame": (
            gif_with_comments(10_001, after_first_frame=True),
            "more than 10,000 extension blocks",
        ),
        "gif-20000-sub-blocks": (gif_with_sub_blocks(20_000), "more than 10,000 extension"),
        "gif-8000px": (_gif_of_side(8000), "MiB"),
        "gif-claims-60000px": (gif_claiming(60_000, 60_000), "decompression bomb"),
        "webp-10001-frames": (webp_with_frames(10_001), "more than 10,000 chunks"),
        "webp-claims-16000px": (webp_claiming(16_000, 16_000), "decompression bomb"),
    }


def within_limit_files() -> dict[str, bytes]:
    """The costliest files the limits let through, one per kind of cost."""
    return {
        "jpeg-progressive-50-scans-4000px": progressive_jpeg(4000, 50),
        "jpeg-progressive-grey-50-scans-5700px": progressive_jpeg(5700, 50, colour=False),
        "jpeg-9999-markers": jpeg_with_markers(9_990),
        "png-9990-chunks": png_with_chunks(9_990),
        "png-rgba-4096px": flat_png(4096, 4096),
        "png-grey-8000px": _grey_png(8000),
        "gif-4990-comments": gif_with_comments(4_990),
        "gif-100000-frames": gif_with_frames(100_000),
        "gif-3660px": _gif_of_side(3660),
        "webp-9990-frames": webp_with_frames(9_990),
        "webp-photo-2000px": _webp_photo(2000, 2000),
    }


def _webp_photo(width: int, height: int) -> bytes:
    from tests.unit_tests.images.image_corpus import photo_like_image

    return _save(photo_like_image(width, height), "WEBP", quality=80)
