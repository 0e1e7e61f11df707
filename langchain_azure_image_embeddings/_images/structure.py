"""What decoding an image file will cost, read from its structure before any decoder runs.

Pillow's decoders spend time per structural unit, not only per byte or pixel:
libjpeg decodes every scan of a progressive JPEG over the whole image (10,000
empty scans in a 340 KB file cost seconds of CPU), and Pillow reads PNG
chunks and GIF extension blocks one by one in Python (a few microseconds
each, so millions of empty ones in a file under the byte cap cost many
seconds). This module walks a file's structure with cheap byte-level code,
counts those units and refuses a file that has more than any real encoder
writes, and reads what the memory estimate needs: the claimed size, the
colour layout, whether a JPEG is progressive (libjpeg then keeps every DCT
coefficient of the full-size image in memory, whatever the output scale).

Pure: bytes in, facts out, no Pillow. Every refusal is an
:class:`~.errors.ImageInputError`.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass

from langchain_azure_image_embeddings.errors import ImageInputError

__all__ = [
    "MAX_GIF_BLOCKS",
    "MAX_JPEG_SCANS",
    "MAX_JPEG_SEGMENTS",
    "MAX_PNG_CHUNKS",
    "MAX_WEBP_CHUNKS",
    "Structure",
    "coefficient_bytes",
    "inspect_structure",
]

MAX_JPEG_SCANS = 50
"""Most scans (SOS markers) in a JPEG: encoders write 1 to 4 (baseline) or about 10
(progressive; optimised scripts stay under 30)."""
MAX_JPEG_SEGMENTS = 10_000
"""Most markers (and fill bytes) outside entropy-coded data in a JPEG: real files have
a few dozen; Pillow reads the ones before the first scan one by one in Python."""
MAX_PNG_CHUNKS = 10_000
"""Most chunks in a PNG or APNG: a 50 MB PNG in libpng's 8 KiB IDAT chunks has 6,400."""
MAX_GIF_BLOCKS = 250_000
"""Most blocks and sub-blocks a GIF may hold up to its second frame: a 50 MB first
frame in the standard 255-byte sub-blocks has about 200,000."""
MAX_GIF_EXTENSION_BLOCKS = 10_000
"""Most extension blocks and extension sub-blocks (comments, application data, ...)
before the second frame; Pillow reads each in Python."""
MAX_WEBP_CHUNKS = 10_000
"""Most RIFF chunks (frames of an animation included) in a WebP file."""

_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD9)})
_JPEG_SOS = 0xDA
_JPEG_EOI = 0xD9
# Inside entropy-coded data 0xFF is followed by 0x00 (a stuffed byte) or a restart marker;
# anything else is the next marker. A run of 0xFF fill bytes ends at its last 0xFF.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_COEFFICIENT_BYTES_PER_BLOCK = 64 * 2  # 64 JCOEF (16-bit) values per 8x8 block
_PNG_SIGNATURE_BYTES = 8
_GIF_EXTENSION = 0x21
_GIF_IMAGE = 0x2C
_GIF_TRAILER = 0x3B


@dataclass(frozen=True)
class Structure:
    """What a file's structure says about decoding it.

    Attributes:
        size: The ``(width, height)`` the file claims, or ``None`` if not found.
        progressive: Whether the JPEG is progressive (or another multi-scan
            process that buffers every coefficient).
        jpeg_sampling: A JPEG's ``(horizontal, vertical)`` sampling factor of each
            component.
        animated: ``True`` when more than one frame was seen, ``False`` when the
            walk reached the end with one, ``None`` when not known.
        units: How many scans, chunks or blocks were counted.
    """

    size: tuple[int, int] | None
    progressive: bool = False
    jpeg_sampling: tuple[tuple[int, int], ...] = ()
    animated: bool | None = None
    units: int = 0


def inspect_structure(image_format: str, data: bytes) -> Structure:
    """Walk a file's structure, refusing one with more units than real encoders write.

    Args:
        image_format: The sniffed format (``"JPEG"``, ``"PNG"``, ``"GIF"``, ``"WEBP"``).
        data: The whole file.

    Returns:
        What the structure says (a file too damaged to walk gives what was
        read so far; the decoder then reports the damage).

    Raises:
        ImageInputError: The file has more scans, chunks or blocks than the
            limits allow (decoding it would cost CPU out of proportion to
            the image).
    """
    try:
        if image_format == "JPEG":
            return _jpeg(data)
        if image_format == "PNG":
            return _png(data)
        if image_format == "GIF":
            return _gif(data)
        if image_format == "WEBP":
            return _webp(data)
    except (struct.error, IndexError):
        pass
    return Structure(size=None)


def coefficient_bytes(structure: Structure) -> int:
    """The coefficient buffer libjpeg keeps while decoding a progressive JPEG (else 0).

    A progressive JPEG is decoded scan by scan into a buffer of every DCT
    coefficient of the full-size image (two bytes each), whatever the output
    scale: 3 bytes per pixel for 4:2:0 colour, 6 for 4:4:4.

    Args:
        structure: What :func:`inspect_structure` found.

    Returns:
        Bytes.
    """
    if not structure.progressive or structure.size is None:
        return 0
    return _coefficient_bytes(structure.size, structure.jpeg_sampling)


def _refuse(what: str, count: str, limit: int, why: str) -> ImageInputError:
    return ImageInputError(
        f"the {what} has {count} (at most {limit:,} are decoded); {why}, so it is refused "
        "before decoding"
    )


def _damaged(what: str, found: str) -> ImageInputError:
    return ImageInputError(
        f"the {what} has {found}, which decoders skip without counting; its structure cannot "
        "be bounded, so it is refused before decoding (re-save the image to repair it)"
    )


# JPEG ---------------------------------------------------------------------------------------


