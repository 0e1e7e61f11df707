"""Cache: the W1 images (200 JPEGs, 100 ms latency) embedded twice through the vector cache.

The second run must send no request and take at most 5% of the first run's
time. The cached run is repeated three times (none may send a request) and the
median is reported, as one 80 ms measurement is at the mercy of a context switch.
Measured with ``InMemoryByteStore`` (the target) and, for information,
with ``LocalFileStore`` in a temporary folder.
"""

from __future__ import annotations

import tempfile
from typing import Any

from langchain_classic.storage import LocalFileStore
from langchain_core.stores import ByteStore, InMemoryByteStore

from .images import small_images
from .support import EmulatorProcess, median, ours, row, timed
from .w1_requests import CONCURRENCY, COUNT, IMAGES_ROUTE, LATENCY_MS

REPEATS = 3  # cached runs; the median is reported (a single 80 ms run is noisy)


def _twice(emulator: EmulatorProcess, store: ByteStore, uris: list[str]) -> dict[str, Any]:
    embeddings = ours(
        emulator.endpoint,
        emulator.key,
        max_concurrency=CONCURRENCY,
        image_roots=[uris[0].rsplit("/", 1)[0]],
        cache=store,
    )
    embeddings.embed_documents(["warm-up"])  # connections, not the images
    emulator.reset()
    with timed() as first:
        vectors = embeddings.embed_image(uris)
    first_requests = emulator.requests(IMAGES_ROUTE)
    emulator.reset()
    repeats = []
    for _ in range(REPEATS):
        with timed() as second:
            again = embeddings.embed_image(uris)
        assert again == vectors, "cached vectors differ"
        repeats.append(second.wall)
    second_requests = emulator.requests(IMAGES_ROUTE)
    embeddings.close()
    second_s = median(repeats)
    return {
        "first_s": first.wall,
        "second_s": second_s,
        "second_runs_s": repeats,
        "first_requests": first_requests,
        "second_requests": second_requests,
        "share": second_s / first.wall,
    }


def run() -> dict[str, Any]:
    uris = [str(path) for path in small_images(COUNT)]
    with EmulatorProcess(latency_ms=LATENCY_MS) as emulator, tempfile.TemporaryDirectory() as tmp:
        memory = _twice(emulator, InMemoryByteStore(), uris)
        files = _twice(emulator, LocalFileStore(tmp), uris)
    rows = [
        row("InMemoryByteStore: first run", memory["first_s"], "s"),
        row("InMemoryByteStore: second run (median of 3)", memory["second_s"], "s"),
        row(
            "InMemoryByteStore: second runs' requests",
            memory["second_requests"],
            "req",
            "0",
            memory["second_requests"] == 0,
        ),
        row(
            "InMemoryByteStore: second / first run time",
            100 * memory["share"],
            "%",
            "<= 5%",
            memory["share"] <= 0.05,
        ),
        row("LocalFileStore: second run", files["second_s"], "s"),
        row(
            "LocalFileStore: second run requests / share of first",
            files["second_requests"],
            f"req, {100 * files['share']:.1f}%",
            "0 req",
            files["second_requests"] == 0,
        ),
    ]
    return {
        "name": "Cache",
        "title": "Cache: the W1 images a second time",
        "rows": rows,
        "details": {"memory": memory, "files": files},
    }
