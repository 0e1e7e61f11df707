"""`show_progress_bar=True` as users see it: no bar for one input, one bar for a whole folder.

tqdm writes to stderr; each bar, when it closes, leaves its last state there, with its
description. The count of "Indexing images" / "Embedding" descriptions in the final states is
the count of bars drawn.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, add_image_folder
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from tests.conftest import jpeg_bytes, make_embeddings

BAR = re.compile(r"(?P<desc>[A-Z][a-z]+ [a-z]+): +\d+%\|[^|]*\| *(?P<done>\d+)/(?P<total>\d+)")


def bars(stderr: str) -> list[tuple[str, int, int]]:
    """The final state of each bar: (description, done, total)."""
    finals: list[tuple[str, int, int]] = []
    for line in stderr.split("\n"):
        states = BAR.findall(line.replace("\r", "\n"))
        if states:
            desc, done, total = states[-1]
            finals.append((desc, int(done), int(total)))
    return finals


def test_single_input_calls_draw_nothing(
    shared_emulator: FoundryEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    embeddings = make_embeddings(shared_emulator, show_progress_bar=True)
    store = InMemoryVectorStore(embedding=embeddings)
    store.add_texts(["a", "b"])
    capsys.readouterr()

    embeddings.embed_query("a cat")
    embeddings.embed_images([jpeg_bytes()])
    store.as_retriever(search_kwargs={"k": 1}).invoke("a cat")

    assert capsys.readouterr().err == ""


def test_a_300_image_folder_draws_one_bar(
    shared_emulator: FoundryEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(300):
        (folder / f"photo-{index:03d}.jpg").write_bytes(jpeg_bytes((16, 12), seed=index))
    store = InMemoryVectorStore(
        embedding=make_embeddings(shared_emulator, show_progress_bar=True, max_concurrency=16)
    )

    ids = add_image_folder(store, folder)  # three batches of 128, 128 and 44

    assert len(ids) == 300
    assert bars(capsys.readouterr().err) == [("Indexing images", 300, 300)]


def test_a_list_draws_one_bar_with_a_description(
    shared_emulator: FoundryEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    embeddings = make_embeddings(shared_emulator, show_progress_bar=True)
    embeddings.embed_images([jpeg_bytes(seed=1), jpeg_bytes(seed=2), jpeg_bytes(seed=3)])
    assert bars(capsys.readouterr().err) == [("Embedding images", 3, 3)]


def test_a_missing_tqdm_is_reported_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if tqdm were not installed
    with pytest.raises(ImportError, match=r"langchain-azure-image-embeddings\[progress\]"):
        AzureAIImageEmbeddings(
            endpoint="http://127.0.0.1:9/models", credential="k", show_progress_bar=True
        )
    AzureAIImageEmbeddings(endpoint="http://127.0.0.1:9/models", credential="k")  # no bar: fine