def _jpeg(data: bytes) -> Structure:
    size: tuple[int, int] | None = None
    progressive = False
    sampling: tuple[tuple[int, int], ...] = ()
    scans = segments = 0
    offset = 2
    while offset + 4 <= len(data):
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise _refuse(
                "JPEG",
                f"more than {MAX_JPEG_SEGMENTS:,} markers",
                MAX_JPEG_SEGMENTS,
                "each marker is read on its own",
            )
        if data[offset] != 0xFF:
            # Decoders skip such bytes silently and read on: a walk that stopped here would
            # let the rest of the file (its scans, its markers) past every bound.
            raise _damaged("JPEG", "bytes between its segments")
        marker = data[offset + 1]
        if marker == 0xFF:
            offset += 1
            continue
        if marker == _JPEG_EOI:
            break
        if marker in _JPEG_STANDALONE_MARKERS:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _JPEG_SOF_MARKERS and size is None:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            count = data[offset + 9]
            fields = data[offset + 10 : offset + 10 + 3 * count]
            sampling = tuple((byte >> 4, byte & 0x0F) for byte in fields[1::3])
            size, progressive = (width, height), marker in _JPEG_PROGRESSIVE_SOF
        offset += 2 + length
        if marker == _JPEG_SOS:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise _refuse(
                    "JPEG",
                    f"more than {MAX_JPEG_SCANS:,} scans",
                    MAX_JPEG_SCANS,
                    "every scan is decoded over the whole image",
                )
            found = _JPEG_NEXT_MARKER.search(data, offset)
            if found is None:
                break
            offset = found.start()
    return Structure(
        size=size,
        progressive=progressive,
        jpeg_sampling=sampling,
        units=scans,
    )


def _coefficient_bytes(size: tuple[int, int], sampling: tuple[tuple[int, int], ...]) -> int:
    """The whole-image coefficient buffer libjpeg keeps for a progressive JPEG."""
    if not sampling:
        sampling = ((1, 1),)
    width, height = size
    h_max = max(max(h for h, _ in sampling), 1)
    v_max = max(max(v for _, v in sampling), 1)
    # libjpeg allocates whole MCUs: each component's blocks rounded up to its sampling factor.
    mcus_across = math.ceil(width / (8 * h_max))
    mcus_down = math.ceil(height / (8 * v_max))
    blocks = sum(mcus_across * h * mcus_down * v for h, v in sampling)
    return blocks * _COEFFICIENT_BYTES_PER_BLOCK


# PNG ----------------------------------------------------------------------------------------


def _png(data: bytes) -> Structure:
    size: tuple[int, int] | None = None
    animated: bool | None = None
    chunks = 0
    offset = _PNG_SIGNATURE_BYTES
    while offset + 8 <= len(data):
        chunks += 1
        if chunks > MAX_PNG_CHUNKS:
            raise _refuse(
                "PNG",
                f"more than {MAX_PNG_CHUNKS:,} chunks",
                MAX_PNG_CHUNKS,
                "each chunk is read on its own",
            )
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IHDR":
            size = struct.unpack(">II", data[offset + 8 : offset + 16])
        elif kind == b"acTL":
            (frames,) = struct.unpack(">I", data[offset + 8 : offset + 12])
            animated = frames > 1
        elif kind == b"IEND":
            animated = bool(animated)
            break
        offset += 12 + length
    return Structure(size=size, animated=animated, units=chunks)


# GIF ----------------------------------------------------------------------------------------


def _gif(data: bytes) -> Structure:
    width, height, flags = struct.unpack("<HHB", data[6:11])
    offset = 13
    if flags & 0x80:  # global colour table
        offset += 3 * (2 << (flags & 0x07))
    blocks = extensions = images = 0
    animated: bool | None = None
    while offset < len(data):
        introducer = data[offset]
        if introducer == _GIF_TRAILER:
            animated = images > 1
            break
        if introducer == _GIF_IMAGE:
            images += 1
            if images > 1:  # Pillow reads no further to know the image is animated
                animated = True
                break
            local = data[offset + 9]
            offset += 10
            if local & 0x80:
                offset += 3 * (2 << (local & 0x07))
            offset += 1  # LZW minimum code size
            extension = False
        elif introducer == _GIF_EXTENSION:
            offset += 2
            extension = True
        else:
            raise _damaged("GIF", f"an unknown block (0x{introducer:02X})")
        while offset < len(data):  # sub-blocks, up to the empty one
            blocks += 1
            extensions += extension
            if blocks > MAX_GIF_BLOCKS or extensions > MAX_GIF_EXTENSION_BLOCKS:
                limit = MAX_GIF_BLOCKS if blocks > MAX_GIF_BLOCKS else MAX_GIF_EXTENSION_BLOCKS
                raise _refuse(
                    "GIF",
                    f"more than {limit:,} {'extension ' if extension else ''}blocks before its "
                    "second frame",
                    limit,
                    "each block is read on its own",
                )
            length = data[offset]
            offset += 1 + length
            if length == 0:
                break
    return Structure(size=(width, height), animated=animated, units=blocks)


# WebP ---------------------------------------------------------------------------------------


def _webp(data: bytes) -> Structure:
    size = _webp_size(data)
    chunks = frames = 0
    offset = 12
    while offset + 8 <= len(data):
        chunks += 1
        if chunks > MAX_WEBP_CHUNKS:
            raise _refuse(
                "WebP",
                f"more than {MAX_WEBP_CHUNKS:,} chunks",
                MAX_WEBP_CHUNKS,
                "each frame is indexed before the first is decoded",
            )
        kind = data[offset : offset + 4]
        (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        frames += kind == b"ANMF"
        offset += 8 + length + (length & 1)
    return Structure(size=size, animated=frames > 1, units=chunks)


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None
