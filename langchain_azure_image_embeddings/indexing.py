"""Putting images into any LangChain vector store, with their path and caption as metadata.

Vector stores embed what they store by calling ``embed_documents`` on the
documents' text. :func:`add_images` embeds the images first (through
``/images/embeddings``, with everything the embeddings class offers: policy,
preparation, concurrency, retries) and hands the store those vectors when it
asks for the documents' embeddings, so the same few lines work with Chroma,
FAISS, ``InMemoryVectorStore`` or any store built on ``add_texts``.

Each stored document's ``page_content`` is the image's caption (or its file
name), never the image itself: unlike Chroma's own ``add_images``, which stores
the whole image as base64 text.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_azure_image_embeddings._engine.precomputed import (
    PrecomputedVectors,
    precomputed_vectors,
)
from langchain_azure_image_embeddings._engine.progress import shared_progress
from langchain_azure_image_embeddings.image_input import ImageInput

if TYPE_CHECKING:  # annotations only: importing them costs the vector-store stack at import
    from langchain_core.vectorstores import VectorStore

    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings

__all__ = [
    "IMAGE_SUFFIXES",
    "PrecomputedVectors",
    "aadd_image_folder",
    "aadd_images",
    "add_image_folder",
    "add_images",
    "image_files",
    "image_id",
    "precomputed_vectors",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
"""File suffixes (lower case) that :func:`add_image_folder` indexes."""

DEFAULT_BATCH_SIZE = 128

IdChoice = Sequence[str] | Callable[[Any], str] | None
"""Document ids: one per image, a function of each image input, or ``None`` (the default ids)."""


def image_id(image: str | os.PathLike[str], *, collection: str | None = None) -> str:
    """The default document id of an image file: a UUID5 of its resolved path.

    ``uuid.uuid5(uuid.NAMESPACE_URL, <the file's resolved file:// URI>)``, so
    indexing the same file again updates its document, and files of the same
    name in two folders never collide. A UUID is a valid id in every store
    (Qdrant accepts only UUIDs and integers; Azure AI Search keys only
    letters, digits, ``_``, ``-`` and ``=``). With ``collection`` (the
    helpers pass the store's ``collection_name`` when it has one) the
    collection's name is part of the name hashed: PGVector keeps ids unique
    across all its collections, so the same file in two collections needs
    two ids.

    Args:
        image: The file's path (``http(s)``/``file`` URLs are hashed as they are).
        collection: The store's collection name, if any.

    Returns:
        The id, as a string.
    """
    text = os.fspath(image)
    name = text if "://" in text else Path(text).resolve().as_uri()
    if collection is not None:
        name = f"{name}#collection={collection}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


@dataclass(frozen=True)
class Entry:
    """One image to index: what is embedded, and the document that is stored (not exported)."""

    embed: Any
    text: str
    metadata: dict[str, Any]
    id: str


def add_images(
    vectorstore: VectorStore,
    images: Sequence[Any],
    *,
    captions: Sequence[str | None] | None = None,
    metadatas: Sequence[Mapping[str, Any]] | None = None,
    ids: IdChoice = None,
    pair_captions: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """Embed images and add them to a vector store, one document per image.

    The store must have been built with an
    :class:`~langchain_azure_image_embeddings.AzureAIImageEmbeddings` as its
    embedding. Each document's text is its caption (or the image's file name),
    and its metadata holds ``source`` (the path, for path inputs) and
    ``caption``, merged with ``metadatas``.

    Images are embedded and added ``batch_size`` at a time, so memory stays
    bounded; if a batch fails, the batches before it stay in the store.

    Example:
        ```python
        from pathlib import Path
        from langchain_core.vectorstores import InMemoryVectorStore
        from langchain_azure_image_embeddings import AzureAIImageEmbeddings
        from langchain_azure_image_embeddings.indexing import add_images

        store = InMemoryVectorStore(AzureAIImageEmbeddings(model="Cohere-embed-v3-english"))
        add_images(store, [Path("photos/cat.jpg")], captions=["a cat"])
        ```

    Args:
        vectorstore: Any LangChain vector store that stores via ``add_texts``
            and embeds through its embedding's ``embed_documents``.
        images: Images in any form the embeddings accept. Strings are image
            references (read only inside ``image_roots``); ``pathlib.Path``
            objects are explicit intent and are read.
        captions: Optional caption per image (``None`` entries allowed).
        metadatas: Optional extra metadata per image.
        ids: The documents' ids: one per image, or a function of each image
            input (e.g. ``lambda path: path.name``). By default a path's id
            is :func:`image_id` (a UUID5 of the resolved path, with the
            store's ``collection_name`` when it has one), and any other
            input's a random UUID.
        pair_captions: Embed each image together with its caption as one
            image+text pair, instead of the image alone.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``.
        ValueError: The lengths of ``images``, ``captions``, ``metadatas`` or
            ``ids`` differ, or ``batch_size`` is not positive.
        RuntimeError: The store did not ask for the documents' embeddings
            through ``embed_documents`` in this context (its documents are
            deleted again).
    """
    entries = _entries(images, captions, metadatas, _ids(vectorstore, images, ids), pair_captions)
    return add_entries(vectorstore, entries, batch_size)


async def aadd_images(
    vectorstore: VectorStore,
    images: Sequence[Any],
    *,
    captions: Sequence[str | None] | None = None,
    metadatas: Sequence[Mapping[str, Any]] | None = None,
    ids: IdChoice = None,
    pair_captions: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """Async :func:`add_images`: embeds with the async client, adds with ``aadd_texts``.

    Args:
        vectorstore: Any LangChain vector store built on ``add_texts`` /
            ``aadd_texts``.
        images: Images in any form the embeddings accept.
        captions: Optional caption per image.
        metadatas: Optional extra metadata per image.
        ids: Ids, one per image or a function of each image (see :func:`add_images`).
        pair_captions: Embed each image with its caption as one pair.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``.
        ValueError: Lengths differ, or ``batch_size`` is not positive.
        RuntimeError: The store did not ask for the documents' embeddings.
    """
    entries = _entries(images, captions, metadatas, _ids(vectorstore, images, ids), pair_captions)
    return await aadd_entries(vectorstore, entries, batch_size)


def add_entries(vectorstore: VectorStore, entries: list[Entry], batch_size: int) -> list[str]:
    """Embed and add prepared entries, ``batch_size`` at a time, under one progress bar.

    Not exported: :func:`add_images` and the image loader's destination use it.
    """
    embeddings = embeddings_of(vectorstore)
    batches = _batches(entries, batch_size)
    added: list[str] = []
    with shared_progress(embeddings.show_progress_bar, len(entries), "Indexing images"):
        for batch in batches:
            vectors = embeddings.embed_images([entry.embed for entry in batch])
            texts, metadatas, ids = _documents(batch)
            with precomputed_vectors(texts, vectors) as pending:
                new_ids = vectorstore.add_texts(texts, metadatas=metadatas, ids=ids)
            if pending.unused:
                with contextlib.suppress(Exception):
                    vectorstore.delete(new_ids)
                raise _not_taken(vectorstore, pending.unused)
            added.extend(new_ids)
    return added


async def aadd_entries(
    vectorstore: VectorStore, entries: list[Entry], batch_size: int
) -> list[str]:
    """Async :func:`add_entries`: embeds with the async client, adds with ``aadd_texts``."""
    embeddings = embeddings_of(vectorstore)
    batches = _batches(entries, batch_size)
    added: list[str] = []
    with shared_progress(embeddings.show_progress_bar, len(entries), "Indexing images"):
        for batch in batches:
            vectors = await embeddings.aembed_images([entry.embed for entry in batch])
            texts, metadatas, ids = _documents(batch)
            with precomputed_vectors(texts, vectors) as pending:
                new_ids = await vectorstore.aadd_texts(texts, metadatas=metadatas, ids=ids)
            if pending.unused:
                with contextlib.suppress(Exception):
                    await vectorstore.adelete(new_ids)
                raise _not_taken(vectorstore, pending.unused)
            added.extend(new_ids)
    return added


def image_files(folder: str | Path, *, recursive: bool = False) -> list[Path]:
    """List the image files of a folder (by suffix, see ``IMAGE_SUFFIXES``), sorted.

    Args:
        folder: The folder.
        recursive: Also list sub-folders.

    Returns:
        The files' paths, each starting with ``folder``.
    """
    root = Path(folder)
    pattern = "**/*" if recursive else "*"
    return sorted(
        path
        for path in root.glob(pattern)
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    )


def add_image_folder(
    vectorstore: VectorStore,
    folder: str | Path,
    *,
    captions: Mapping[str, str] | None = None,
    recursive: bool = False,
    ids: Callable[[Path], str] | None = None,
    pair_captions: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """Index every image file of a folder (sorted by path), keeping path and caption.

    Each document's id is, by default, :func:`image_id` of the file: a UUID5
    of its resolved path (with the store's ``collection_name`` when it has
    one), valid in every store. Indexing the same folder again updates the
    documents in stores that upsert by id, and files of the same name in two
    folders stay two documents. Files are read because they are listed here,
    whatever ``image_roots`` says. To embed only new or changed files and
    drop deleted ones, see :mod:`langchain_azure_image_embeddings.image_loader`.

    Example:
        ```python
        from langchain_azure_image_embeddings.indexing import add_image_folder

        add_image_folder(store, "photos", captions={"cat.jpg": "a tabby cat"})
        ```

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        folder: The folder to index.
        captions: Optional captions by relative path or file name
            (e.g. ``{"cat.jpg": "a cat"}``).
        recursive: Also index sub-folders.
        ids: A function giving each file's id from its path, instead of
            :func:`image_id`.
        pair_captions: Embed each image with its caption as one pair.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.
    """
    paths, names = _folder(folder, captions, recursive)
    return add_images(
        vectorstore,
        paths,
        captions=names,
        ids=ids,
        pair_captions=pair_captions,
        batch_size=batch_size,
    )


async def aadd_image_folder(
    vectorstore: VectorStore,
    folder: str | Path,
    *,
    captions: Mapping[str, str] | None = None,
    recursive: bool = False,
    ids: Callable[[Path], str] | None = None,
    pair_captions: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """Async :func:`add_image_folder`.

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        folder: The folder to index.
        captions: Optional captions by relative path or file name.
        recursive: Also index sub-folders.
        ids: A function giving each file's id from its path.
        pair_captions: Embed each image with its caption as one pair.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.
    """
    paths, names = _folder(folder, captions, recursive)
    return await aadd_images(
        vectorstore,
        paths,
        captions=names,
        ids=ids,
        pair_captions=pair_captions,
        batch_size=batch_size,
    )


def _folder(
    folder: str | Path, captions: Mapping[str, str] | None, recursive: bool
) -> tuple[list[Path], list[str | None]]:
    root = Path(folder)
    paths = image_files(root, recursive=recursive)
    by_name = captions or {}
    names = [
        by_name.get(path.relative_to(root).as_posix(), by_name.get(path.name)) for path in paths
    ]
    return paths, names


def _ids(vectorstore: VectorStore, images: Sequence[Any], ids: IdChoice) -> list[str]:
    if ids is None:
        collection = getattr(vectorstore, "collection_name", None)
        scope = collection if isinstance(collection, str) else None
        return [_default_id(image, scope) for image in images]
    if callable(ids):
        return [ids(image) for image in images]
    return list(ids)


def _default_id(image: Any, collection: str | None) -> str:
    path = _source_path(image)
    return image_id(path, collection=collection) if path is not None else str(uuid.uuid4())


def embeddings_of(vectorstore: VectorStore, caller: str = "add_images") -> AzureAIImageEmbeddings:
    """The store's embeddings, which must be an ``AzureAIImageEmbeddings`` (not exported).

    Raises:
        TypeError: They are not (the message names ``caller``).
    """
    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings

    embeddings = vectorstore.embeddings
    if not isinstance(embeddings, AzureAIImageEmbeddings):
        raise TypeError(
            f"{caller} needs a vector store built with AzureAIImageEmbeddings as its "
            f"embedding, not {type(embeddings).__name__}"
        )
    return embeddings


def _entries(
    images: Sequence[Any],
    captions: Sequence[str | None] | None,
    metadatas: Sequence[Mapping[str, Any]] | None,
    ids: list[str],
    pair_captions: bool,
) -> list[Entry]:
    count = len(images)
    names = list(captions) if captions is not None else [None] * count
    extra = list(metadatas) if metadatas is not None else [{}] * count
    keys = ids
    if len(names) != count or len(extra) != count or len(keys) != count:
        raise ValueError("images, captions, metadatas and ids must have the same length")
    return [
        Entry(
            embed=ImageInput(image=image, text=caption) if pair_captions and caption else image,
            text=caption or _name_of(image, position),
            metadata={**_metadata_of(image, caption), **dict(more)},
            id=key,
        )
        for position, (image, caption, more, key) in enumerate(
            zip(images, names, extra, keys, strict=True)
        )
    ]


def _batches(entries: list[Entry], size: int) -> Iterator[list[Entry]]:
    if size < 1:
        raise ValueError(f"batch_size must be at least 1, not {size}")
    for start in range(0, len(entries), size):
        yield entries[start : start + size]


def _documents(batch: list[Entry]) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    return (
        [entry.text for entry in batch],
        [entry.metadata for entry in batch],
        [entry.id for entry in batch],
    )


def _not_taken(vectorstore: VectorStore, count: int) -> RuntimeError:
    return RuntimeError(
        f"{type(vectorstore).__name__}.add_texts did not take {count} precomputed image "
        "vector(s): the store did not embed the documents through embed_documents in this "
        "thread or task, so it would have stored text vectors of the captions instead. The "
        "documents added were deleted again. Add the vectors with the store's own API "
        "(e.g. add_embeddings) and embeddings.embed_images(...)."
    )


def _source_path(image: Any) -> str | None:
    """The path an image input names, if it is a path (not a data URL or an object)."""
    if isinstance(image, os.PathLike) or (isinstance(image, str) and not image.startswith("data:")):
        return os.fspath(image)
    return None


def _name_of(image: Any, position: int) -> str:
    path = _source_path(image)
    return (Path(path).name if path is not None else "") or f"image {position}"


def _metadata_of(image: Any, caption: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    path = _source_path(image)
    if path is not None:
        metadata["source"] = path
    if caption:
        metadata["caption"] = caption
    return metadata
