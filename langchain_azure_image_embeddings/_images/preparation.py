"""From an image source to the data URL that is sent: safe decoding, fitted to the model.

The pipeline, in order:

1. The source is read under the :class:`~.image_sources.ImagePolicy`, capped at
   ``max_source_bytes`` before anything is decoded.
2. The real format is sniffed from the bytes (never from a file name or a
   declared MIME type) and must be in ``allowed_formats``; only that one
   Pillow decoder may parse the bytes (``Image.open(fp, formats=[...])``).
3. The file's structure is walked (:mod:`.image_structure`): a JPEG with more
   scans or markers, a PNG with more chunks, a GIF with more blocks or a
   WebP with more chunks than real encoders write is refused (each costs
   decoding time of its own). The pixel count is read from the header and
   checked against ``max_decode_pixels`` before Pillow parses anything, and
   again from Pillow's header parse before any pixel is decoded
   (decompression bombs; Pillow's own ``DecompressionBombError`` is caught
   too, and the limit never exceeds Pillow's ``MAX_IMAGE_PIXELS``, so no
   image that would only draw Pillow's ``DecompressionBombWarning`` is
   decoded).
4. Only the first frame of an animation is used.
5. A JPEG larger than the pixel budget is decoded at a reduced scale (DCT
   scaling, ``draft``), which is what makes a 12 MP photo cheap. The memory
   the decode takes (the decoded pixels at that scale, a progressive JPEG's
   full-size coefficient buffer, WebP's canvases) is estimated and checked
   against ``max_decode_bytes`` before decoding.
6. The image is decoded in full (a truncated file fails here), the EXIF
   orientation is applied, the colour mode is normalised (CMYK to RGB, 16-bit
   to 8-bit, palette to RGB or RGBA), and the image is resized to the pixel
   budget, aspect ratio kept.
7. Re-encoding happens only when needed: bytes that already fit every limit,
   in a format the models take (PNG, JPEG, WEBP, GIF), with a plain colour
   mode, no EXIF rotation and a single frame, are sent byte for byte.
   Otherwise images with real transparency, and palette/line-art images, are
   sent as PNG when the PNG fits ``max_image_bytes``; everything else (photos)
   as JPEG, with transparency flattened onto white, at ``jpeg_quality`` and
   then lower qualities and sizes, step by step, until it fits.

Only :class:`ImageInputError` leaves :func:`prepare_image`, whatever the bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from langchain_azure_image_embeddings._images.sources import (
    ImagePolicy,
    ImageSource,
    read_image_source,
)
from langchain_azure_image_embeddings._images.structure import (
    Structure,
    coefficient_bytes,
    inspect_structure,
)
from langchain_azure_image_embeddings.errors import ImageInputError

__all__ = ["ImageLimits", "PreparedImage", "prepare_image", "sniff_image_format"]

_MIME_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# Colour modes sent byte for byte: what every decoder reads the same way.
_PLAIN_MODES = {
    "JPEG": frozenset({"L", "RGB"}),
    "PNG": frozenset({"1", "L", "LA", "P", "RGB", "RGBA"}),
    "GIF": frozenset({"L", "P"}),
    "WEBP": frozenset({"RGB", "RGBA"}),
}
_GRAPHIC_MODES = frozenset({"1", "P", "PA"})
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
_ORIENTATION_TAG = 0x0112
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})
# Bytes per pixel at full size while an image of each mode is prepared: Pillow's decoded
# image (RGB is stored in 32 bits) plus the full-size copy _normalise_mode makes before
# resizing (palette to RGB or RGBA, 16-bit to 8-bit, CMYK to RGB ...).
_PREPARATION_BYTES_PER_PIXEL = {
    "1": 2,
    "L": 1,
    "P": 5,
    "LA": 4,
    "RGB": 4,
    "RGBA": 4,
    "I;16": 7,
    "I;16B": 7,
    "I;16L": 7,
    "I;16N": 7,
    "I": 5,
    "F": 5,
}
_OTHER_MODE_BYTES_PER_PIXEL = 8  # CMYK, YCbCr, PA, La ...: 4 bytes, and a 4-byte copy
_DECODE_BYTES_PER_BUDGET_PIXEL = 16
_MIN_DECODE_BYTES = 64 * 2**20
# Bytes per pixel the decoder itself keeps besides Pillow's image: libwebp's animation
# decoder (Pillow's WebP reader) holds two RGBA canvases and hands over a third (measured:
# 192 MB at the peak for a 12 MP WebP, 16 bytes a pixel).
_DECODER_BYTES_PER_PIXEL = {"WEBP": 12}
_WHITE = (255, 255, 255)
_MIN_JPEG_QUALITY = 40
_SHRINK_STEP = 0.75
_MAX_SHRINKS = 10


@dataclass(frozen=True)
class ImageLimits:
    """What an image sent to the model may be, and what may be decoded at all.

    Args:
        max_image_bytes: The most bytes of image data sent (before base64).
            Cohere embed v3 takes up to 5 MiB; the default leaves a margin.
        max_pixels: The pixel budget: larger images are downscaled to fit
            it, aspect ratio kept. A JPEG is decoded at 1/2, 1/4 or 1/8 scale
            (DCT scaling) when that fits the budget and keeps at least half
            of it, and sent at that size without resampling. The default,
            3,145,728 (2048 x 1536), lets 12 MP and 48 MP photos and 4K
            frames reach it by DCT scaling alone, the cheapest way; embed-v-4-0
            downsamples anything above 2,458,624 pixels itself.
        max_decode_pixels: Images claiming more pixels are refused before
            anything is decoded (decompression bombs).
        max_decode_bytes: The memory decoding one image may take: Pillow's
            decoded image (at the reduced scale for a JPEG), the decoder's
            own buffers (a progressive JPEG keeps every DCT coefficient of
            the full-size image, 3 to 6 bytes per pixel) and, for WebP, the
            decoder's canvases. An image that would take more is refused
            before decoding. ``None`` (the default): 16 bytes per pixel of
            ``max_pixels`` and at least 64 MiB, so 64 MiB at the default
            budget: a 16 MP RGB or RGBA PNG, a 64 MP greyscale PNG, a 13 MP
            GIF, a 4 MP WebP, a progressive 4:2:0 JPEG of about 4000 x 4000,
            any baseline JPEG within ``max_decode_pixels`` (decoded at a
            reduced scale).
        allowed_formats: The formats that may be decoded, a subset of PNG,
            JPEG, WEBP and GIF (Pillow format names).
        jpeg_quality: The JPEG quality tried first when re-encoding.
    """

    max_image_bytes: int = 5 * 1024 * 1024 - 64 * 1024
    max_pixels: int = 3_145_728
    max_decode_pixels: int = 64_000_000
    max_decode_bytes: int | None = None
    allowed_formats: frozenset[str] = frozenset({"PNG", "JPEG", "WEBP", "GIF"})
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        formats = frozenset(name.upper() for name in self.allowed_formats)
        unknown = formats - set(_MIME_TYPES)
        if unknown:
            raise ValueError(
                f"allowed_formats may only contain {sorted(_MIME_TYPES)}, not {sorted(unknown)}"
            )
        object.__setattr__(self, "allowed_formats", formats)
        for name in ("max_image_bytes", "max_pixels", "max_decode_pixels"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_decode_bytes is not None and self.max_decode_bytes <= 0:
            raise ValueError("max_decode_bytes must be positive")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError("jpeg_quality must be between 1 and 100")

    @property
    def decode_memory_budget(self) -> int:
        """``max_decode_bytes``, or the default derived from ``max_pixels``."""
        if self.max_decode_bytes is not None:
            return self.max_decode_bytes
        return max(_DECODE_BYTES_PER_BUDGET_PIXEL * self.max_pixels, _MIN_DECODE_BYTES)


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to send.

    Attributes:
        data_url: ``data:<mime>;base64,<data>``, the value sent as ``image``.
        mime_type: The real media type of the bytes sent.
        width: The width in pixels of the image sent.
        height: The height in pixels of the image sent.
        byte_size: The number of image bytes sent (before base64).
        sha256: The SHA-256 of the bytes sent, in hex.
        reencoded: ``False`` when the bytes are exactly the ones given.
    """

    data_url: str
    mime_type: str
    width: int
    height: int
    byte_size: int
    sha256: str
    reencoded: bool


