"""COHERE: 1,000 images on embed-v-4-0 over Cohere's route, batched versus one per request.

``python -m benchmarks COHERE`` (about two minutes). The emulator runs in its own process
(``--model embed-v-4-0 --latency-ms 100``, loopback only); the client posts to its
``/providers/cohere/v2/embed`` with its defaults (``images_per_request=None``: 96 images a
request within 20 MB, ``max_concurrency=8``), then with ``images_per_request=1``, the only
way the model-inference API sent images. Two sets of 1,000 distinct JPEG files, given as
``Path`` objects: 512x512 (about 50 KB each) and 64x64 thumbnails (about 2 KB). Each
contender makes one warm-up request first (not timed); the two must return the same vectors.

Measured: requests the emulator received, wall time and client CPU, the largest request
body (from the client's own network trace). The emulator computes each image's vector in
Python under one GIL (about 13 ms for a 512x512 JPEG, 3 ms for a thumbnail, timed in this
process on a sample, in CPU time, and reported as the emulator's floor): with 512x512
images that work, not the 100 ms latency, bounds the wall time of either way. The machine's
load average before and after is kept in the JSON. Computed, not measured: the
images a deployment limited to 1,000 requests per minute takes per minute,
``1,000 x images per request`` as measured here (its token and byte limits aside).
"""

from __future__ import annotations

import logging
import math
import os
import re
from pathlib import Path
from typing import Any

from .images import image_folder, small_images, small_jpeg
from .support import EmulatorProcess, Timing, ours, row, timed

COUNT = 1000
LATENCY_MS = 100.0
MODEL = "embed-v-4-0"
ROUTE = "/v2/embed"
RPM = 1000
MAX_INPUTS = 96
LIMIT_BYTES = 20_000_000
_BODY = re.compile(r"body=<(\d+) bytes>$")
_FLOOR_SAMPLE = 30


class _BodySizes(logging.Handler):
    """Request body sizes from the client's network trace (``logging_enable``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sizes: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = _BODY.search(record.getMessage())
        if found:
            self.sizes.append(int(found.group(1)))


def _measure(
    emulator: EmulatorProcess, paths: list[Path], **settings: Any
) -> tuple[Timing, list[list[float]], dict[str, Any]]:
    endpoint = emulator.endpoint.removesuffix("/models") + "/providers/cohere"
    embeddings = ours(endpoint, emulator.key, model=MODEL, **settings)
    embeddings.embed_images(paths[:1])
    emulator.reset()
    trace = logging.getLogger("langchain_azure_image_embeddings.http")
    sizes = _BodySizes()
    trace.addHandler(sizes)
    trace.setLevel(logging.DEBUG)
    try:
        with timed() as timing:
            vectors = embeddings.embed_images(paths)
    finally:
        trace.removeHandler(sizes)
        embeddings.close()
    stats = emulator.stats()
    requests = int(stats["requests"].get(ROUTE, 0))
    details = {
        "wall_s": timing.wall,
        "cpu_s": timing.cpu,
        "requests": requests,
        "images_per_request": COUNT / requests,
        "statuses": stats["status_counts"],
        "max_in_flight": stats["max_in_flight"],
        "largest_body_bytes": max(sizes.sizes, default=0),
        "images_per_minute_at_rpm": RPM * COUNT / requests,
    }
    return timing, vectors, details


def _thumbnail(seed: int) -> bytes:
    return small_jpeg(seed, size=64)


def _emulator_floor(paths: list[Path]) -> float:
    """CPU seconds of the emulator's vector work for ``COUNT`` such images, from a sample.

    CPU time, not wall time: on a shared machine the wall time of a small sample is noise.
    """
    from langchain_azure_image_embeddings.emulator import expected_cohere_vector

    sample = [path.read_bytes() for path in paths[:_FLOOR_SAMPLE]]
    with timed() as timing:
        for image in sample:
            expected_cohere_vector(model=MODEL, input_type="search_document", image=image)
    return timing.cpu / len(sample) * COUNT


def _one_set(label: str, paths: list[Path]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    trace = {"client_kwargs": {"logging_enable": True}}
    with EmulatorProcess(model=MODEL, latency_ms=LATENCY_MS) as emulator:
        _, batched_vectors, batched = _measure(emulator, paths, **trace)
        _, single_vectors, single = _measure(emulator, paths, images_per_request=1, **trace)
    assert len(batched_vectors) == COUNT
    assert batched_vectors == single_vectors, "the two ways gave different vectors"
    fewest = math.ceil(COUNT / MAX_INPUTS)
    speedup = single["wall_s"] / batched["wall_s"]
    floor = _emulator_floor(paths)
    details = {
        "image_bytes_mean": sum(path.stat().st_size for path in paths) / COUNT,
        "emulator_floor_s": floor,
        "batched": batched,
        "one_per_request": single,
        "speedup": speedup,
    }
    rows = [
        row(
            f"{label}, batched (default): requests",
            batched["requests"],
            "req",
            f"<= {fewest}",
            batched["requests"] <= fewest,
        ),
        row(
            f"{label}, batched: largest request body",
            batched["largest_body_bytes"] / 1e6,
            "MB",
            "<= 20 MB",
            batched["largest_body_bytes"] <= LIMIT_BYTES,
        ),
        row(f"{label}, batched: wall time", batched["wall_s"], "s"),
        row(f"{label}, batched: client CPU", batched["cpu_s"], "s"),
        row(f"{label}, images_per_request=1: requests", single["requests"], "req"),
        row(f"{label}, images_per_request=1: wall time", single["wall_s"], "s"),
        row(f"{label}, images_per_request=1: client CPU", single["cpu_s"], "s"),
        row(f"{label}, batched: speed-up vs one per request", speedup, "x"),
        row(f"{label}, the emulator's own vector work (CPU, one core)", floor, "s"),
    ]
    return rows, details


def _load_average() -> list[float] | None:
    """The machine's 1, 5 and 15 minute load averages (others' work shares the cores)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def run() -> dict[str, Any]:
    sets = {
        "512x512 JPEG": small_images(COUNT),
        "64x64 JPEG": image_folder("jpeg64", COUNT, _thumbnail),
    }
    rows: list[dict[str, Any]] = []
    details: dict[str, Any] = {
        "count": COUNT,
        "latency_ms": LATENCY_MS,
        "model": MODEL,
        "max_concurrency": 8,
        "rpm": RPM,
        "images_per_minute_is": "computed: rpm x images per request measured",
        "load_average_before": _load_average(),
    }
    for label, paths in sets.items():
        set_rows, details[label] = _one_set(label, paths)
        rows += set_rows
    details["load_average_after"] = _load_average()
    batched = details["512x512 JPEG"]["batched"]
    single = details["512x512 JPEG"]["one_per_request"]
    rows += [
        row(
            f"at {RPM} req/min, batched (computed)",
            batched["images_per_minute_at_rpm"],
            "images/min",
        ),
        row(
            f"at {RPM} req/min, one per request (computed)",
            single["images_per_minute_at_rpm"],
            "images/min",
        ),
    ]
    return {
        "name": "COHERE",
        "title": "Cohere route: 1,000 images on embed-v-4-0, 100 ms",
        "rows": rows,
        "details": details,
    }
