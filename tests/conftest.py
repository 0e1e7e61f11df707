"""Shared fixtures: the emulator on 127.0.0.1 and embeddings pointed at it."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator

EMULATOR_KEY = "emulator-test-key"
MODEL = "Cohere-embed-v3-english"

# Vector stores and tools imported by tests must not phone home.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[FoundryEmulator]:
    """One emulator for tests that only read vectors (never assert on stats)."""
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as emulator:
        yield emulator


@pytest.fixture
def emulator() -> Iterator[FoundryEmulator]:
    """A fresh emulator per test, for tests that assert on its stats."""
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as emulator:
        yield emulator


def make_embeddings(emulator: FoundryEmulator, **overrides: Any) -> AzureAIImageEmbeddings:
    """Embeddings pointed at ``emulator`` with its key and model."""
    params: dict[str, Any] = {
        "endpoint": emulator.endpoint,
        "credential": emulator.key,
        "model": MODEL,
        "max_retries": 3,
    }
    params.update(overrides)
    return AzureAIImageEmbeddings(**params)


def png_bytes(
    size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (200, 30, 40)
) -> bytes:
    """A small PNG made with Pillow."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 4):
        image.putpixel((x, x % size[1]), (x * 7 % 256, 255 - x * 5 % 256, 90))
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    """A small photo-like JPEG made with Pillow (a gradient with a shape, varied by seed)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    overlay = Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    mask = Image.new("L", size, 0)
    mask.paste(
        255, ((seed * 7) % size[0] // 2, (seed * 5) % size[1] // 2, size[0] - 2, size[1] - 2)
    )
    image.paste(overlay, (0, 0), mask)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