def prepare_image(source: object, *, policy: ImagePolicy, limits: ImageLimits) -> PreparedImage:
    """Read an image input and turn it into the data URL to send.

    Args:
        source: One image input in any accepted form (see
            :mod:`.image_sources`), or an :class:`~.image_sources.ImageSource`
            already read under ``policy``.
        policy: Which sources may be read.
        limits: What may be decoded and what may be sent.

    Returns:
        The prepared image.

    Raises:
        ImageInputError: The source is not allowed or unreadable, the bytes
            are not an allowed image, the image is corrupt, truncated or too
            large to decode, or it cannot be made to fit the limits.
    """
    read = source if isinstance(source, ImageSource) else read_image_source(source, policy)
    try:
        if read.image is not None:
            data = _undecoded_file_bytes(read.image, policy.max_source_bytes, limits)
            if data is not None:  # opened, not yet decoded: bounded as the file's bytes are
                return _prepare_bytes(data, limits)
            return _prepare_pil_image(read.image, limits)
        return _prepare_bytes(read.data or b"", limits)
    except ImageInputError as error:
        raise ImageInputError(error.reason, source=read.description) from error.__cause__
    except Exception as exc:  # any decoder failure becomes one typed error
        raise ImageInputError(_decode_failure(exc), source=read.description) from exc


