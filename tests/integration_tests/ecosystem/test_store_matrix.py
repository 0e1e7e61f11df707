"""The store matrix: Qdrant (local mode), Milvus Lite, LanceDB and PGVector on a real PostgreSQL.

For each store: `add_image_folder` indexes 30 distinct images under their default ids (UUIDs,
which every store accepts), `search_by_image` finds each original first from a half-size JPEG
copy (30 of 30), async search agrees, two folders holding the same file names keep every
document, and indexing the same folder again updates instead of duplicating. PGVector shares ids
across collections: the same folder indexed into two collections must leave both complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings import (
    add_image_folder,
    asearch_by_image,
    search_by_image,
)
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from langchain_azure_image_embeddings.indexing import image_id
from tests.conftest import make_embeddings
from tests.integration_tests.ecosystem.images import half_size_jpeg, write_distinct_images
from tests.integration_tests.ecosystem.stores import (
    StoreFactory,
    lancedb_factory,
    milvus_factory,
    pgvector_factory,
    postgres_url,  # noqa: F401  (a fixture)
    qdrant_factory,
    unique,
)

COUNT = 30
STORES = ["qdrant", "milvus", "lancedb", "pgvector"]
UPSERTS_BY_ID = {"qdrant": True, "milvus": True, "lancedb": False, "pgvector": True}
"""Whether adding a document under an existing id replaces it (LanceDB's add_texts appends)."""
SYNC_ONLY = {"pgvector"}
"""A PGVector store is sync or async (`async_mode=True`), not both."""

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[Path]]:
    root = tmp_path_factory.mktemp("matrix")
    originals = write_distinct_images(root / "images", COUNT)
    copies = [half_size_jpeg(path, root / "queries") for path in originals]
    return root, originals, copies


@pytest.fixture(params=STORES)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "pgvector":
        yield from pgvector_factory(request.getfixturevalue("postgres_url"))
    else:
        yield from {"qdrant": qdrant_factory, "milvus": milvus_factory, "lancedb": lancedb_factory}[
            request.param
        ](tmp_path)


def count_documents(store: Any, probe: Path, k: int = 100) -> list[Any]:
    """Every document of a small store (a search by image with a large k)."""
    return search_by_image(store, probe, k=k)


async def test_a_folder_is_found_again_image_by_image(
    request: pytest.FixtureRequest,
    factory: StoreFactory,
    emulator: FoundryEmulator,
    library: tuple[Path, list[Path], list[Path]],
) -> None:
    root, originals, copies = library
    embeddings = make_embeddings(emulator)
    store = factory(embeddings, unique("images"))
    emulator.reset_stats()  # Qdrant embeds a probe text when it opens a collection

    ids = add_image_folder(store, root / "images", captions={"image-000.png": "the first"})

    collection = getattr(store, "collection_name", None)
    assert ids == [image_id(path, collection=collection) for path in originals]
    assert emulator.stats()["requests"]["/images/embeddings"] == COUNT
    found = [search_by_image(store, copy, k=1)[0].metadata["source"] for copy in copies]
    assert found == [str(path) for path in originals]  # 30 of 30
    first = search_by_image(store, copies[0], k=1)[0]
    assert (first.page_content, first.metadata["caption"]) == ("the first", "the first")
    name = request.node.callspec.params["factory"]
    if name not in SYNC_ONLY:
        hits = await asearch_by_image(store, copies[7].read_bytes(), k=2)
        assert hits[0].metadata["source"] == str(originals[7])
    assert emulator.stats()["requests"]["/embeddings"] == 0  # never a caption's text vector

    again = add_image_folder(store, root / "images")  # the same folder, the same ids
    assert again == ids
    upserts = UPSERTS_BY_ID[name]
    assert len(count_documents(store, copies[0])) == (COUNT if upserts else 2 * COUNT)


def test_two_folders_with_the_same_file_names_keep_every_document(
    factory: StoreFactory, shared_emulator: FoundryEmulator, tmp_path: Path
) -> None:
    first = write_distinct_images(tmp_path / "camera-a", 3)
    second = [
        path.rename(path.with_name(f"image-00{index}.png"))
        for index, path in enumerate(write_distinct_images(tmp_path / "tmp-b", 6)[3:])
    ]
    (tmp_path / "tmp-b").rename(tmp_path / "camera-b")
    second = [tmp_path / "camera-b" / path.name for path in second]
    assert [path.name for path in first] == [path.name for path in second]
    store = factory(make_embeddings(shared_emulator), unique("twins"))

    ids = add_image_folder(store, tmp_path / "camera-a") + add_image_folder(
        store, tmp_path / "camera-b"
    )

    assert len(set(ids)) == 6
    sources = {doc.metadata["source"] for doc in count_documents(store, first[0])}
    assert sources == {str(path) for path in first + second}
    for path in first + second:  # each one is found by its own image
        assert search_by_image(store, path, k=1)[0].metadata["source"] == str(path)


def test_pgvector_one_folder_into_two_collections_leaves_both_complete(
    postgres_url: str,  # noqa: F811
    shared_emulator: FoundryEmulator,
    tmp_path: Path,
) -> None:
    paths = write_distinct_images(tmp_path / "photos", 4)
    for make in pgvector_factory(postgres_url):
        embeddings = make_embeddings(shared_emulator)
        left, right = make(embeddings, unique("left")), make(embeddings, unique("right"))

        left_ids = add_image_folder(left, tmp_path / "photos")
        right_ids = add_image_folder(right, tmp_path / "photos")

        assert set(left_ids).isdisjoint(right_ids)  # PGVector's ids span collections
        for store in (left, right):
            found = search_by_image(store, paths[0], k=10)
            assert sorted(doc.metadata["source"] for doc in found) == [str(p) for p in paths]
