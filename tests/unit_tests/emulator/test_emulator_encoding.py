"""encoding_format: float, base64, int8, uint8, binary, ubinary."""

from __future__ import annotations

import base64
import struct

import pytest

from langchain_azure_image_embeddings.emulator import expected_text_vector
from langchain_azure_image_embeddings.emulator.encoding import encode_embedding

VECTOR = expected_text_vector("encoding formats", model="Cohere-embed-v3-english")


def test_float_is_the_vector_itself():
    assert encode_embedding(VECTOR, "float") == VECTOR


def test_base64_is_little_endian_float32():
    encoded = encode_embedding(VECTOR, "base64")
    assert isinstance(encoded, str)
    raw = base64.b64decode(encoded, validate=True)
    assert len(raw) == 4 * len(VECTOR)
    assert list(struct.unpack(f"<{len(VECTOR)}f", raw)) == VECTOR


def test_int8_scales_by_the_largest_magnitude():
    encoded = encode_embedding(VECTOR, "int8")
    assert isinstance(encoded, list)
    assert len(encoded) == len(VECTOR)
    assert all(isinstance(v, int) and -127 <= v <= 127 for v in encoded)
    assert max(abs(v) for v in encoded) == 127
    peak = max(abs(v) for v in VECTOR)
    assert encoded == [round(v * 127 / peak) for v in VECTOR]


def test_uint8_is_int8_shifted_by_128():
    signed = encode_embedding(VECTOR, "int8")
    unsigned = encode_embedding(VECTOR, "uint8")
    assert isinstance(signed, list)
    assert isinstance(unsigned, list)
    assert unsigned == [v + 128 for v in signed]
    assert all(1 <= v <= 255 for v in unsigned)


def test_ubinary_packs_sign_bits_most_significant_first():
    vector = [0.5, -0.1, 0.2, 0.0, -0.3, 0.1, 0.1, -0.2, 0.9, -0.9]
    assert encode_embedding(vector, "ubinary") == [0b10100110, 0b10000000]
    assert encode_embedding(vector, "binary") == [0b10100110 - 128, 0b10000000 - 128]


def test_binary_lengths_match_the_dimension():
    assert len(encode_embedding(VECTOR, "ubinary")) == 1024 // 8
    assert all(-128 <= v <= 127 for v in encode_embedding(VECTOR, "binary"))


def test_zero_vector_quantises_to_zeros():
    assert encode_embedding([0.0, 0.0], "int8") == [0, 0]


def test_unknown_format_raises():
    with pytest.raises(ValueError, match="encoding_format"):
        encode_embedding(VECTOR, "float16")
