"""W2, CPU-bound: 40 photo-like 12 MP JPEGs (about 2-4 MB each), no added latency.

Client CPU time per photo (``time.process_time``: every thread of this
process; the emulator runs in its own) and bytes uploaded per photo (request
bodies as the SDK pipeline sends them, counted by a ``raw_request_hook``), for
ours and for the seed loop, which uploads each file as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_azure_image_embeddings._engine import batch_preparation

from .images import photos
from .seed import seed_client, seed_loop
from .support import (
    LIMIT_5MB,
    CpuTimer,
    EmulatorProcess,
    MiB,
    UploadCounter,
    ours,
    row,
    timed,
)

COUNT = 40


def run() -> dict[str, Any]:
    paths = photos(COUNT)
    file_bytes = sum(path.stat().st_size for path in paths)
    details: dict[str, Any] = {"count": COUNT, "file_mb_per_photo": file_bytes / COUNT / MiB}
    with EmulatorProcess() as emulator:
        counter = UploadCounter()
        client = seed_client(emulator.endpoint, emulator.key, counter)
        seed_loop(client, paths[:1])
        counter.reset()
        with timed() as seed:
            seed_loop(client, paths)
        client.close()
        details["seed"] = {
            "wall_s": seed.wall,
            "cpu_s": seed.cpu,
            "bytes": counter.total,
            "largest_request": counter.largest,
            "requests_over_5mb": counter.over(LIMIT_5MB),
            "requests": len(counter.sizes),
        }

        counter = UploadCounter()
        embeddings = ours(
            emulator.endpoint,
            emulator.key,
            image_roots=[str(Path(paths[0]).parent)],
            client_kwargs={"raw_request_hook": counter},
        )
        uris = [str(path) for path in paths]
        embeddings.embed_image(uris[:1])
        counter.reset()
        preparation = CpuTimer(batch_preparation.prepare_image)
        batch_preparation.prepare_image = preparation  # type: ignore[assignment]
        try:
            with timed() as timing:
                vectors = embeddings.embed_image(uris)
        finally:
            batch_preparation.prepare_image = preparation.function  # type: ignore[assignment]
        embeddings.close()
        assert len(vectors) == COUNT
        details["ours"] = {
            "wall_s": timing.wall,
            "cpu_s": timing.cpu,
            "prepare_image_cpu_s": preparation.seconds,
            "bytes": counter.total,
            "largest_request": counter.largest,
            "requests_over_5mb": counter.over(LIMIT_5MB),
            "requests": len(counter.sizes),
        }
    seed_d, ours_d = details["seed"], details["ours"]
    cpu_ms = 1000 * timing.cpu / COUNT
    ratio = ours_d["bytes"] / seed_d["bytes"]
    return {
        "name": "W2",
        "title": "CPU-bound: 40 photo-like 12 MP JPEGs, no latency",
        "rows": [
            row("seed loop: client CPU per photo", 1000 * seed.cpu / COUNT, "ms"),
            row("ours: client CPU per photo", cpu_ms, "ms", "<= 80 ms", cpu_ms <= 80),
            row(
                "ours: of which prepare_image (decode, scale, encode)",
                1000 * preparation.seconds / COUNT,
                "ms",
            ),
            row("seed loop: uploaded per photo", seed_d["bytes"] / COUNT / MiB, "MiB"),
            row("ours: uploaded per photo", ours_d["bytes"] / COUNT / MiB, "MiB"),
            row("ours / seed loop: bytes uploaded", ratio, "ratio", "<= 0.25", ratio <= 0.25),
            row(
                "ours: largest request",
                ours_d["largest_request"] / MiB,
                "MiB",
                "<= 5 MiB",
                ours_d["requests_over_5mb"] == 0,
            ),
            row(
                "seed loop: requests over 5 MiB",
                seed_d["requests_over_5mb"],
                f"of {COUNT}",
                "count",
            ),
            row("seed loop / ours: wall time", seed.wall / timing.wall, "x"),
        ],
        "details": details,
    }
