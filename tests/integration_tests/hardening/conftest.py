"""Fixtures of the hostile-input corpus: one emulator, a folder of images, a stats counter."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import MODEL, jpeg_bytes

SECRET = "hardening-SECRET-key-0123456789"
"""The emulator's key: no message of the corpus may contain it."""


@pytest.fixture(scope="package")
def emulator_for_corpus() -> Iterator[FoundryEmulator]:
    """One emulator for the whole corpus (each case counts what it embedded itself)."""
    with FoundryEmulator(model=MODEL, key=SECRET) as emulator:
        yield emulator


def embedded(emulator: FoundryEmulator) -> int:
    """Images and texts the emulator has embedded so far, read over HTTP (``/_emulator/stats``)."""
    parts = urlsplit(emulator.endpoint)
    url = f"{parts.scheme}://{parts.netloc}/_emulator/stats"
    with urllib.request.urlopen(url, timeout=10) as response:
        stats = json.load(response)
    return int(stats["images"]) + int(stats["texts"])


@pytest.fixture(scope="package")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with a good image, a sub-folder, a FIFO and a symlink out of the root."""
    root = tmp_path_factory.mktemp("roots") / "images"
    root.mkdir()
    (root / "good.jpg").write_bytes(jpeg_bytes((16, 12), seed=3))
    (root / "folder").mkdir()
    outside = root.parent / "outside.jpg"
    outside.write_bytes(jpeg_bytes((16, 12), seed=4))
    (root / "escape.jpg").symlink_to(outside)
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.jpg")
    (root / "big.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 300_000)
    return root
