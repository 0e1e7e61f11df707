"""CPU cost of preparing a 12 MP photo, next to a plain full-size decode and resize.

Usage::

    python benchmarks/bench_image_preparation.py [--runs 20]

Generates a 4000 x 3000 photo-like JPEG (gradients, shapes and grain, quality 90,
about 2.5 MB), then measures CPU time (``time.process_time``) per image for:

- ``prepare_image``: the package's pipeline (sniff, header checks, JPEG draft
  mode (DCT scaling), decode, a resize only when still over the pixel budget, JPEG
  encode, base64, SHA-256);
- the plain way: a full-size decode, a Lanczos resize to the same size, and the
  same JPEG encode;
- a full-size decode alone, for reference.

Prints a table and writes ``benchmarks/results/image_preparation.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PIL
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from langchain_azure_image_embeddings._images.preparation import (  # noqa: E402
    ImageLimits,
    prepare_image,
)
from langchain_azure_image_embeddings._images.sources import ImagePolicy  # noqa: E402
from tests.unit_tests.images.image_corpus import photo_like_jpeg  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "image_preparation.json"


def measure(action: Callable[[], object], runs: int) -> dict[str, float]:
    """CPU and wall milliseconds per call, after one warm-up call."""
    action()
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        action()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    cpu.sort()
    return {
        "cpu_ms_median": round(statistics.median(cpu), 1),
        "cpu_ms_p90": round(cpu[min(len(cpu) - 1, int(len(cpu) * 0.9))], 1),
        "cpu_ms_min": round(cpu[0], 1),
        "wall_ms_median": round(statistics.median(wall), 1),
    }


TARGET_CPU_MS = 80.0


def run(runs: int = 20) -> dict[str, Any]:
    """Measure every variant ``runs`` times, write the JSON, and return it with table rows."""
    data = photo_like_jpeg(4000, 3000, quality=90)
    policy, limits = ImagePolicy(), ImageLimits()
    prepared = prepare_image(data, policy=policy, limits=limits)
    target = (prepared.width, prepared.height)

    def plain() -> bytes:
        image = Image.open(io.BytesIO(data))
        image.load()
        small = image.resize(target, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG", quality=limits.jpeg_quality)
        return buffer.getvalue()

    def decode_only() -> None:
        Image.open(io.BytesIO(data)).load()

    variants: dict[str, Callable[[], object]] = {
        "prepare_image (DCT-scaled decode + JPEG)": lambda: prepare_image(
            data, policy=policy, limits=limits
        ),
        "plain: full decode + Lanczos + JPEG": plain,
        "full-size decode only": decode_only,
    }
    results = {name: measure(action, runs) for name, action in variants.items()}

    report: dict[str, Any] = {
        "image": {
            "width": 4000,
            "height": 3000,
            "jpeg_quality": 90,
            "bytes": len(data),
            "sent_width": prepared.width,
            "sent_height": prepared.height,
            "sent_bytes": prepared.byte_size,
        },
        "runs": runs,
        "results": results,
        "machine": {
            "python": platform.python_version(),
            "pillow": PIL.__version__,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    ours = results["prepare_image (DCT-scaled decode + JPEG)"]["cpu_ms_median"]
    plain_ms = results["plain: full decode + Lanczos + JPEG"]["cpu_ms_median"]
    report["rows"] = [
        {
            "metric": "prepare a 12 MP JPEG: CPU per image (median)",
            "value": f"{ours} ms",
            "target": f"<= {TARGET_CPU_MS:g} ms",
            "ok": ours <= TARGET_CPU_MS,
        },
        {"metric": "plain full decode + Lanczos + JPEG: CPU per image", "value": f"{plain_ms} ms"},
    ]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per variant")
    args = parser.parse_args()
    report = run(args.runs)
    image, results = report["image"], report["results"]
    print(
        f"12 MP photo-like JPEG: 4000x3000, {image['bytes'] / 1e6:.2f} MB -> sent "
        f"{image['sent_width']}x{image['sent_height']}, {image['sent_bytes'] / 1e6:.2f} MB "
        f"({args.runs} runs, CPU ms per image)"
    )
    print(f"{'variant':<42}{'median':>8}{'p90':>8}{'min':>8}{'wall':>8}")
    for name, row in results.items():
        print(
            f"{name:<42}{row['cpu_ms_median']:>8}{row['cpu_ms_p90']:>8}"
            f"{row['cpu_ms_min']:>8}{row['wall_ms_median']:>8}"
        )
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
