"""Images made on the spot for the image-input tests and the preparation benchmark.

Everything is generated with Pillow (or written chunk by chunk where Pillow
would refuse to write it), so no file is shipped and every case is reproducible.
"""

from __future__ import annotations

import base64
import io
import random
import struct
import zlib
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

from langchain_azure_image_embeddings._images.preparation import PreparedImage

# --- well-formed images --------------------------------------------------------------------------


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    """``image`` saved in ``image_format`` to bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def two_tone(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    """An RGB image whose top half is ``top`` and bottom half ``bottom``."""
    image = Image.new("RGB", size, top)
    image.paste(bottom, (0, size[1] // 2, size[0], size[1]))
    return image


def photo_like_image(
    width: int = 4000, height: int = 3000, seed: int = 0, noise: float = 4.0
) -> Image.Image:
    """Smooth gradients, shapes and sensor-like noise: compresses like a photograph."""
    rnd = random.Random(seed)
    ramp = Image.linear_gradient("L")
    channels = (
        ramp.resize((width, height)),
        ramp.rotate(90).resize((width, height)),
        Image.radial_gradient("L").resize((width, height)),
    )
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rnd.randrange(width), rnd.randrange(height)
        side = rnd.randrange(max(2, width // 20), max(3, width // 4))
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse((x, y, x + side, y + int(side * rnd.uniform(0.5, 1.5))), fill=colour)
    grain = Image.effect_noise((width, height), noise).convert("RGB")
    return ImageChops.add(image, grain, scale=1.0, offset=-128)


@lru_cache(maxsize=4)  # made once per test session, shared by every test that needs it
def photo_like_jpeg(
    width: int = 4000, height: int = 3000, quality: int = 90, seed: int = 0
) -> bytes:
    """A photo-like JPEG; 4000 x 3000 at quality 90 is about 2.5 MB."""
    return encode(photo_like_image(width, height, seed), "JPEG", quality=quality)


@lru_cache(maxsize=2)
def noise_png(min_bytes: int = 20 * 1024 * 1024, seed: int = 0) -> bytes:
    """An RGB PNG of random noise of at least ``min_bytes`` (noise does not compress)."""
    side = int((min_bytes / 3) ** 0.5) + 8
    pixels = random.Random(seed).randbytes(side * side * 3)
    return encode(Image.frombytes("RGB", (side, side), pixels), "PNG", compress_level=0)


def animated_gif(
    colours: Sequence[tuple[int, int, int]], size: tuple[int, int] = (32, 24)
) -> bytes:
    """An animated GIF with one flat frame per colour."""
    frames = [Image.new("RGB", size, colour) for colour in colours]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def cmyk_jpeg(size: tuple[int, int] = (48, 32)) -> bytes:
    """A CMYK JPEG: pure cyan."""
    return encode(Image.new("CMYK", size, (255, 0, 0, 0)), "JPEG", quality=95)


def gray16_png(values: Sequence[int], size: tuple[int, int] = (4, 1)) -> bytes:
    """A 16-bit greyscale PNG with the given pixel values (row-major)."""
    image = Image.new("I;16", size)
    image.putdata(list(values))
    return encode(image, "PNG")


def rgb16_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A 16-bit-per-channel RGB PNG (written by hand: Pillow does not write it)."""
    pixel = struct.pack(">HHH", *colour)
    raw = (b"\x00" + pixel * width) * height
    return png_file(width, height, bit_depth=16, colour_type=2, idat=zlib.compress(raw))


def palette_png_with_transparency(size: tuple[int, int] = (20, 10)) -> bytes:
    """A palette PNG: left half transparent (index 0), right half opaque red (index 1)."""
    image = Image.new("P", size, 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * (256 - 2) * 3)
    image.paste(1, (size[0] // 2, 0, size[0], size[1]))
    return encode(image, "PNG", transparency=0)


def oriented_jpeg(upright: Image.Image, orientation: int = 6) -> bytes:
    """A JPEG whose pixels are stored rotated, with the EXIF orientation that puts them upright.

    Only orientation 6 ("rotate 90 degrees clockwise to view") is supported.
    """
    if orientation != 6:
        raise ValueError("only orientation 6 is supported")
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


# --- hand-written and broken files ---------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_file(width: int, height: int, *, bit_depth: int, colour_type: int, idat: bytes) -> bytes:
    """A PNG file from its header fields and compressed pixel data."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def png_bomb(side: int = 30_000) -> bytes:
    """A ``side`` x ``side`` 1-bit PNG of zeros: about 112 MB of pixels in ~110 KB."""
    row = b"\x00" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(compressor.compress(row * (side % 1000)))
    parts.append(compressor.flush())
    return png_file(side, side, bit_depth=1, colour_type=0, idat=b"".join(parts))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (the data is one row)."""
    return png_file(width, height, bit_depth=8, colour_type=2, idat=zlib.compress(b"\x00" * 16))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG with its start-of-frame dimensions rewritten."""
    data = bytearray(encode(Image.new("RGB", (8, 8), "gray"), "JPEG"))
    offset = 2
    while data[offset + 1] not in (0xC0, 0xC1, 0xC2):
        offset += 2 + struct.unpack(">H", data[offset + 2 : offset + 4])[0]
    data[offset + 5 : offset + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    """A small real GIF whose logical screen and frame claim ``width`` x ``height``."""
    data = bytearray(encode(Image.new("P", (4, 4), 0), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    descriptor = data.index(b"\x2c", 13)
    data[descriptor + 5 : descriptor + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    """A WebP container with an extended header (VP8X) claiming ``width`` x ``height``."""
    vp8x = (
        b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    """The first ``keep`` share of ``data``."""
    return data[: int(len(data) * keep)]


NOT_IMAGES: dict[str, bytes] = {
    "notes.png": b"Just some notes, not a picture.\n",
    "page.jpg": b"<!DOCTYPE html><html><body><img src=x></body></html>",
    "logo.png": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9"/>',
    "scan.jpeg": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n",
}
"""Text, HTML, SVG and PDF bytes under image file names."""


# --- reading back what is sent -------------------------------------------------------------------


def sent_bytes(prepared: PreparedImage) -> bytes:
    """The image bytes inside a prepared data URL."""
    header, _, payload = prepared.data_url.partition(",")
    assert header == f"data:{prepared.mime_type};base64"
    return base64.b64decode(payload, validate=True)


def sent_image(prepared: PreparedImage) -> Image.Image:
    """The image that is sent, decoded."""
    image = Image.open(io.BytesIO(sent_bytes(prepared)))
    image.load()
    return image
