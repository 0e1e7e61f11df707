"""Image data URLs and defensive image decoding, as the emulated service does them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from collections.abc import Collection
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_PIXELS = 50_000_000
"""Images with more pixels are refused before their pixels are decoded."""

THUMBNAIL_DRAFT = (64, 64)
"""JPEG images are decoded at the smallest DCT scale that keeps at least this size."""

_DATA_URL = re.compile(
    r"data:(?P<mime>image/[A-Za-z0-9.+-]+);base64,(?P<data>.*)", re.IGNORECASE | re.DOTALL
)


class ImageError(ValueError):
    """An image reference or image payload that the service refuses."""


@dataclass(frozen=True)
class DataUrl:
    """A parsed `data:image/...;base64,...` URL.

    Attributes:
        mime: The declared MIME type, lower-cased (e.g. `image/png`).
        data: The base64-decoded bytes.
    """

    mime: str
    data: bytes


@dataclass(frozen=True)
class DecodedImage:
    """An image decoded for embedding.

    Attributes:
        format: The format sniffed from the bytes, lower-case Pillow name (`png`, `jpeg`, ...).
        width: Width stored in the file, before EXIF orientation.
        height: Height stored in the file, before EXIF orientation.
        rgb: The pixels, EXIF orientation applied, alpha flattened on white, mode `RGB`.
            JPEG images may be decoded at a reduced scale (see `THUMBNAIL_DRAFT`).
    """

    format: str
    width: int
    height: int
    rgb: Image.Image


def parse_data_url(url: str) -> DataUrl:
    """Split a `data:image/<type>;base64,<data>` URL and decode its payload.

    Args:
        url: The data URL.

    Returns:
        The declared MIME type and the decoded bytes.

    Raises:
        ImageError: Not an image data URL, or the payload is not strict standard base64.
    """
    match = _DATA_URL.fullmatch(url)
    if match is None:
        raise ImageError("image must be a data URL of the form 'data:image/{format};base64,{data}'")
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        raise ImageError("image data URL payload is not valid base64") from None
    return DataUrl(mime=match["mime"].lower(), data=data)


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def decode_image(data: bytes, formats: Collection[str]) -> DecodedImage:
    """Decode image bytes defensively: format allowlist, pixel cap, EXIF orientation.

    Args:
        data: The encoded image (PNG, JPEG, ...). GIF and animated images give their first frame.
        formats: Allowed Pillow format names, upper-case (e.g. `{"PNG", "JPEG"}`).

    Returns:
        The decoded image.

    Raises:
        ImageError: Not an image of an allowed format, too many pixels, or corrupt.
    """
    allowed = sorted(formats)
    try:
        image = Image.open(io.BytesIO(data), formats=allowed)
    except Exception:  # Pillow raises many exception types for bad input.
        names = ", ".join(allowed)
        raise ImageError(f"image is not a decodable image of an allowed format ({names})") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(f"image has {width}x{height} pixels, more than {MAX_PIXELS} allowed")
    image_format = (image.format or "").lower()
    try:
        if image_format == "jpeg":
            image.draft("RGB", THUMBNAIL_DRAFT)
        oriented = ImageOps.exif_transpose(image)
        rgb = _flatten_rgb(oriented)
    except Exception:  # A truncated or corrupt payload fails only when pixels are read.
        raise ImageError("image data is corrupt or truncated") from None
    return DecodedImage(format=image_format, width=width, height=height, rgb=rgb)


def _flatten_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    return image.convert("RGB")
