"""Fixtures for the image-input tests: large corpus files made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from .image_corpus import noise_png, photo_like_jpeg


@pytest.fixture(scope="session")
def photo_12mp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4000 x 3000 photo-like JPEG file (about 2.5 MB)."""
    path = tmp_path_factory.mktemp("corpus") / "photo_12mp.jpg"
    path.write_bytes(photo_like_jpeg())
    return path


@pytest.fixture(scope="session")
def noise_20mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PNG of random noise, really over 20 MB."""
    path = tmp_path_factory.mktemp("corpus") / "noise_20mb.png"
    path.write_bytes(noise_png())
    return path