def sniff_image_format(data: bytes) -> str | None:
    """Name the format of ``data`` from its first bytes.

    Args:
        data: The start of a file (16 bytes are enough for images; up to 512
            are looked at to recognise text formats).

    Returns:
        A Pillow format name (``"PNG"``, ``"JPEG"``, ``"GIF"``, ``"WEBP"``,
        ``"BMP"``, ``"TIFF"`` ...) or a description of a non-image format
        (``"PDF"``, ``"SVG"``, ``"HTML"``, ``"text"`` ...), or ``None`` when
        nothing is recognised.
    """
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "AVIF" if brand.startswith(b"avi") else "HEIF or MP4"
    return _sniff_text(data[:512])


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"%PDF-", "PDF"),
    (b"%!PS", "PostScript/EPS"),
    (b"\xc5\xd0\xd3\xc6", "PostScript/EPS"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"SIMPLE  =", "FITS"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
)


def _sniff_text(head: bytes) -> str | None:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end
            return None
        text = head[: exc.start].decode("utf-8")
    if any(ord(char) < 0x20 and char not in "\t\n\r\f" for char in text):
        return None
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if "<svg" in lowered:
        return "SVG"
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered:
        return "HTML"
    if lowered.startswith("<?xml"):
        return "XML"
    return "text" if text else None


# Decoding -----------------------------------------------------------------------------------


def _prepare_bytes(data: bytes, limits: ImageLimits) -> PreparedImage:
    if not data:
        raise ImageInputError("empty: 0 bytes of image data")
    image_format = _allowed_format(data, limits)
    structure = inspect_structure(image_format, data)
    image = _open_within_decode_limit(data, image_format, structure, limits)
    full_size = image.size
    animated = bool(getattr(image, "is_animated", False))
    target = _fit(full_size, limits.max_pixels)
    if image_format == "JPEG" and target != full_size:
        # DCT scaling: decode at 1/2, 1/4 or 1/8 size; when that size fits the budget, it is
        # the size sent (no resampling).
        image.draft("RGB", _dct_scaled_size(full_size, limits.max_pixels) or target)
        target = _fit(image.size, limits.max_pixels)
    _check_decode_memory(image, image_format, structure, limits)
    image.load()
    orientation = _orientation(image)
    as_given = not animated and orientation in (None, 1) and target == full_size
    if as_given and _plain_and_small(data, image_format, image.mode, limits):
        return _prepared(data, image_format, full_size, reencoded=False)
    graphic = image_format == "GIF" or image.mode in _GRAPHIC_MODES
    return _reencode(image, target, orientation, limits, graphic=graphic)


