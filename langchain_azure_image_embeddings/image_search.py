"""Search a vector store by image: any image form -> a query vector -> the store's search by vector.

Vector stores search by text (``similarity_search``, which calls
``embed_query``) or by vector (``similarity_search_by_vector``). Only Chroma
has a search by image of its own, and only for files. :func:`search_by_image`
embeds an image in any form :meth:`AzureAIImageEmbeddings.embed_images`
accepts, with the ``query`` input type, and hands the vector to the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_azure_image_embeddings.indexing import embeddings_of

if TYPE_CHECKING:  # annotations only: importing them costs the vector-store stack at import
    from langchain_core.documents import Document
    from langchain_core.vectorstores import VectorStore

__all__ = ["asearch_by_image", "search_by_image"]


def search_by_image(
    vectorstore: VectorStore, image: Any, k: int = 4, **kwargs: Any
) -> list[Document]:
    """Find the documents nearest to an image, in any vector store that searches by vector.

    The image is embedded with the store's ``AzureAIImageEmbeddings`` as a
    query (``input_type="query"``), under the same rules as ``embed_images``:
    a ``pathlib.Path``, bytes, a PIL image, a data URL, a content block, an
    ``ImageInput`` pair; a string is an image reference, read only inside
    ``image_roots`` (or fetched only with ``allow_remote_images``).

    Example:
        ```python
        from pathlib import Path

        from langchain_core.vectorstores import InMemoryVectorStore

        from langchain_azure_image_embeddings import (
            AzureAIImageEmbeddings,
            add_image_folder,
            search_by_image,
        )

        store = InMemoryVectorStore(AzureAIImageEmbeddings(model="Cohere-embed-v3-english"))
        add_image_folder(store, "photos")
        print(search_by_image(store, Path("photos/cat.jpg"), k=1)[0].metadata["source"])
        ```

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        image: One image, in any form ``embed_images`` accepts.
        k: How many documents to return.
        **kwargs: Passed to the store's ``similarity_search_by_vector``
            (e.g. ``filter``).

    Returns:
        The nearest documents, nearest first.

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``,
            or the store has no search by vector (the message names what to
            use instead).
        ImageInputError: The image cannot be read or used.
    """
    embeddings = embeddings_of(vectorstore, "search_by_image")
    _check_searches_by_vector(vectorstore, asynchronous=False)
    vector = embeddings.embed_images([image], input_type="query")[0]
    return vectorstore.similarity_search_by_vector(vector, k=k, **kwargs)


async def asearch_by_image(
    vectorstore: VectorStore, image: Any, k: int = 4, **kwargs: Any
) -> list[Document]:
    """Async :func:`search_by_image`: embeds with the async client, searches with the async API.

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``.
        image: One image, in any form ``embed_images`` accepts.
        k: How many documents to return.
        **kwargs: Passed to the store's ``asimilarity_search_by_vector``.

    Returns:
        The nearest documents, nearest first.

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``,
            or the store has no search by vector.
        ImageInputError: The image cannot be read or used.
    """
    embeddings = embeddings_of(vectorstore, "asearch_by_image")
    _check_searches_by_vector(vectorstore, asynchronous=True)
    vector = (await embeddings.aembed_images([image], input_type="query"))[0]
    return await vectorstore.asimilarity_search_by_vector(vector, k=k, **kwargs)


def _check_searches_by_vector(vectorstore: VectorStore, *, asynchronous: bool) -> None:
    from langchain_core.vectorstores import VectorStore

    kind = type(vectorstore)
    has_sync = kind.similarity_search_by_vector is not VectorStore.similarity_search_by_vector
    has_async = kind.asimilarity_search_by_vector is not VectorStore.asimilarity_search_by_vector
    if not (has_sync or (asynchronous and has_async)):  # the default async one calls the sync one
        raise TypeError(
            f"{kind.__name__} has no search by vector (similarity_search_by_vector), so "
            "search_by_image cannot search it. Give the image to the store's own vector-only "
            "search as a data URL instead: embed_query embeds a 'data:image/...;base64,' "
            "string as an image (for Azure AI Search: store.vector_search(data_url, k=4); "
            "not similarity_search, whose default hybrid search also sends the data URL to "
            "full-text search)."
        )
