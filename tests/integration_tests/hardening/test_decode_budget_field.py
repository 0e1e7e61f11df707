"""`max_decode_bytes`: a WebP photo over the default decoding budget is refused, naming the field,
and taken once the field allows it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from langchain_azure_image_embeddings import ImageInputError

from ...conftest import make_embeddings


def _webp(width: int, height: int) -> bytes:
    image = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=60)
    return buffer.getvalue()


def test_a_large_webp_needs_max_decode_bytes(emulator):
    photo = _webp(3000, 2000)  # 6 MP: about 96 MB to decode, over the default 64 MiB
    with pytest.raises(ImageInputError, match="max_decode_bytes"):
        make_embeddings(emulator).embed_images([photo])
    assert emulator.stats()["images"] == 0
    vectors = make_embeddings(emulator, max_decode_bytes=200 * 2**20).embed_images([photo])
    assert len(vectors) == 1 and len(vectors[0]) > 0
    assert emulator.stats()["images"] == 1