def _open_within_decode_limit(
    data: bytes, image_format: str, structure: Structure, limits: ImageLimits
) -> Image.Image:
    """Open with the one allowed decoder, checking the pixel count before and after parsing.

    ``structure`` (the file's walk, which already refused too many scans,
    chunks or blocks) gives the size claimed before Pillow parses anything.
    """
    if structure.size is not None:
        _check_decode_pixels(structure.size, limits)
    image = Image.open(io.BytesIO(data), formats=[image_format])
    _check_decode_pixels(image.size, limits)
    return image


def _plain_and_small(data: bytes, image_format: str, mode: str, limits: ImageLimits) -> bool:
    """Whether the bytes can be sent as given: small enough, and a mode every decoder reads."""
    return (
        len(data) <= limits.max_image_bytes
        and mode in _PLAIN_MODES[image_format]
        and not (image_format == "PNG" and data[24:25] == b"\x10")  # 16 bits per sample
    )


def _undecoded_file_bytes(image: Image.Image, cap: int, limits: ImageLimits) -> bytes | None:
    """The file behind a PIL image opened but not yet decoded, or ``None``.

    ``Image.open(upload)`` only parses a header: decoding it here would skip the
    structure and memory bounds (and DCT scaling) that its bytes get. So the bytes
    of such an image, in an allowed format and at its first frame, are read
    (from the start, as Pillow does, the file's position restored) and prepared
    as bytes. The caller's image is left as it was.
    """
    if not _undecoded(image) or image.format not in limits.allowed_formats:
        return None
    file = getattr(image, "fp", None)
    try:
        if file is None or image.tell() != 0:
            return None
        position = file.tell()
        file.seek(0)
        data = file.read(cap + 1)
        file.seek(position)
    except (OSError, ValueError, AttributeError):  # closed, unseekable: decode it as it is
        return None
    if not isinstance(data, bytes):
        return None
    if len(data) > cap:
        raise ImageInputError(f"the image's file is more than max_source_bytes ({cap:,}) bytes")
    return data


def _undecoded(image: Image.Image) -> bool:
    """Whether a PIL image was opened from a file and not decoded yet (WebP has no tiles)."""
    return getattr(image, "_im", True) is None or bool(getattr(image, "tile", None))


def _prepare_pil_image(image: Image.Image, limits: ImageLimits) -> PreparedImage:
    _check_decode_pixels(image.size, limits)
    if _undecoded(image) and image.format not in limits.allowed_formats:
        # Decoding it would run a decoder the package does not allow (TIFF, BMP, EPS...).
        allowed = ", ".join(sorted(limits.allowed_formats))
        raise ImageInputError(
            f"the PIL image was opened from a {image.format or 'unknown'} file and not decoded "
            f"yet; only {allowed} files are decoded here: decode it yourself (image.load()) "
            "or pass a file in an allowed format"
        )
    if _undecoded(image):  # opened, not decoded: bound what decoding takes
        _check_decode_memory(image, image.format or "", Structure(size=None), limits)
    image.load()
    target = _fit(image.size, limits.max_pixels)
    graphic = image.mode in _GRAPHIC_MODES
    return _reencode(image, target, _orientation(image), limits, graphic=graphic)


def _allowed_format(data: bytes, limits: ImageLimits) -> str:
    sniffed = sniff_image_format(data)
    if sniffed is not None and sniffed in limits.allowed_formats:
        return sniffed
    allowed = ", ".join(sorted(limits.allowed_formats))
    if sniffed is None:
        found = "the bytes are not a recognised image format"
    elif sniffed in _MIME_TYPES:
        found = f"the bytes are a {sniffed} image, which allowed_formats excludes"
    else:
        found = (
            f"the bytes are {_KIND_PHRASES.get(sniffed, sniffed + ' data')}, not an allowed image"
        )
    raise ImageInputError(f"{found}; accepted formats: {allowed}")


_KIND_PHRASES = {
    "text": "plain text",
    "SVG": "an SVG document (vector images are not accepted)",
    "HTML": "an HTML document",
    "XML": "an XML document",
    "PDF": "a PDF document",
}


