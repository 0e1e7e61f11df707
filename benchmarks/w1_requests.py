"""W1, request-bound: 200 distinct 512x512 JPEGs, 100 ms added latency, one image per request.

Baselines in the same run: the seed loop, and the ideal ``N x latency /
max_concurrency``. Ours at ``max_concurrency=16``, sync and async. Each
contender makes one warm-up request first (not timed). The emulator runs with
``--workers 2`` (``W1_EMULATOR_WORKERS`` overrides it), so that it decodes and
embeds concurrent requests on both cores instead of one after another.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from .images import small_images
from .seed import seed_client, seed_loop
from .support import EmulatorProcess, Timing, ours, row, timed

COUNT = 200
LATENCY_MS = 100.0
CONCURRENCY = 16
IMAGES_ROUTE = "/images/embeddings"
EMULATOR_WORKERS = int(os.environ.get("W1_EMULATOR_WORKERS", "2"))


async def _async_embed(embeddings: Any, uris: list[str]) -> tuple[Timing, list[list[float]]]:
    async with embeddings:
        await embeddings.aembed_image(uris[:1])
        with timed() as timing:
            vectors = await embeddings.aembed_image(uris)
    return timing, vectors


def run() -> dict[str, Any]:
    paths = small_images(COUNT)
    uris = [str(path) for path in paths]
    ideal = COUNT * LATENCY_MS / 1000 / CONCURRENCY
    details: dict[str, Any] = {
        "count": COUNT,
        "latency_ms": LATENCY_MS,
        "ideal_s": ideal,
        "emulator_workers": EMULATOR_WORKERS,
    }
    workers = ("--workers", str(EMULATOR_WORKERS))
    with EmulatorProcess(latency_ms=LATENCY_MS, extra=workers) as emulator:
        client = seed_client(emulator.endpoint, emulator.key)
        seed_loop(client, paths[:1])
        emulator.reset()
        with timed() as seed:
            seed_vectors = seed_loop(client, paths)
        client.close()
        details["seed"] = {"wall_s": seed.wall, "requests": emulator.requests(IMAGES_ROUTE)}
        assert len(seed_vectors) == COUNT

        embeddings = ours(
            emulator.endpoint,
            emulator.key,
            max_concurrency=CONCURRENCY,
            image_roots=[str(Path(paths[0]).parent)],
        )
        embeddings.embed_image(uris[:1])
        emulator.reset()
        with timed() as sync:
            vectors = embeddings.embed_image(uris)
        stats = emulator.stats()
        embeddings.close()
        assert len(vectors) == COUNT
        details["sync"] = {
            "wall_s": sync.wall,
            "cpu_s": sync.cpu,
            "requests": stats["requests"][IMAGES_ROUTE],
            "max_in_flight": stats["max_in_flight"],
        }

        emulator.reset()
        async_timing, async_vectors = asyncio.run(_async_embed(embeddings, uris))
        stats = emulator.stats()
        assert async_vectors == vectors, "async and sync vectors differ"
        details["async"] = {
            "wall_s": async_timing.wall,
            "cpu_s": async_timing.cpu,
            # the warm-up request is counted too
            "requests": stats["requests"][IMAGES_ROUTE] - 1,
            "max_in_flight": stats["max_in_flight"],
        }

    rows = [
        row("seed loop: wall time", seed.wall, "s"),
        row("ideal N x latency / max_concurrency", ideal, "s"),
    ]
    for mode in ("sync", "async"):
        wall = details[mode]["wall_s"]
        speedup = seed.wall / wall
        share = ideal / wall
        details[mode].update(speedup=speedup, share_of_ideal=share)
        rows += [
            row(f"ours {mode} (max_concurrency=16): wall time", wall, "s"),
            row(f"ours {mode}: speed-up vs seed loop", speedup, "x", ">= 12x", speedup >= 12),
            row(f"ours {mode}: share of ideal", 100 * share, "%", ">= 75%", share >= 0.75),
            row(
                f"ours {mode}: requests / max in flight",
                details[mode]["requests"],
                f"req, {details[mode]['max_in_flight']} in flight",
                "200 req, <= 16 in flight",
                details[mode]["requests"] == COUNT and details[mode]["max_in_flight"] <= 16,
            ),
        ]
    return {
        "name": "W1",
        "title": "Request-bound: 200 JPEGs, 100 ms",
        "rows": rows,
        "details": details,
    }
