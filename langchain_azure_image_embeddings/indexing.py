"""Putting images into any LangChain vector store, with their path and caption as metadata.

Vector stores embed what they store by calling ``embed_documents`` on the
documents' text. :func:`add_images` embeds the images first (through
``/images/embeddings``, with everything the embeddings class offers: policy,
preparation, concurrency, retries) and hands the store those vectors when it
asks for the documents' embeddings, so the same few lines work with Chroma,
FAISS, ``InMemoryVectorStore`` or any store built on ``add_texts``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from langchain_core.vectorstores import VectorStore

__all__ = ["IMAGE_SUFFIXES", "add_images", "add_image_folder", "precomputed_vectors"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})

_precomputed: ContextVar[dict[str, list[list[float]]] | None] = ContextVar(
    "langchain_azure_image_embeddings_precomputed", default=None
)


@contextlib.contextmanager
def precomputed_vectors(texts: Sequence[str], vectors: Sequence[list[float]]) -> Iterator[None]:
    """Within the block, ``embed_documents`` returns these vectors for these texts.

    Args:
        texts: The documents' text, as the vector store will pass it.
        vectors: One vector per text, in the same order.

    Yields:
        Nothing; the mapping is active inside the block (this thread or task).
    """
    queues: dict[str, list[list[float]]] = {}
    for text, vector in zip(texts, vectors, strict=True):
        queues.setdefault(text, []).append(vector)
    token = _precomputed.set(queues)
    try:
        yield
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
    queues = _precomputed.get()
    if queues is None or not all(isinstance(text, str) for text in texts):
        return None
    needed: dict[str, int] = {}
    for text in texts:
        needed[text] = needed.get(text, 0) + 1
    if any(len(queues.get(text, ())) < count for text, count in needed.items()):
        return None
    return [queues[text].pop(0) for text in texts]


def add_images(
    vectorstore: VectorStore,
    images: Sequence[Any],
    *,
    captions: Sequence[str | None] | None = None,
    metadatas: Sequence[Mapping[str, Any]] | None = None,
    ids: Sequence[str] | None = None,
    pair_captions: bool = False,
) -> list[str]:
    """Embed images and add them to a vector store, one document per image.

    The store must have been built with an
    :class:`~langchain_azure_image_embeddings.AzureAIImageEmbeddings` as its
    embedding. Each document's text is its caption (or the image's file name),
    and its metadata holds ``source`` (the path, for path inputs) and
    ``caption``, merged with ``metadatas``.

    Args:
        vectorstore: Any LangChain vector store that stores via ``add_texts``.
        images: Images in any form the embeddings accept (paths are read as
            explicit intent when given as ``pathlib.Path``).
        captions: Optional caption per image (``None`` entries allowed).
        metadatas: Optional extra metadata per image.
        ids: Optional ids, one per image.
        pair_captions: Embed each image together with its caption as one
            image+text pair, instead of the image alone.

    Returns:
        The ids of the added documents.

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``.
        ValueError: The lengths of ``images``, ``captions``, ``metadatas`` or
            ``ids`` differ.
    """
    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings
    from langchain_azure_image_embeddings.image_input import ImageInput

    embeddings = vectorstore.embeddings
    if not isinstance(embeddings, AzureAIImageEmbeddings):
        raise TypeError(
            "add_images needs a vector store built with AzureAIImageEmbeddings as its "
            f"embedding, not {type(embeddings).__name__}"
        )
    count = len(images)
    captions = list(captions) if captions is not None else [None] * count
    extra = list(metadatas) if metadatas is not None else [{}] * count
    if len(captions) != count or len(extra) != count or (ids is not None and len(ids) != count):
        raise ValueError("images, captions, metadatas and ids must have the same length")
    inputs = [
        ImageInput(image=image, text=caption) if pair_captions and caption else image
        for image, caption in zip(images, captions, strict=True)
    ]
    vectors = embeddings.embed_images(inputs)
    texts = [
        caption or _name_of(image, position)
        for position, (image, caption) in enumerate(zip(images, captions, strict=True))
    ]
    documents_metadata = [
        {**_metadata_of(image, caption), **dict(more)}
        for image, caption, more in zip(images, captions, extra, strict=True)
    ]
    with precomputed_vectors(texts, vectors):
        return vectorstore.add_texts(
            texts, metadatas=documents_metadata, ids=list(ids) if ids is not None else None
        )


def add_image_folder(
    vectorstore: VectorStore,
    folder: str | Path,
    *,
    captions: Mapping[str, str] | None = None,
    recursive: bool = False,
    pair_captions: bool = False,
) -> list[str]:
    """Index every image file of a folder (sorted by path), keeping path and caption.

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        folder: The folder to index.
        captions: Optional captions by file name (e.g. ``{"cat.jpg": "a cat"}``).
        recursive: Also index sub-folders.
        pair_captions: Embed each image with its caption as one pair.

    Returns:
        The ids of the added documents.
    """
    root = Path(folder)
    pattern = "**/*" if recursive else "*"
    paths = sorted(
        path
        for path in root.glob(pattern)
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    )
    names = captions or {}
    return add_images(
        vectorstore,
        paths,
        captions=[names.get(path.name) for path in paths],
        ids=[str(path.relative_to(root)) for path in paths],
        pair_captions=pair_captions,
    )


def _name_of(image: Any, position: int) -> str:
    if isinstance(image, (str, Path)) and not str(image).startswith("data:"):
        return Path(image).name
    return f"image {position}"


def _metadata_of(image: Any, caption: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if isinstance(image, Path) or (isinstance(image, str) and not image.startswith("data:")):
        metadata["source"] = str(image)
    if caption:
        metadata["caption"] = caption
    return metadata