def _check_decode_pixels(size: tuple[int, int], limits: ImageLimits) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageInputError(f"the image claims a size of {width} x {height} pixels")
    limit = limits.max_decode_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    if width * height > limit:
        raise ImageInputError(
            f"the image claims {width:,} x {height:,} = {width * height:,} pixels, more than the "
            f"{limit:,} that may be decoded (max_decode_pixels); refused as a possible "
            "decompression bomb"
        )


def _check_decode_memory(
    image: Image.Image, image_format: str, structure: Structure, limits: ImageLimits
) -> None:
    """Refuse, before decoding, an image whose decoding would take more than the memory budget.

    ``image`` is opened but not loaded: its size is the size it decodes to
    (after ``draft`` for a JPEG) and its mode says how many bytes Pillow
    keeps per pixel, and what converting it before resizing adds.
    """
    width, height = image.size
    per_pixel = _PREPARATION_BYTES_PER_PIXEL.get(image.mode, _OTHER_MODE_BYTES_PER_PIXEL)
    per_pixel += _DECODER_BYTES_PER_PIXEL.get(image_format, 0)
    needed = width * height * per_pixel + coefficient_bytes(structure)
    budget = limits.decode_memory_budget
    if needed > budget:
        kind = "progressive JPEG" if structure.progressive else f"{image_format} image"
        width, height = structure.size or image.size
        raise ImageInputError(
            f"decoding this {width:,} x {height:,} {kind} would take about {needed / 2**20:,.0f} "
            f"MiB, more than the {budget / 2**20:,.0f} MiB allowed; refused before decoding. Send "
            "a smaller image or a baseline (non-progressive) JPEG, or raise the budget with "
            "max_decode_bytes (by default 16 bytes per pixel of max_image_pixels, at least 64 MiB)"
        )


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation (1-8), or ``None``; unreadable EXIF counts as none."""
    try:
        value = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # corrupt EXIF is ignored, not fatal
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _fit(size: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    """The largest size within ``max_pixels`` with the same aspect ratio (never upscaled)."""
    width, height = size
    if width * height <= max_pixels:
        return size
    scale = math.sqrt(max_pixels / (width * height))
    new_width, new_height = max(1, int(width * scale)), max(1, int(height * scale))
    while new_width * new_height > max_pixels:
        if new_width >= new_height:
            new_width -= 1
        else:
            new_height -= 1
    return new_width, new_height


def _dct_scaled_size(size: tuple[int, int], max_pixels: int) -> tuple[int, int] | None:
    """The size to ask a JPEG's DCT scaling for, when it makes resampling unnecessary.

    That is the largest 1/2, 1/4 or 1/8 scale within ``max_pixels``, provided
    it keeps at least half of them (otherwise a larger scale and a resample
    keep more detail). Returns ``None`` when no scale qualifies.
    """
    width, height = size
    for scale in (2, 4, 8):
        # libjpeg rounds scaled sizes up; Pillow picks the scale from the floor.
        pixels = -(-width // scale) * -(-height // scale)
        if pixels <= max_pixels:
            if 2 * pixels >= max_pixels and min(width, height) >= scale:
                return width // scale, height // scale
            return None
    return None


def _decode_failure(exc: Exception) -> str:
    message = str(exc)
    if isinstance(exc, Image.DecompressionBombError):
        return "refused as a possible decompression bomb (too many pixels)"
    if "truncated" in message.lower() or isinstance(exc, EOFError):
        return "the image data is truncated (the file is incomplete)"
    if isinstance(exc, MemoryError):
        return "not enough memory to decode the image"
    if isinstance(exc, UnidentifiedImageError):
        return "the image header is corrupt (the decoder could not parse it)"
    printable = message.encode("ascii", "backslashreplace").decode("ascii")
    printable = "".join(char if char.isprintable() else "?" for char in printable)[:100]
    return f"the image data is corrupt or unsupported ({type(exc).__name__}: {printable})"


# Re-encoding --------------------------------------------------------------------------------


def _reencode(
    image: Image.Image,
    target: tuple[int, int],
    orientation: int | None,
    limits: ImageLimits,
    *,
    graphic: bool,
) -> PreparedImage:
    if orientation not in (None, 1):
        image = ImageOps.exif_transpose(image)
        if orientation in _SWAPPING_ORIENTATIONS:
            target = (target[1], target[0])
    image = _normalise_mode(image)
    image = _resize(image, target)
    data, image_format, size = _encode(image, limits, graphic=graphic)
    return _prepared(data, image_format, size, reencoded=True)


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Convert to L, LA, RGB or RGBA (what resizing and encoding need)."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode in _SIXTEEN_BIT_MODES:
        return image.point(_sixteen_to_eight_bits).convert("L")
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode == "La":
        return image.convert("LA")
    if mode == "F":
        return image.convert("L")
    return image.convert("RGBA" if "A" in image.getbands() or "a" in mode else "RGB")


def _sixteen_to_eight_bits(value: float) -> float:
    return value / 256


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize with a good filter: Hamming for mild factors (after JPEG draft), else Lanczos."""
    if image.size == size:
        return image
    factor = size[0] / image.size[0]
    if factor >= 0.5:
        return image.resize(size, Image.Resampling.HAMMING)
    # Box-reduce by a whole factor first, then Lanczos over less than 2x: half the CPU of
    # a Lanczos over the full image for a large PNG, and the same look to the model.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def _encode(
    image: Image.Image, limits: ImageLimits, *, graphic: bool
) -> tuple[bytes, str, tuple[int, int]]:
    """PNG for transparency and graphics when it fits; otherwise JPEG within the byte limit."""
    alpha = image.mode in ("LA", "RGBA") and _has_transparency(image)
    if alpha or graphic:
        data = _save(image, "PNG")
        if len(data) <= limits.max_image_bytes:
            return data, "PNG", image.size
    return _encode_jpeg(_flatten(image, alpha), limits)


