"""The real vector stores (Chroma, FAISS, InMemoryVectorStore) with images, against the emulator.

Each retrieval test indexes 30 distinct generated images, then searches with a half-size JPEG
copy of each one: its original must come first, 30 of 30. Text searches must go through the
text route (`/embeddings`), which the emulator's request counters show.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInputError
from langchain_azure_image_embeddings.emulator import FoundryEmulator
from langchain_azure_image_embeddings.indexing import (
    aadd_image_folder,
    add_image_folder,
    add_images,
    image_id,
)
from tests.conftest import make_embeddings
from tests.integration_tests.ecosystem.images import (
    data_url,
    half_size_jpeg,
    write_distinct_images,
)

COUNT = 30


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[Path]]:
    """30 images in ``<root>/images`` and their half-size JPEG copies in ``<root>/queries``."""
    root = tmp_path_factory.mktemp("library")
    originals = write_distinct_images(root / "images", COUNT)
    copies = [half_size_jpeg(path, root / "queries") for path in originals]
    return root, originals, copies


def captions_of(paths: list[Path]) -> dict[str, str]:
    return {path.name: f"generated picture number {i}" for i, path in enumerate(paths)}


def requests(emulator: FoundryEmulator) -> dict[str, int]:
    counts: dict[str, int] = emulator.stats()["requests"]
    return {"images": counts["/images/embeddings"], "texts": counts["/embeddings"]}


# ---------------------------------------------------------------------------------- Chroma


@pytest.fixture
def chroma_store(
    emulator: FoundryEmulator, library: tuple[Path, list[Path], list[Path]]
) -> Iterator[Any]:
    from langchain_chroma import Chroma

    root, _, _ = library
    embeddings = make_embeddings(emulator, image_roots=[root])
    store = Chroma(collection_name=f"images-{uuid.uuid4().hex}", embedding_function=embeddings)
    yield store
    store.delete_collection()
    embeddings.close()


def test_chroma_add_images_then_search_by_resized_copy_finds_each_original(
    chroma_store: Any,
    emulator: FoundryEmulator,
    library: tuple[Path, list[Path], list[Path]],
) -> None:
    _, originals, copies = library
    uris = [str(path) for path in originals]

    ids = chroma_store.add_images(uris=uris, metadatas=[{"source": uri} for uri in uris])

    assert len(ids) == COUNT
    assert requests(emulator) == {"images": COUNT, "texts": 0}
    # Chroma's own add_images stores each image as base64 text in page_content.
    stored = chroma_store.get(ids=[ids[0]])
    assert stored["documents"][0] == base64.b64encode(originals[0].read_bytes()).decode()

    found = [
        chroma_store.similarity_search_by_image(uri=str(copy), k=1)[0].metadata["source"]
        for copy in copies
    ]
    assert found == uris  # 30 of 30, each original first
    assert requests(emulator) == {"images": 2 * COUNT, "texts": 0}

    hits = chroma_store.similarity_search("a picture of a red circle", k=3)
    assert len(hits) == 3
    assert {hit.metadata["source"] for hit in hits} <= set(uris)
    assert requests(emulator) == {"images": 2 * COUNT, "texts": 1}  # the text route


def test_chroma_add_images_refuses_a_path_outside_image_roots(
    chroma_store: Any, emulator: FoundryEmulator
) -> None:
    # Chroma reads the file itself (to store it as base64) before it asks for the
    # embeddings; embed_image refuses the path, so nothing is stored or sent.
    with pytest.raises(ImageInputError, match="image_roots"):
        chroma_store.add_images(uris=["/etc/passwd"])
    with pytest.raises(ImageInputError, match="image_roots"):
        chroma_store.similarity_search_by_image(uri="/etc/hostname")

    assert chroma_store.get()["ids"] == []
    assert requests(emulator) == {"images": 0, "texts": 0}


def test_chroma_with_the_folder_helper_stores_captions_not_base64(
    chroma_store: Any,
    emulator: FoundryEmulator,
    library: tuple[Path, list[Path], list[Path]],
) -> None:
    root, originals, copies = library
    captions = captions_of(originals)

    ids = add_image_folder(chroma_store, root / "images", captions=captions)

    assert ids == [image_id(path) for path in originals]  # Chroma has no collection_name
    stored = chroma_store.get(ids=ids[:2])
    assert stored["documents"] == [captions[originals[0].name], captions[originals[1].name]]
    assert stored["metadatas"][0] == {
        "source": str(originals[0]),
        "caption": captions[originals[0].name],
    }
    assert requests(emulator) == {"images": COUNT, "texts": 0}  # no caption was embedded
    found = [
        chroma_store.similarity_search_by_image(uri=str(copy), k=1)[0].metadata["source"]
        for copy in copies
    ]
    assert found == [str(path) for path in originals]


# ----------------------------------------------------------------------------------- FAISS


@pytest.mark.filterwarnings("ignore:.*langchain-community.*:DeprecationWarning")
def test_faiss_with_the_folder_helper_finds_each_original_by_an_image_query(
    emulator: FoundryEmulator, library: tuple[Path, list[Path], list[Path]]
) -> None:
    import faiss
    from langchain_community.docstore.in_memory import InMemoryDocstore
    from langchain_community.vectorstores import FAISS
    from langchain_community.vectorstores.utils import DistanceStrategy

    root, originals, copies = library
    embeddings = make_embeddings(emulator)  # no image_roots: the helper passes Paths
    store = FAISS(
        embedding_function=embeddings,
        index=faiss.IndexFlatIP(1024),
        docstore=InMemoryDocstore(),
        index_to_docstore_id={},
        distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT,
    )
    captions = captions_of(originals)

    add_image_folder(store, root / "images", captions=captions)

    assert store.index.ntotal == COUNT
    assert requests(emulator) == {"images": COUNT, "texts": 0}
    # The standard API: an image data URL given as the query is embedded as an image.
    best = [store.similarity_search(data_url(copy), k=1)[0] for copy in copies]
    assert [doc.metadata["source"] for doc in best] == [str(path) for path in originals]
    assert [doc.page_content for doc in best] == [captions[path.name] for path in originals]
    assert requests(emulator) == {"images": 2 * COUNT, "texts": 0}

    hits = store.similarity_search_with_score("a striped picture", k=2)
    assert len(hits) == 2
    assert requests(emulator) == {"images": 2 * COUNT, "texts": 1}


# --------------------------------------------------------------------- InMemoryVectorStore


def test_in_memory_store_with_add_images_keeps_metadata_and_the_image_vectors(
    emulator: FoundryEmulator, library: tuple[Path, list[Path], list[Path]]
) -> None:
    _, originals, copies = library
    embeddings = make_embeddings(emulator)
    store = InMemoryVectorStore(embedding=embeddings)

    ids = add_images(
        store,
        originals,
        captions=[f"caption {i}" for i in range(COUNT)],
        metadatas=[{"album": "tests", "position": i} for i in range(COUNT)],
        batch_size=7,  # five batches of at most 7
    )

    assert len(ids) == COUNT
    first = store.get_by_ids([ids[0]])[0]
    assert first.page_content == "caption 0"
    assert first.metadata == {
        "source": str(originals[0]),
        "caption": "caption 0",
        "album": "tests",
        "position": 0,
    }
    # The stored vectors are the images' vectors, not the captions' text vectors.
    assert store.store[ids[3]]["vector"] == embeddings.embed_images([originals[3]])[0]
    assert requests(emulator)["texts"] == 0

    retriever = store.as_retriever(search_kwargs={"k": 1})
    found = [retriever.invoke(data_url(copy))[0].metadata["source"] for copy in copies]
    assert found == [str(path) for path in originals]
    by_vector = [
        store.similarity_search_by_vector(embeddings.embed_images([copy])[0], k=1)[0]
        for copy in copies
    ]
    assert [doc.id for doc in by_vector] == ids


async def test_in_memory_store_async_folder_helper(
    emulator: FoundryEmulator, library: tuple[Path, list[Path], list[Path]]
) -> None:
    root, originals, copies = library
    store = InMemoryVectorStore(embedding=make_embeddings(emulator))

    ids = await aadd_image_folder(store, root / "images", captions=captions_of(originals))

    assert ids == [image_id(path) for path in originals]
    assert requests(emulator) == {"images": COUNT, "texts": 0}
    hits = await store.asimilarity_search(data_url(copies[5]), k=1)
    assert hits[0].metadata["source"] == str(originals[5])
    texts = await store.asimilarity_search("generated picture", k=2)
    assert len(texts) == 2
    assert requests(emulator) == {"images": COUNT + 1, "texts": 1}


def test_folder_helper_recursive_ids_and_captions_by_relative_path(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    write_distinct_images(tmp_path / "a", 2)
    write_distinct_images(tmp_path / "a" / "b", 1)
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    store = InMemoryVectorStore(embedding=make_embeddings(emulator))

    ids = add_image_folder(
        store,
        tmp_path / "a",
        recursive=True,
        captions={"b/image-000.png": "deep", "image-000.png": "shallow"},
    )

    files = [tmp_path / "a" / "b" / "image-000.png", *sorted((tmp_path / "a").glob("*.png"))]
    assert ids == [str(uuid.uuid5(uuid.NAMESPACE_URL, path.as_uri())) for path in files]
    docs = store.get_by_ids(ids)
    assert [doc.page_content for doc in docs] == ["deep", "shallow", "image-001.png"]
    assert "caption" not in docs[2].metadata
    # The same names in two folders are two documents; the same folder again updates its own.
    again = add_image_folder(store, tmp_path / "a", recursive=True)
    assert again == ids
    other = add_image_folder(store, tmp_path / "a" / "b")
    assert len(store.store) == 3
    assert other == [ids[0]]  # the same file, reached through another folder: one document


def test_folder_helper_ids_by_a_function_and_add_images_ids_by_a_function(
    emulator: FoundryEmulator, tmp_path: Path
) -> None:
    paths = write_distinct_images(tmp_path / "p", 2)
    store = InMemoryVectorStore(embedding=make_embeddings(emulator))

    ids = add_image_folder(store, tmp_path / "p", ids=lambda path: f"photo-{path.stem}")
    more = add_images(store, [paths[0].read_bytes()], ids=lambda image: f"bytes-{len(image)}")
    unnamed = add_images(store, [paths[1].read_bytes()])

    assert ids == ["photo-image-000", "photo-image-001"]
    assert more == [f"bytes-{paths[0].stat().st_size}"]
    assert uuid.UUID(unnamed[0]).version == 4  # an input without a path: a random UUID
    assert len(store.store) == 4


class ThreadedInMemoryVectorStore(InMemoryVectorStore):
    """A store that embeds in a thread of its own (without the caller's context)."""

    def add_texts(self, *args: Any, **kwargs: Any) -> list[str]:
        result: list[list[str]] = []
        worker = threading.Thread(
            target=lambda: result.append(
                super(ThreadedInMemoryVectorStore, self).add_texts(*args, **kwargs)
            )
        )
        worker.start()
        worker.join()
        return result[0]


def test_a_store_that_does_not_take_the_image_vectors_is_refused_and_cleaned(
    emulator: FoundryEmulator, library: tuple[Path, list[Path], list[Path]]
) -> None:
    _, originals, _ = library
    store = ThreadedInMemoryVectorStore(embedding=make_embeddings(emulator))

    with pytest.raises(RuntimeError, match="did not take 3 precomputed image"):
        add_images(store, originals[:3], captions=["x", "y", "z"])

    assert store.store == {}  # the caption-vector documents were deleted again


def test_add_images_needs_our_embeddings(shared_emulator: FoundryEmulator) -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    with pytest.raises(TypeError, match="AzureAIImageEmbeddings"):
        add_images(InMemoryVectorStore(embedding=DeterministicFakeEmbedding(size=8)), [b"x"])
    store = InMemoryVectorStore(embedding=make_embeddings(shared_emulator))
    with pytest.raises(ValueError, match="same length"):
        add_images(store, [b"x", b"y"], captions=["only one"])
    assert isinstance(store.embeddings, AzureAIImageEmbeddings)
