"""Re-indexing a changed folder with LangChain's `index()`: only new or changed images are sent.

A folder of 30 images is indexed with `index_images` (an `ImageFolderLoader`, a real record
manager, a real store). Then 2 images are added, 1 is changed (new pixels, same name) and 1 is
deleted: the second run must send exactly 3 image requests (the emulator's counters), leave
29 + 2 documents, and every document's vector must be its current image's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.indexing import InMemoryRecordManager
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_azure_image_embeddings import search_by_image
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from langchain_azure_image_embeddings.image_loader import (
    ImageFolderLoader,
    aindex_images,
    index_images,
)
from tests.conftest import make_embeddings
from tests.integration_tests.ecosystem.images import distinct_image, write_distinct_images

COUNT = 30


def image_requests(emulator: FoundryEmulator) -> int:
    count: int = emulator.stats()["requests"]["/images/embeddings"]
    return count


def change_the_folder(folder: Path) -> None:
    """Add 2 images, change 1 (the same name, other pixels), delete 1."""
    distinct_image(100).save(folder / "new-a.png")
    distinct_image(101).save(folder / "new-b.png")
    distinct_image(102).save(folder / "image-005.png")
    (folder / "image-009.png").unlink()


def sql_record_manager(tmp_path: Path) -> Any:
    from langchain_community.indexes._sql_record_manager import SQLRecordManager

    manager = SQLRecordManager("photos", db_url=f"sqlite:///{tmp_path / 'records.sqlite'}")
    manager.create_schema()
    return manager


@pytest.mark.parametrize("records", ["in-memory", "sql"])
def test_a_changed_folder_sends_only_its_new_and_changed_images(
    emulator: FoundryEmulator, tmp_path: Path, records: str
) -> None:
    folder = tmp_path / "photos"
    write_distinct_images(folder, COUNT)
    manager = (
        InMemoryRecordManager("photos") if records == "in-memory" else sql_record_manager(tmp_path)
    )
    store = InMemoryVectorStore(embedding=make_embeddings(emulator))

    first = index_images(ImageFolderLoader(folder), manager, store)
    assert first == {"num_added": COUNT, "num_updated": 0, "num_skipped": 0, "num_deleted": 0}
    assert image_requests(emulator) == COUNT
    assert index_images(ImageFolderLoader(folder), manager, store)["num_skipped"] == COUNT
    assert image_requests(emulator) == COUNT  # nothing changed, nothing sent

    change_the_folder(folder)
    emulator.reset_stats()
    second = index_images(ImageFolderLoader(folder), manager, store)

    assert image_requests(emulator) == 3
    assert emulator.stats()["requests"]["/embeddings"] == 0
    assert second == {"num_added": 3, "num_updated": 0, "num_skipped": 28, "num_deleted": 2}
    assert len(store.store) == 29 + 2
    sources = sorted(Path(doc["metadata"]["source"]).name for doc in store.store.values())
    assert sources == sorted(path.name for path in folder.iterdir())
    changed = folder / "image-005.png"
    assert search_by_image(store, changed, k=1)[0].metadata["source"] == str(changed.resolve())


async def test_async_indexing_and_captions(emulator: FoundryEmulator, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    write_distinct_images(folder, 4)
    manager = InMemoryRecordManager("photos")
    store = InMemoryVectorStore(embedding=make_embeddings(emulator))

    first = await aindex_images(ImageFolderLoader(folder), manager, store)
    captioned = ImageFolderLoader(folder, captions={"image-001.png": "a new caption"})
    second = await aindex_images(captioned, manager, store)

    assert first["num_added"] == 4
    assert (second["num_added"], second["num_skipped"], second["num_deleted"]) == (1, 3, 1)
    assert image_requests(emulator) == 5  # a new caption is a new document: its image again
    texts = sorted(doc["text"] for doc in store.store.values())
    assert texts == ["a new caption", "image-000.png", "image-002.png", "image-003.png"]
