"""Incremental indexing of an image folder with LangChain's ``index()`` and a record manager.

``index()`` skips the documents a record manager has already seen unchanged,
adds the new and changed ones, and deletes the ones whose source is gone.
Two pieces make it work with images:

- :class:`ImageFolderLoader` yields one document per image file, whose
  metadata holds the file's ``source`` and the SHA-256 of its bytes
  (``image_sha256``), so a changed image is a changed document;
- :class:`ImageDocumentStore` wraps the vector store, so that documents
  added by ``index()`` are embedded as the images their ``source`` names
  (through ``/images/embeddings``), not as their caption text.

:func:`index_images` puts them together. Nothing here depends on the
embeddings' vector cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document
from langchain_core.vectorstores import VectorStore

from langchain_azure_image_embeddings.indexing import (
    DEFAULT_BATCH_SIZE,
    Entry,
    aadd_entries,
    add_entries,
    image_files,
)

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.indexing import IndexingResult, RecordManager

__all__ = [
    "ImageDocumentStore",
    "ImageFolderLoader",
    "aindex_images",
    "image_document_key",
    "index_images",
]

_CHUNK = 1 << 20


class ImageFolderLoader(BaseLoader):
    """One document per image file of a folder, ready for ``index()``.

    Each document's ``page_content`` is the image's caption (or its file
    name), its metadata ``source`` (the file's resolved path, stable from
    one run to the next), ``image_sha256`` (the SHA-256 of the file's bytes:
    a changed image is a changed document) and ``caption`` when there is
    one. The files are read to hash them, not decoded.

    Example:
        ```python
        from langchain_azure_image_embeddings.image_loader import ImageFolderLoader

        for document in ImageFolderLoader("photos", captions={"cat.jpg": "a cat"}).lazy_load():
            print(document.page_content, document.metadata["image_sha256"][:12])
        ```
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        captions: Mapping[str, str] | None = None,
        recursive: bool = False,
    ) -> None:
        """Describe the folder to load.

        Args:
            folder: The folder.
            captions: Optional captions by relative path or file name.
            recursive: Also load sub-folders.
        """
        self.folder = Path(folder)
        self.captions = dict(captions or {})
        self.recursive = recursive

    def lazy_load(self) -> Iterator[Document]:
        """Yield one document per image file, sorted by path.

        Yields:
            The documents (no image is embedded here).
        """
        for path in image_files(self.folder, recursive=self.recursive):
            relative = path.relative_to(self.folder).as_posix()
            caption = self.captions.get(relative, self.captions.get(path.name))
            metadata: dict[str, Any] = {
                "source": str(path.resolve()),
                "image_sha256": _file_sha256(path),
            }
            if caption:
                metadata["caption"] = caption
            yield Document(page_content=caption or path.name, metadata=metadata)


def image_document_key(document: Document) -> str:
    """A key encoder for ``index()``: a UUID5 of the document's text and metadata.

    The metadata of an :class:`ImageFolderLoader` document holds the image's
    hash, so the key changes when the image does. A UUID is a valid id in
    every store (Qdrant refuses others).

    Args:
        document: The document.

    Returns:
        Its key, used by ``index()`` as its id in the store.
    """
    content = json.dumps([document.page_content, document.metadata], sort_keys=True)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:sha256:{digest}"))


