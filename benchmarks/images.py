"""Generated benchmark images: distinct 512x512 JPEGs and photo-like 12 MP JPEGs.

Everything is deterministic (seeded) and written once to a cache folder
(``benchmarks/.data/``, ignored by git), so repeated runs skip generation.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

DATA = Path(__file__).resolve().parent / ".data"


_NOISE_TILE = 1024
_TILE: list[np.ndarray] = []


def _noise(rng: np.random.Generator, height: int, width: int, sigma: float) -> np.ndarray:
    """Gaussian noise for a whole image: a window of one repeated random tile (fast)."""
    if not _TILE:
        _TILE.append(np.random.default_rng(7).normal(0, 1, (_NOISE_TILE, _NOISE_TILE, 1)))
    top, left = (int(value) for value in rng.integers(0, _NOISE_TILE, 2))
    reps = (-(-(height + top) // _NOISE_TILE), -(-(width + left) // _NOISE_TILE), 1)
    tiled = np.tile(_TILE[0], reps) if reps != (1, 1, 1) else _TILE[0]
    return (tiled[top : top + height, left : left + width] * sigma).astype(np.float32)


def _smooth(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Smooth colour content: a coarse random field upscaled with bicubic interpolation."""
    low = rng.uniform(30, 225, (cells * 3 // 4 + 1, cells, 3)).astype(np.uint8)
    field = Image.fromarray(low, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(field, dtype=np.float32)


def _jpeg(pixels: np.ndarray, quality: int) -> bytes:
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def small_jpeg(seed: int, size: int = 512) -> bytes:
    """A distinct 512x512 photo-like JPEG (smooth colours and mild noise), about 40-60 KB."""
    rng = np.random.default_rng(seed)
    return _jpeg(_smooth(rng, size, size, 8) + _noise(rng, size, size, 4.0), 88)


def photo_jpeg(seed: int, size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A photo-like 12 MP JPEG: smooth gradients plus sensor-like noise, about 2-4 MB."""
    rng = np.random.default_rng(10_000 + seed)
    width, height = size
    sigma = 3.0 + (seed % 5) * 1.25  # file sizes spread over about 2-4 MB
    return _jpeg(_smooth(rng, height, width, 16) + _noise(rng, height, width, sigma), 90)


def image_folder(name: str, count: int, make: type[object] | object) -> list[Path]:
    """Write ``count`` images made by ``make(seed)`` under ``.data/name`` (once)."""
    folder = DATA / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{index:05d}.jpg" for index in range(count)]
    for index, path in enumerate(paths):
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(make(index))  # type: ignore[operator]
            tmp.replace(path)
    return paths


def small_images(count: int) -> list[Path]:
    """``count`` distinct 512x512 JPEG files."""
    return image_folder("jpeg512", count, small_jpeg)


def photos(count: int) -> list[Path]:
    """``count`` photo-like 12 MP JPEG files."""
    return image_folder("photo12mp", count, photo_jpeg)
