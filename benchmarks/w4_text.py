"""W4, text: 10,000 short texts, ``texts_per_request=96``, 100 ms added latency.

Baseline in the same run, on the same emulator: ``langchain-azure-ai``'s
``AzureAIEmbeddingsModel`` (``embed_batch_size=96``), the text-only anchor
users have today. The share of our client's CPU time spent reading responses
(JSON and vectors: the protocol's ``parse``, called by ``exchange._parse``) is measured by
wrapping that function.
"""

from __future__ import annotations

import warnings
from typing import Any

from langchain_azure_image_embeddings._engine import exchange

from .support import MODEL, CpuTimer, EmulatorProcess, ours, row, timed

COUNT = 10_000
PER_REQUEST = 96
LATENCY_MS = 100.0
CONCURRENCY = 8  # the default
TEXTS_ROUTE = "/embeddings"
EXPECTED_REQUESTS = -(-COUNT // PER_REQUEST)


def texts(count: int = COUNT) -> list[str]:
    """Short, distinct texts (captions, product titles and the like)."""
    subjects = ["a cat", "a dog", "a red bicycle", "the harbour", "a bowl of soup", "a rocket"]
    places = ["at night", "in the rain", "on a sofa", "by the sea", "in a museum", "at noon"]
    return [f"{subjects[i % 6]} {places[(i // 6) % 6]}, photo number {i}" for i in range(count)]


def _baseline(endpoint: str, key: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langchain_azure_ai.embeddings.inference import AzureAIEmbeddingsModel

        return AzureAIEmbeddingsModel(
            endpoint=endpoint, credential=key, model=MODEL, embed_batch_size=PER_REQUEST
        )


def run() -> dict[str, Any]:
    inputs = texts()
    details: dict[str, Any] = {"count": COUNT, "latency_ms": LATENCY_MS}
    with EmulatorProcess(latency_ms=LATENCY_MS) as emulator:
        baseline = _baseline(emulator.endpoint, emulator.key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            baseline.embed_documents(["warm-up"])
            emulator.reset()
            with timed() as anchor:
                anchor_vectors = baseline.embed_documents(inputs)
        details["baseline"] = {
            "wall_s": anchor.wall,
            "cpu_s": anchor.cpu,
            "requests": emulator.requests(TEXTS_ROUTE),
        }
        assert len(anchor_vectors) == COUNT

        embeddings = ours(
            emulator.endpoint,
            emulator.key,
            texts_per_request=PER_REQUEST,
            max_concurrency=CONCURRENCY,
        )
        embeddings.embed_documents(["warm-up"])
        emulator.reset()
        reader = CpuTimer(exchange._parse)
        exchange._parse = reader  # type: ignore[assignment]
        try:
            with timed() as timing:
                vectors = embeddings.embed_documents(inputs)
        finally:
            exchange._parse = reader.function  # type: ignore[assignment]
        stats = emulator.stats()
        embeddings.close()
        assert len(vectors) == COUNT
        details["ours"] = {
            "wall_s": timing.wall,
            "cpu_s": timing.cpu,
            "read_cpu_s": reader.seconds,
            "requests": stats["requests"][TEXTS_ROUTE],
            "max_in_flight": stats["max_in_flight"],
        }
    requests = details["ours"]["requests"]
    speedup = anchor.wall / timing.wall
    share = reader.seconds / timing.cpu if timing.cpu else 0.0
    details["ours"].update(speedup=speedup, read_share=share)
    return {
        "name": "W4",
        "title": "Text: 10,000 short texts, 96 per request, 100 ms",
        "rows": [
            row("AzureAIEmbeddingsModel (embed_batch_size=96): wall time", anchor.wall, "s"),
            row(f"ours (max_concurrency={CONCURRENCY}): wall time", timing.wall, "s"),
            row("ours: requests", requests, "req", "exactly 105", requests == EXPECTED_REQUESTS),
            row("ours: speed-up vs AzureAIEmbeddingsModel", speedup, "x", ">= 5x", speedup >= 5),
            row("ours: share of client CPU spent reading responses", 100 * share, "%", "report"),
            row("ours: client CPU time", timing.cpu, "s"),
        ],
        "details": details,
    }
