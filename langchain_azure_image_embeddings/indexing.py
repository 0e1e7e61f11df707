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
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    "precomputed_vectors",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
"""File suffixes (lower case) that :func:`add_image_folder` indexes."""

DEFAULT_BATCH_SIZE = 128

_precomputed: ContextVar[PrecomputedVectors | None] = ContextVar(
    "langchain_azure_image_embeddings_precomputed", default=None
)


@dataclass
class PrecomputedVectors:
    """Vectors waiting to be handed to a vector store, by document text.

    Attributes:
        queues: For each text, the vectors not yet taken, in order.
    """

    queues: dict[str, list[list[float]]] = field(default_factory=dict)

    @property
    def unused(self) -> int:
        """How many vectors no ``embed_documents`` call has taken yet."""
        return sum(len(queue) for queue in self.queues.values())

    def take(self, texts: Sequence[Any]) -> list[list[float]] | None:
        """Take the vectors of ``texts`` if every one is available, else nothing.

        Args:
            texts: What ``embed_documents`` was asked to embed.

        Returns:
            The vectors in order, or ``None`` (then nothing is consumed).
        """
        if not all(isinstance(text, str) for text in texts):
            return None
        needed: dict[str, int] = {}
        for text in texts:
            needed[text] = needed.get(text, 0) + 1
        if any(len(self.queues.get(text, ())) < count for text, count in needed.items()):
            return None
        return [self.queues[text].pop(0) for text in texts]


@contextlib.contextmanager
def precomputed_vectors(
    texts: Sequence[str], vectors: Sequence[list[float]]
) -> Iterator[PrecomputedVectors]:
    """Within the block, ``embed_documents`` returns these vectors for these texts.

    The mapping is context-local: it is seen by this thread or task (and by
    work started with a copy of its context, as LangChain's
    ``run_in_executor`` does), not by unrelated threads.

    Args:
        texts: The documents' text, as the vector store will pass it.
        vectors: One vector per text, in the same order.

    Yields:
        The pending vectors; its ``unused`` count tells, after the store's
        ``add_texts``, whether the store took every one.
    """
    pending = PrecomputedVectors()
    for text, vector in zip(texts, vectors, strict=True):
        pending.queues.setdefault(text, []).append(vector)
    token = _precomputed.set(pending)
    try:
        yield pending
    finally:
        _precomputed.reset(token)


def take_precomputed(texts: Sequence[str]) -> list[list[float]] | None:
    """Return the precomputed vectors for ``texts`` if every one is available.

    Args:
        texts: What ``embed_documents`` was asked to embed.

    Returns:
        The vectors in order, or ``None`` outside :func:`precomputed_vectors`
        or when a text was not precomputed (then nothing is consumed).
    """
    pending = _precomputed.get()
    return None if pending is None else pending.take(texts)


@dataclass(frozen=True)
class _Entry:
    """One image to index: what is embedded, and the document that is stored."""

    embed: Any
    text: str
    metadata: dict[str, Any]
    id: str | None


