"""CACHEHIT: what a cache hit costs: ``embed_query`` of a text already in the cache.

The same measurement runs, in child processes on the same machine, against this tree and
against the code of release 0.1.0 (commit ``f9c1ccf``, checked out into a temporary git
worktree): a hit must cost at most half of what it cost there. A hit sends nothing, so this
is the client's own per-call overhead (settings, planning, the look-up, the drivers).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .support import row

BASELINE_COMMIT = "f9c1ccf"
CALLS = 1000
RUNS = 7
REPO = Path(__file__).resolve().parents[1]

_MEASURE = """
import json, statistics, sys, timeit
sys.path.insert(0, sys.argv[1])
from langchain_core.stores import InMemoryByteStore
from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator
with FoundryEmulator(model="Cohere-embed-v3-english", key="k") as emulator:
    embeddings = AzureAIImageEmbeddings(
        endpoint=emulator.endpoint, credential="k", model="Cohere-embed-v3-english",
        cache=InMemoryByteStore(),
    )
    embeddings.embed_query("a cat")
    runs = [
        timeit.timeit(lambda: embeddings.embed_query("a cat"), number={calls}) / {calls} * 1e6
        for _ in range({runs})
    ]
    assert emulator.stats()["requests"]["/embeddings"] == 1  # every later call was a hit
print(json.dumps({{"median_us": statistics.median(runs), "runs_us": runs}}))
"""


def _measure(tree: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(calls=CALLS, runs=RUNS), str(tree)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),  # not this tree: the argument decides what is imported
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _baseline() -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "baseline"
        added = subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), BASELINE_COMMIT],
            capture_output=True,
            text=True,
            check=False,
        )
        if added.returncode != 0:  # no history (an sdist): nothing to compare with
            return None
        try:
            return _measure(tree)
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
                check=False,
            )


def run() -> dict[str, Any]:
    ours = _measure(REPO)
    before = _baseline()
    rows = [row("cache-hit embed_query, this tree (median of 7 x 1,000)", ours["median_us"], "us")]
    details: dict[str, Any] = {"ours": ours, "baseline": before, "baseline_commit": BASELINE_COMMIT}
    if before is not None:
        share = ours["median_us"] / before["median_us"]
        rows.append(row("cache-hit embed_query, release 0.1.0", before["median_us"], "us"))
        rows.append(row("this tree / release 0.1.0", 100 * share, "%", "<= 50%", share <= 0.5))
        details["share"] = share
    return {
        "name": "CACHEHIT",
        "title": "A cache hit: embed_query of a cached text",
        "rows": rows,
        "details": details,
    }
