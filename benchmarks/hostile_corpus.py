"""HOSTILE: the worst CPU time and peak memory of preparing any input of the hostile corpus.

The files are those of the hostile-input corpus (``tests/integration_tests/hardening``):
the costliest files the decoding bounds let through (50 empty progressive scans on a
4000 x 4000 JPEG, 9,990 PNG chunks, a 64 MiB RGBA PNG, a 64 MP greyscale PNG, 100,000
GIF frames, 9,990 WebP frames ...) beside a 12 MP photo and a 20 MB noise PNG, and the
files the bounds refuse (10,000 empty scans, 100,000 chunks, an 8000 x 8000 RGBA PNG ...).

Each file is prepared (``prepare_image``, default limits) in a fresh process
(``python -m benchmarks.hostile_corpus --child PATH``) that reports the CPU time of the
call (the slowest of three) and how far it raised the process's peak RSS (``VmHWM``)
above what it was with the file's bytes already read.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .support import MiB, peak_rss_bytes, row, run_child

CPU_TARGET_MS = 1000.0
"""Any input within the limits is prepared in well under a second of CPU."""
MEMORY_TARGET = 200 * MiB
"""At most about three times the 64 MiB decode budget: the decoded image and its working copies."""
REFUSAL_TARGET_MS = 50.0
RUNS = 3


def _files() -> dict[str, tuple[bytes, bool]]:
    """name -> (bytes, whether the bounds let it through)."""
    from tests.integration_tests.hardening.hostile_images import refused_files, within_limit_files
    from tests.unit_tests.images.image_corpus import noise_png, photo_like_jpeg

    files = {name: (data, True) for name, data in within_limit_files().items()}
    files["photo-12MP-jpeg"] = (photo_like_jpeg(4000, 3000), True)
    files["noise-png-20MB"] = (noise_png(), True)
    files.update({name: (data, False) for name, (data, _) in refused_files().items()})
    return files


def child(path: Path) -> dict[str, Any]:
    from langchain_azure_image_embeddings._images.preparation import ImageLimits, prepare_image
    from langchain_azure_image_embeddings._images.sources import ImagePolicy
    from langchain_azure_image_embeddings.errors import ImageInputError

    data = path.read_bytes()
    policy, limits = ImagePolicy(), ImageLimits()
    gc.collect()
    baseline = peak_rss_bytes()
    cpu: list[float] = []
    refused: str | None = None
    for _ in range(RUNS):
        started = time.process_time()
        try:
            prepare_image(data, policy=policy, limits=limits)
        except ImageInputError as error:
            refused = error.reason[:120]
        cpu.append((time.process_time() - started) * 1000)
        gc.collect()
    return {
        "cpu_ms": max(cpu),
        "peak_increase": peak_rss_bytes() - baseline,
        "bytes": len(data),
        "refused": refused,
    }


def run() -> dict[str, Any]:
    files = _files()
    measured: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, (data, allowed) in files.items():
            path = Path(folder) / name
            path.write_bytes(data)
            result = run_child("benchmarks.hostile_corpus", "--child", str(path))
            result["within_limits"] = allowed
            measured[name] = result
            print(
                f"  {name:42} {result['cpu_ms']:8.1f} ms {result['peak_increase'] / MiB:7.1f} MiB"
                f"  {'refused: ' + result['refused'] if result['refused'] else 'prepared'}",
                flush=True,
            )
    passed = {name: r for name, r in measured.items() if r["within_limits"]}
    refused = {name: r for name, r in measured.items() if not r["within_limits"]}
    wrong = [name for name, r in passed.items() if r["refused"]]
    wrong += [name for name, r in refused.items() if not r["refused"]]
    slowest = max(passed, key=lambda name: passed[name]["cpu_ms"])
    largest = max(passed, key=lambda name: passed[name]["peak_increase"])
    slowest_refusal = max(refused, key=lambda name: refused[name]["cpu_ms"])
    cpu_ms = passed[slowest]["cpu_ms"]
    peak = passed[largest]["peak_increase"]
    refusal_ms = refused[slowest_refusal]["cpu_ms"]
    return {
        "files": measured,
        "rows": [
            row(
                f"worst CPU preparing an input within the limits ({slowest})",
                cpu_ms,
                "ms",
                f"< {CPU_TARGET_MS:g} ms",
                cpu_ms < CPU_TARGET_MS,
            ),
            row(
                f"worst peak memory preparing an input within the limits ({largest})",
                peak / MiB,
                "MiB",
                f"<= {MEMORY_TARGET // MiB} MiB",
                peak <= MEMORY_TARGET,
            ),
            row(
                f"worst CPU refusing a costly input ({slowest_refusal})",
                refusal_ms,
                "ms",
                f"< {REFUSAL_TARGET_MS:g} ms",
                refusal_ms < REFUSAL_TARGET_MS,
            ),
            row(
                "inputs prepared or refused as the bounds say",
                len(measured) - len(wrong),
                f"of {len(measured)}",
                "all",
                not wrong,
            ),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path, help="prepare this file and print the measurement")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return
    print(json.dumps(run()["rows"], indent=2))


if __name__ == "__main__":
    main()