def add_images(
    vectorstore: VectorStore,
    images: Sequence[Any],
    *,
    captions: Sequence[str | None] | None = None,
    metadatas: Sequence[Mapping[str, Any]] | None = None,
    ids: Sequence[str] | None = None,
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
        ids: Optional ids, one per image.
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
    embeddings = _embeddings_of(vectorstore)
    entries = _entries(images, captions, metadatas, ids, pair_captions)
    added: list[str] = []
    for batch in _batches(entries, batch_size):
        vectors = embeddings.embed_images([entry.embed for entry in batch])
        texts, batch_metadata, batch_ids = _documents(batch)
        with precomputed_vectors(texts, vectors) as pending:
            new_ids = vectorstore.add_texts(texts, metadatas=batch_metadata, ids=batch_ids)
        if pending.unused:
            with contextlib.suppress(Exception):
                vectorstore.delete(new_ids)
            raise _not_taken(vectorstore, pending.unused)
        added.extend(new_ids)
    return added


async def aadd_images(
    vectorstore: VectorStore,
    images: Sequence[Any],
    *,
    captions: Sequence[str | None] | None = None,
    metadatas: Sequence[Mapping[str, Any]] | None = None,
    ids: Sequence[str] | None = None,
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
        ids: Optional ids, one per image.
        pair_captions: Embed each image with its caption as one pair.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``.
        ValueError: Lengths differ, or ``batch_size`` is not positive.
        RuntimeError: The store did not ask for the documents' embeddings.
    """
    embeddings = _embeddings_of(vectorstore)
    entries = _entries(images, captions, metadatas, ids, pair_captions)
    added: list[str] = []
    for batch in _batches(entries, batch_size):
        vectors = await embeddings.aembed_images([entry.embed for entry in batch])
        texts, batch_metadata, batch_ids = _documents(batch)
        with precomputed_vectors(texts, vectors) as pending:
            new_ids = await vectorstore.aadd_texts(texts, metadatas=batch_metadata, ids=batch_ids)
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
    pair_captions: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """Index every image file of a folder (sorted by path), keeping path and caption.

    Each document's id is the file's path relative to ``folder`` (with ``/``),
    so indexing the same folder again updates the documents in stores that
    upsert by id (Chroma, ``InMemoryVectorStore``). Files are read because
    they are listed here, whatever ``image_roots`` says.

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
        pair_captions: Embed each image with its caption as one pair.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.
    """
    paths, names, ids = _folder(folder, captions, recursive)
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
    pair_captions: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[str]:
    """Async :func:`add_image_folder`.

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        folder: The folder to index.
        captions: Optional captions by relative path or file name.
        recursive: Also index sub-folders.
        pair_captions: Embed each image with its caption as one pair.
        batch_size: Images embedded and added per batch.

    Returns:
        The ids of the added documents.
    """
    paths, names, ids = _folder(folder, captions, recursive)
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
) -> tuple[list[Path], list[str | None], list[str]]:
    root = Path(folder)
    paths = image_files(root, recursive=recursive)
    ids = [path.relative_to(root).as_posix() for path in paths]
    by_name = captions or {}
    names = [by_name.get(key, by_name.get(path.name)) for key, path in zip(ids, paths, strict=True)]
    return paths, names, ids


def _embeddings_of(vectorstore: VectorStore) -> AzureAIImageEmbeddings:
    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings

    embeddings = vectorstore.embeddings
    if not isinstance(embeddings, AzureAIImageEmbeddings):
        raise TypeError(
            "add_images needs a vector store built with AzureAIImageEmbeddings as its "
            f"embedding, not {type(embeddings).__name__}"
        )
    return embeddings


def _entries(
    images: Sequence[Any],
    captions: Sequence[str | None] | None,
    metadatas: Sequence[Mapping[str, Any]] | None,
    ids: Sequence[str] | None,
    pair_captions: bool,
) -> list[_Entry]:
    count = len(images)
    names = list(captions) if captions is not None else [None] * count
    extra = list(metadatas) if metadatas is not None else [{}] * count
    keys: list[str | None] = list(ids) if ids is not None else [None] * count
    if len(names) != count or len(extra) != count or len(keys) != count:
        raise ValueError("images, captions, metadatas and ids must have the same length")
    return [
        _Entry(
            embed=ImageInput(image=image, text=caption) if pair_captions and caption else image,
            text=caption or _name_of(image, position),
            metadata={**_metadata_of(image, caption), **dict(more)},
            id=key,
        )
        for position, (image, caption, more, key) in enumerate(
            zip(images, names, extra, keys, strict=True)
        )
    ]


def _batches(entries: list[_Entry], size: int) -> Iterator[list[_Entry]]:
    if size < 1:
        raise ValueError(f"batch_size must be at least 1, not {size}")
    for start in range(0, len(entries), size):
        yield entries[start : start + size]


def _documents(
    batch: list[_Entry],
) -> tuple[list[str], list[dict[str, Any]], list[str] | None]:
    ids = [entry.id for entry in batch if entry.id is not None]
    return (
        [entry.text for entry in batch],
        [entry.metadata for entry in batch],
        ids if ids else None,  # ids are given for every image or for none
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
    if isinstance(image, Path) or (isinstance(image, str) and not image.startswith("data:")):
        return str(image)
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
