"""Seeded, varied synthetic images (gradients, shapes, lines, noise) for vector-model tests."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def synthetic_image(seed: int) -> Image.Image:
    """An RGB image of random size with a rotated two-colour gradient, shapes and maybe noise."""
    rng = random.Random(seed)
    width, height = rng.randint(160, 420), rng.randint(160, 420)
    gradient = Image.linear_gradient("L").rotate(rng.uniform(0, 360)).resize((width, height))
    image = Image.composite(
        Image.new("RGB", (width, height), _colour(rng)),
        Image.new("RGB", (width, height), _colour(rng)),
        gradient,
    )
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 8)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = [x0, y0, x0 + rng.randint(10, width), y0 + rng.randint(10, height)]
        shape = rng.randrange(4)
        if shape == 0:
            draw.ellipse(box, fill=_colour(rng))
        elif shape == 1:
            draw.rectangle(box, fill=_colour(rng))
        elif shape == 2:
            points = [
                (rng.randrange(width), rng.randrange(height)) for _ in range(rng.randint(3, 6))
            ]
            draw.polygon(points, fill=_colour(rng))
        else:
            points = [(rng.randrange(width), rng.randrange(height)) for _ in range(3)]
            draw.line(points, fill=_colour(rng), width=rng.randint(2, 12))
    if rng.random() < 0.4:
        noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        image = Image.blend(image, noise, rng.uniform(0.1, 0.5))
    return image


def encode(image: Image.Image, image_format: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def half_size_jpeg(image: Image.Image, quality: int = 75) -> bytes:
    """The image resized to half its size (Lanczos) and recompressed as JPEG."""
    half = image.resize(
        (max(1, image.width // 2), max(1, image.height // 2)), Image.Resampling.LANCZOS
    )
    return encode(half, "JPEG", quality=quality)
