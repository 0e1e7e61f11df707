"""Distinct generated images for the ecosystem tests (Pillow only, deterministic)."""

from __future__ import annotations

import base64
import colorsys
from pathlib import Path

from PIL import Image, ImageDraw

SHAPES = ("ellipse", "rectangle", "triangle", "bars", "ring")


def _colour(hue: float, lightness: float = 0.5) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, 0.85)
    return round(red * 255), round(green * 255), round(blue * 255)


def distinct_image(index: int, size: tuple[int, int] = (160, 120)) -> Image.Image:
    """An image whose shape, colours and layout vary with ``index``."""
    width, height = size
    background = _colour(index * 0.137, 0.25 + (index % 3) * 0.2)
    foreground = _colour(index * 0.137 + 0.5, 0.55)
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    left = (index * 23) % (width // 2)
    top = (index * 17) % (height // 2)
    box = (left, top, left + width // 2, top + height // 2)
    shape = SHAPES[index % len(SHAPES)]
    if shape == "ellipse":
        draw.ellipse(box, fill=foreground)
    elif shape == "rectangle":
        draw.rectangle(box, fill=foreground)
    elif shape == "triangle":
        draw.polygon(
            [(box[0], box[3]), (box[2], box[3]), ((box[0] + box[2]) // 2, box[1])], fill=foreground
        )
    elif shape == "bars":
        for x in range(0, width, 12 + index % 7):
            draw.rectangle((x, 0, x + 4, height), fill=foreground)
    else:
        draw.ellipse(box, outline=foreground, width=8)
    draw.line(
        (0, height - 1 - index % height, width, index % height),
        fill=_colour(index * 0.31, 0.8),
        width=3,
    )
    return image


def write_distinct_images(folder: Path, count: int) -> list[Path]:
    """Save ``count`` distinct PNG images in ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"image-{index:03d}.png"
        distinct_image(index).save(path)
        paths.append(path)
    return paths


def half_size_jpeg(path: Path, folder: Path) -> Path:
    """Save a half-size, JPEG-recompressed copy of ``path`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(path) as original:
        image = original.convert("RGB")
    copy = folder / f"{path.stem}-copy.jpg"
    image.resize((image.width // 2, image.height // 2)).save(copy, format="JPEG", quality=80)
    return copy


def data_url(path: Path) -> str:
    """The image file as a ``data:`` URL (its MIME type from the suffix, for test files)."""
    mime = "image/jpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