def _has_transparency(image: Image.Image) -> bool:
    lowest = image.getchannel("A").getextrema()[0]
    return isinstance(lowest, (int, float)) and lowest < 255


def _flatten(image: Image.Image, transparent: bool) -> Image.Image:
    """Drop the alpha channel, compositing onto white (JPEG has no transparency).

    A fully opaque alpha channel is simply dropped: compositing would give the
    same pixels, nine times slower.
    """
    if image.mode not in ("LA", "RGBA"):
        return image
    colour_mode = "L" if image.mode == "LA" else "RGB"
    if not transparent:
        return image.convert(colour_mode)
    background = Image.new(colour_mode, image.size, _WHITE[0] if colour_mode == "L" else _WHITE)
    background.paste(image.convert(colour_mode), mask=image.getchannel("A"))
    return background


def _encode_jpeg(image: Image.Image, limits: ImageLimits) -> tuple[bytes, str, tuple[int, int]]:
    for candidate in _shrinking(image):
        for quality in _qualities(limits.jpeg_quality):
            data = _save(candidate, "JPEG", quality=quality)
            if len(data) <= limits.max_image_bytes:
                return data, "JPEG", candidate.size
    raise ImageInputError(
        f"the image cannot be made smaller than max_image_bytes ({limits.max_image_bytes:,})"
    )


def _shrinking(image: Image.Image) -> Iterator[Image.Image]:
    yield image
    width, height = image.size
    for step in range(1, _MAX_SHRINKS + 1):
        scale = _SHRINK_STEP**step
        yield _resize(image, (max(1, int(width * scale)), max(1, int(height * scale))))


def _qualities(first: int) -> list[int]:
    lower = range(first - first % 10, _MIN_JPEG_QUALITY - 1, -10)
    return [first, *(quality for quality in lower if quality < first)]


def _save(image: Image.Image, image_format: str, **options: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _prepared(
    data: bytes, image_format: str, size: tuple[int, int], *, reencoded: bool
) -> PreparedImage:
    mime_type = _MIME_TYPES[image_format]
    return PreparedImage(
        data_url=f"data:{mime_type};base64,{base64.b64encode(data).decode('ascii')}",
        mime_type=mime_type,
        width=size[0],
        height=size[1],
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        reencoded=reencoded,
    )
