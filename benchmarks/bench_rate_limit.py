"""RATE: a deployment limited to 600 requests per minute, 500 images, ``max_concurrency=32``.

Usage::

    python -m benchmarks.bench_rate_limit        # about 45 s

The emulator runs in its own process (``python -m langchain_azure_image_embeddings.emulator
--rpm 600``, loopback only) and enforces the limit as Azure does, over short windows too: at
most 600 requests in any minute and 100 in any 10 seconds, refused with 429 and
``Retry-After`` / ``retry-after-ms``. The client uses its defaults (no client-side rate limit:
it must find the rate from the 429s), with ``max_concurrency=32``.

Checked: every one of the 500 vectors comes back (no error reaches the caller). Measured: the
wall time, the requests and 429s the emulator saw, and the achieved rate. The limit lets the
first 100 requests through at once (a full 10 s window), so the rate reported against the
limit is the sustained one, ``(500 - 100) / elapsed``: a client that used every window to the
full would score 100%. The plain ``500 / elapsed`` is in the JSON too.

Writes ``benchmarks/results/rate_limit.json`` and prints
``rate-limit: achieved X req/min = Y% of 600 (target >= 85%)``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.images import small_jpeg  # noqa: E402
from benchmarks.support import EmulatorProcess, machine  # noqa: E402
from langchain_azure_image_embeddings import AzureAIImageEmbeddings  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "rate_limit.json"
RPM = 600
IMAGES = 500
MAX_CONCURRENCY = 32
TARGET_SHARE = 0.85
BURST = math.ceil(RPM / 6)  # what the emulator admits in one 10 s window


def run() -> dict[str, Any]:
    """Run the workload and return its rows and details (also written as JSON)."""
    images = [small_jpeg(seed, size=64) for seed in range(IMAGES)]
    with EmulatorProcess(extra=["--rpm", str(RPM)]) as emulator:
        embeddings = AzureAIImageEmbeddings(
            endpoint=emulator.endpoint,
            credential=emulator.key,
            model=emulator.model,
            max_concurrency=MAX_CONCURRENCY,
        )
        started = time.perf_counter()
        vectors = embeddings.embed_images(images)
        elapsed = time.perf_counter() - started
        embeddings.close()
        stats = emulator.stats()
    assert len(vectors) == IMAGES, "a vector is missing"
    statuses = stats["status_counts"]
    sustained = (IMAGES - BURST) / elapsed * 60
    share = sustained / RPM
    rows = [
        {
            "metric": f"{IMAGES} images at {RPM} req/min, max_concurrency={MAX_CONCURRENCY}: "
            "errors reaching the caller",
            "value": 0,
            "unit": "errors",
            "target": "0",
            "ok": True,
        },
        {
            "metric": "sustained rate, (images - first window) / elapsed, as a share of the limit",
            "value": round(share * 100, 1),
            "unit": "%",
            "target": f">= {TARGET_SHARE:.0%}",
            "ok": share >= TARGET_SHARE,
        },
    ]
    result = {
        "name": "RATE",
        "title": f"Rate-limited deployment ({RPM} req/min)",
        "rows": rows,
        "details": {
            "rpm_limit": RPM,
            "window_limit": f"{BURST} per 10 s",
            "images": IMAGES,
            "max_concurrency": MAX_CONCURRENCY,
            "elapsed_s": round(elapsed, 2),
            "ideal_elapsed_s": 10.0 * (math.ceil(IMAGES / BURST) - 1),
            "requests_sent": stats["requests"]["/images/embeddings"],
            "answered_200": statuses.get("200", 0),
            "answered_429": statuses.get("429", 0),
            "sustained_req_per_min": round(sustained, 1),
            "plain_req_per_min": round(IMAGES / elapsed * 60, 1),
            "share_of_limit": round(share, 3),
            "max_in_flight": stats["max_in_flight"],
            "machine": machine(),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"rate-limit: achieved {sustained:.0f} req/min = {share:.0%} of {RPM} "
        f"(target >= {TARGET_SHARE:.0%})"
    )
    return result


if __name__ == "__main__":
    details = run()["details"]
    print(
        f"{details['elapsed_s']} s (ideal {details['ideal_elapsed_s']} s); "
        f"{details['requests_sent']} requests, {details['answered_429']} answered 429"
    )
