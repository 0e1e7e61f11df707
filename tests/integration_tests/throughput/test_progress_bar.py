"""``show_progress_bar=True``: a tqdm bar that counts every input, sent, cached or failed."""

from __future__ import annotations

import re

import pytest
from langchain_core.stores import InMemoryByteStore

from ...conftest import jpeg_bytes, make_embeddings


def _final_count(stderr: str) -> tuple[int, int | None]:
    """The last ``n/total`` (or ``n`` for an unknown total) the bar printed."""
    counts = re.findall(r"(\d+)(?:/(\d+))?(?:input)? \[", stderr)
    done, total = counts[-1]
    return int(done), int(total) if total else None


def test_the_bar_counts_every_input_of_a_list(emulator, capsys):
    embeddings = make_embeddings(emulator, show_progress_bar=True, texts_per_request=4)
    embeddings.embed_documents([f"text {index}" for index in range(10)])
    assert _final_count(capsys.readouterr().err) == (10, 10)


def test_the_bar_counts_cache_hits_and_failures_too(emulator, capsys):
    embeddings = make_embeddings(emulator, show_progress_bar=True, cache=InMemoryByteStore())
    images = [jpeg_bytes(seed=seed) for seed in range(6)]
    embeddings.embed_images(images)
    capsys.readouterr()
    results = embeddings.embed_images([*images, b"not an image"], errors="return")
    assert isinstance(results[-1], Exception)
    assert _final_count(capsys.readouterr().err) == (7, 7)


@pytest.mark.parametrize("cached", [False, True])
async def test_the_bar_counts_a_generator_without_a_total(emulator, capsys, cached):
    cache = InMemoryByteStore() if cached else None
    embeddings = make_embeddings(emulator, show_progress_bar=True, cache=cache)
    await embeddings.aembed_documents(f"text {index}" for index in range(5))
    assert _final_count(capsys.readouterr().err) == (5, None)
