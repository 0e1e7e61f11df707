"""W3, memory: 2,000 images on disk through ``embed_image`` and through a generator.

Each measurement runs in a fresh process (``python -m benchmarks.w3_memory
--child ...``) that reports its peak RSS (``VmHWM`` on Linux). The target: the peak
grows from the N=200 run to the N=2,000 run by no more than the returned
vectors' own size plus 50 MB, i.e. the pipeline itself holds a bounded amount
of memory whatever the input's length.
"""

from __future__ import annotations

import argparse
import gc
import json
from pathlib import Path
from typing import Any

from .images import small_images
from .support import (
    EmulatorProcess,
    MiB,
    ours,
    peak_rss_bytes,
    row,
    run_child,
    timed,
    vectors_size,
)

COUNTS = (200, 2000)
MODES = ("embed_image", "generator")
ALLOWANCE = 50 * MiB


def child(mode: str, count: int, endpoint: str, key: str, folder: Path) -> dict[str, Any]:
    embeddings = ours(endpoint, key, image_roots=[str(folder)])
    embeddings.embed_image([str(folder / "00000.jpg")])  # clients, pools and threads exist
    gc.collect()
    start = peak_rss_bytes()
    with timed() as timing:
        if mode == "embed_image":
            vectors = embeddings.embed_image([str(folder / f"{i:05d}.jpg") for i in range(count)])
        else:
            vectors = embeddings.embed_images(folder / f"{i:05d}.jpg" for i in range(count))
    assert len(vectors) == count
    return {
        "mode": mode,
        "count": count,
        "peak_rss": peak_rss_bytes(),
        "rss_before_call": start,
        "vectors_size": vectors_size(vectors),
        "wall_s": timing.wall,
    }


def run() -> dict[str, Any]:
    paths = small_images(max(COUNTS))
    folder = paths[0].parent
    runs: dict[str, dict[int, dict[str, Any]]] = {mode: {} for mode in MODES}
    with EmulatorProcess() as emulator:
        for mode in MODES:
            for count in COUNTS:
                runs[mode][count] = run_child(
                    "benchmarks.w3_memory",
                    "--child",
                    mode,
                    str(count),
                    emulator.endpoint,
                    emulator.key,
                    str(folder),
                )
    rows = []
    small, large = COUNTS
    for mode in MODES:
        growth = runs[mode][large]["peak_rss"] - runs[mode][small]["peak_rss"]
        vectors = runs[mode][large]["vectors_size"]
        bound = vectors + ALLOWANCE
        beyond = growth - (vectors - runs[mode][small]["vectors_size"])
        runs[mode]["growth"] = {"bytes": growth, "bound": bound, "beyond_vectors": beyond}
        rows += [
            row(f"{mode}: peak RSS at N={small}", runs[mode][small]["peak_rss"] / MiB, "MiB"),
            row(f"{mode}: peak RSS at N={large}", runs[mode][large]["peak_rss"] / MiB, "MiB"),
            row(
                f"{mode}: growth N={small} -> N={large}",
                growth / MiB,
                "MiB",
                f"<= vectors {vectors / MiB:.1f} + 50 MiB",
                growth <= bound,
            ),
            row(f"{mode}: growth beyond the vectors' own growth", beyond / MiB, "MiB"),
        ]
    return {
        "name": "W3",
        "title": "Memory: 2,000 images on disk",
        "rows": rows,
        "details": {mode: {str(k): v for k, v in runs[mode].items()} for mode in MODES},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=5, metavar=("MODE", "N", "ENDPOINT", "KEY", "FOLDER"))
    args = parser.parse_args()
    mode, count, endpoint, key, folder = args.child
    print(json.dumps(child(mode, int(count), endpoint, key, Path(folder))))


if __name__ == "__main__":
    main()
