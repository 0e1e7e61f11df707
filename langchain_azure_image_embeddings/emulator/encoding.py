"""`encoding_format`: how one vector is written into `data[i].embedding`.

- `float`: the float32-rounded values, as JSON numbers.
- `base64`: the same values as little-endian IEEE-754 float32 bytes, standard base64.
- `int8`: `round(v * 127 / max|v|)`, in -127..127 (all zeros for a zero vector).
- `uint8`: the `int8` values plus 128, in 1..255.
- `ubinary`: one bit per value (1 if v > 0), packed most significant bit first into
  `ceil(d / 8)` unsigned bytes 0..255.
- `binary`: the `ubinary` bytes minus 128, in -128..127 (Cohere's definition).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence

Embedding = list[float] | list[int] | str


def encode_embedding(vector: Sequence[float], encoding_format: str) -> Embedding:
    """Encode a float vector as the service does for `encoding_format`.

    Args:
        vector: The float32-rounded vector.
        encoding_format: One of `float`, `base64`, `int8`, `uint8`, `binary`, `ubinary`.

    Returns:
        The JSON value for `data[i].embedding`.

    Raises:
        ValueError: Unknown encoding format.
    """
    if encoding_format == "float":
        return list(vector)
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    if encoding_format in ("int8", "uint8"):
        peak = max((abs(v) for v in vector), default=0.0)
        scale = 127.0 / peak if peak else 0.0
        signed = [max(-127, min(127, round(v * scale))) for v in vector]
        return signed if encoding_format == "int8" else [v + 128 for v in signed]
    if encoding_format in ("binary", "ubinary"):
        packed = _pack_sign_bits(vector)
        return packed if encoding_format == "ubinary" else [b - 128 for b in packed]
    raise ValueError(f"unknown encoding_format {encoding_format!r}")


def _pack_sign_bits(vector: Sequence[float]) -> list[int]:
    packed = []
    for start in range(0, len(vector), 8):
        byte = 0
        for offset in range(8):
            index = start + offset
            byte = (byte << 1) | (1 if index < len(vector) and vector[index] > 0 else 0)
        packed.append(byte)
    return packed