class ImageDocumentStore(VectorStore):
    """A vector store, seen by ``index()``: added documents are embedded as their images.

    ``add_documents`` embeds the image file each document's metadata
    ``source`` names (a path: read as explicit intent, like the folder
    helpers do) and stores the document, its text and metadata unchanged,
    with that image vector; ``delete`` and the searches are the wrapped
    store's own.
    """

    def __init__(self, vectorstore: VectorStore, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        """Wrap a store.

        Args:
            vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
            batch_size: Images embedded and added per batch.
        """
        self.vectorstore = vectorstore
        self.batch_size = batch_size

    @property
    def embeddings(self) -> Embeddings | None:
        """The wrapped store's embeddings."""
        return self.vectorstore.embeddings

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Embed each document's image and add the documents to the wrapped store.

        Args:
            documents: Documents whose metadata ``source`` is an image file.
            **kwargs: ``ids`` (one per document; else each document's id).

        Returns:
            The ids of the added documents.
        """
        return add_entries(self.vectorstore, _entries(documents, kwargs), self.batch_size)

    async def aadd_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Async :meth:`add_documents`."""
        return await aadd_entries(self.vectorstore, _entries(documents, kwargs), self.batch_size)

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[Any, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Refused: texts carry no image; add documents with a ``source`` instead.

        Raises:
            TypeError: Always.
        """
        raise TypeError("ImageDocumentStore adds documents whose metadata names an image source")

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Delete from the wrapped store."""
        return self.vectorstore.delete(ids, **kwargs)

    async def adelete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Async :meth:`delete`."""
        return await self.vectorstore.adelete(ids, **kwargs)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """Get documents from the wrapped store."""
        return self.vectorstore.get_by_ids(ids)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """Search the wrapped store."""
        return self.vectorstore.similarity_search(query, k=k, **kwargs)

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[Any, Any]] | None = None,
        **kwargs: Any,
    ) -> ImageDocumentStore:
        """Not supported: wrap an existing store instead.

        Raises:
            NotImplementedError: Always.
        """
        raise NotImplementedError("wrap an existing store: ImageDocumentStore(store)")


Cleanup = Literal["incremental", "full", "scoped_full"] | None


def index_images(
    docs_source: BaseLoader | Iterable[Document],
    record_manager: RecordManager,
    vectorstore: VectorStore,
    *,
    cleanup: Cleanup = "full",
    source_id_key: str | Callable[[Document], str] | None = "source",
    batch_size: int = DEFAULT_BATCH_SIZE,
    cleanup_batch_size: int = 1_000,
    force_update: bool = False,
) -> IndexingResult:
    """Index images with LangChain's ``index()``: only new or changed images are embedded.

    Runs ``langchain_core.indexing.index`` with the store wrapped in an
    :class:`ImageDocumentStore` and :func:`image_document_key` as the key
    encoder. Unchanged images (same file, same bytes, same caption) are
    skipped; with ``cleanup="full"`` (the default) the documents of files no
    longer in the folder are deleted.

    Example:
        ```python
        from langchain_core.indexing import InMemoryRecordManager
        from langchain_core.vectorstores import InMemoryVectorStore

        from langchain_azure_image_embeddings import AzureAIImageEmbeddings
        from langchain_azure_image_embeddings.image_loader import ImageFolderLoader, index_images

        store = InMemoryVectorStore(AzureAIImageEmbeddings(model="Cohere-embed-v3-english"))
        records = InMemoryRecordManager(namespace="photos")
        records.create_schema()
        print(index_images(ImageFolderLoader("photos"), records, store))
        print(index_images(ImageFolderLoader("photos"), records, store))  # all skipped
        ```

    Args:
        docs_source: An :class:`ImageFolderLoader` (or documents like its own).
        record_manager: The record manager keeping what was indexed (e.g.
            ``SQLRecordManager`` for a lasting index).
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        cleanup: ``index()``'s cleanup mode.
        source_id_key: The metadata key grouping documents by source.
        batch_size: Documents per ``index()`` batch and per embedding batch.
        cleanup_batch_size: Documents deleted per batch.
        force_update: Embed and write every document again.

    Returns:
        ``index()``'s counts: added, updated, skipped, deleted.
    """
    from langchain_core.indexing import index

    return index(
        docs_source,
        record_manager,
        ImageDocumentStore(vectorstore, batch_size=batch_size),
        batch_size=batch_size,
        cleanup=cleanup,
        source_id_key=source_id_key,
        cleanup_batch_size=cleanup_batch_size,
        force_update=force_update,
        key_encoder=image_document_key,
    )


async def aindex_images(
    docs_source: BaseLoader | Iterable[Document] | AsyncIterator[Document],
    record_manager: RecordManager,
    vectorstore: VectorStore,
    *,
    cleanup: Cleanup = "full",
    source_id_key: str | Callable[[Document], str] | None = "source",
    batch_size: int = DEFAULT_BATCH_SIZE,
    cleanup_batch_size: int = 1_000,
    force_update: bool = False,
) -> IndexingResult:
    """Async :func:`index_images`, with ``aindex()`` and the async embeddings client.

    Args:
        docs_source: An :class:`ImageFolderLoader` (or documents like its own).
        record_manager: The record manager (its async methods are used).
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        cleanup: ``aindex()``'s cleanup mode.
        source_id_key: The metadata key grouping documents by source.
        batch_size: Documents per batch.
        cleanup_batch_size: Documents deleted per batch.
        force_update: Embed and write every document again.

    Returns:
        ``aindex()``'s counts: added, updated, skipped, deleted.
    """
    from langchain_core.indexing import aindex

    return await aindex(
        docs_source,
        record_manager,
        ImageDocumentStore(vectorstore, batch_size=batch_size),
        batch_size=batch_size,
        cleanup=cleanup,
        source_id_key=source_id_key,
        cleanup_batch_size=cleanup_batch_size,
        force_update=force_update,
        key_encoder=image_document_key,
    )


def _entries(documents: list[Document], kwargs: Mapping[str, Any]) -> list[Entry]:
    ids = kwargs.get("ids") or [document.id for document in documents]
    if len(ids) != len(documents) or any(not key for key in ids):
        raise ValueError("every document needs an id (index() gives them)")
    entries = []
    for document, key in zip(documents, ids, strict=True):
        source = document.metadata.get("source")
        if not isinstance(source, str):
            raise ValueError(f"document {key!r} has no image 'source' in its metadata")
        entries.append(
            Entry(
                embed=Path(source),
                text=document.page_content,
                metadata=dict(document.metadata),
                id=str(key),
            )
        )
    return entries


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
