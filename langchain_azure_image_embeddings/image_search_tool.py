"""An agent tool over an image store: a text query in, captions with sources and ids out.

The model gives a text query; the tool searches the store with it (as text:
``embed_query`` never reads a string as a path or a URL, so an argument such
as ``/etc/passwd`` or a cloud metadata URL reads nothing) and answers, for the
model, each hit's caption with its ``source`` and id, which the model can cite
or ask the application to show. The tool message's artifact holds the
documents and, when asked, the hits' images as small LangChain image content
blocks, ready to hand to a multimodal model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from langchain_azure_image_embeddings._images.preparation import ImageLimits, prepare_image
from langchain_azure_image_embeddings.errors import ImageInputError
from langchain_azure_image_embeddings.indexing import IMAGE_SUFFIXES, embeddings_of

if TYPE_CHECKING:  # annotations only: importing them costs the tool stack at import
    from langchain_core.documents import Document
    from langchain_core.messages.content import ImageContentBlock
    from langchain_core.tools import BaseTool
    from langchain_core.vectorstores import VectorStore

    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings

__all__ = ["DEFAULT_DESCRIPTION", "ImageSearchArtifact", "create_image_search_tool"]

DEFAULT_DESCRIPTION = (
    "Search the image library with a short text description of what the picture shows. "
    "Returns the best matches, each with its caption, its source (where the image is) "
    "and its id."
)
"""The tool's description unless one is given."""

_QUERY_DESCRIPTION = "What the wanted images show, in words (e.g. 'a cat asleep on a sofa')."


class ImageSearchArtifact(TypedDict):
    """The tool message's artifact: for the application, never shown to the model as is.

    Attributes:
        documents: The documents found, nearest first.
        images: With ``include_images=True``, one image content block per
            document whose ``source`` is a readable image file, in the same
            order; its ``extras`` hold the document's ``id`` and ``source``.
    """

    documents: list[Document]
    images: list[ImageContentBlock]


def create_image_search_tool(
    vectorstore: VectorStore,
    *,
    name: str = "search_images",
    description: str = DEFAULT_DESCRIPTION,
    k: int = 4,
    search_kwargs: Mapping[str, Any] | None = None,
    include_images: bool = False,
    image_pixels: int = 262_144,
) -> BaseTool:
    """A LangChain tool that searches an image store with a text query.

    The tool takes one argument, ``query``, embedded with ``input_type="query"``
    and never read as a file path or fetched as a URL, whatever the embeddings'
    ``image_roots`` or ``allow_remote_images`` say: the model's arguments are
    untrusted. A plain string is query text; an image data URL is the image it
    carries (decoded under the same bounds as any image, with no I/O). The
    result (``response_format="content_and_artifact"``) is:

    - for the model, one line per hit: its caption (the document's text),
      its ``source`` and its id;
    - as the tool message's ``artifact``, an :class:`ImageSearchArtifact`:
      the documents, and with ``include_images=True`` each hit's image as a
      small base64 image content block (at most ``image_pixels`` pixels),
      read from the document's ``source`` file (the store's metadata, not
      the model's argument), for an application to show it or hand it to a
      multimodal model.

    Example:
        ```python
        from langchain_core.vectorstores import InMemoryVectorStore

        from langchain_azure_image_embeddings import (
            AzureAIImageEmbeddings,
            add_image_folder,
            create_image_search_tool,
        )

        store = InMemoryVectorStore(AzureAIImageEmbeddings(model="Cohere-embed-v3-english"))
        add_image_folder(store, "photos", captions={"cat.jpg": "a tabby cat"})
        tool = create_image_search_tool(store, k=2)
        print(tool.invoke({"query": "a cat"}))
        ```

    Args:
        vectorstore: A vector store built with ``AzureAIImageEmbeddings``
            (filled by ``add_images`` / ``add_image_folder``).
        name: The tool's name, as the model sees it.
        description: The tool's description, as the model sees it.
        k: How many hits to return.
        search_kwargs: More arguments for the store's ``similarity_search``
            (e.g. ``{"filter": ...}``).
        include_images: Add the hits' images to the artifact.
        image_pixels: The pixel budget of each image block (downscaled to fit).

    Returns:
        The tool (a ``StructuredTool``, sync and async).

    Raises:
        TypeError: The store's embedding is not an ``AzureAIImageEmbeddings``.
        ValueError: ``k`` or ``image_pixels`` is not positive.
    """
    from langchain_core.tools import StructuredTool
    from pydantic import BaseModel, Field

    embeddings = embeddings_of(vectorstore, "create_image_search_tool")
    if k < 1 or image_pixels < 1:
        raise ValueError("k and image_pixels must be positive")
    extra = dict(search_kwargs or {})
    limits = ImageLimits(max_pixels=image_pixels)

    class ImageSearchQuery(BaseModel):
        query: str = Field(description=_QUERY_DESCRIPTION)

    def search(query: str) -> tuple[str, ImageSearchArtifact]:
        documents = vectorstore.similarity_search(query, k=k, **extra)
        images = _image_blocks(documents, embeddings, limits) if include_images else []
        return _for_the_model(documents), ImageSearchArtifact(documents=documents, images=images)

    async def asearch(query: str) -> tuple[str, ImageSearchArtifact]:
        documents = await vectorstore.asimilarity_search(query, k=k, **extra)
        images: list[ImageContentBlock] = []
        if include_images:  # file reads and decoding: off the event loop
            images = await asyncio.to_thread(_image_blocks, documents, embeddings, limits)
        return _for_the_model(documents), ImageSearchArtifact(documents=documents, images=images)

    return StructuredTool.from_function(
        func=search,
        coroutine=asearch,
        name=name,
        description=description,
        args_schema=ImageSearchQuery,
        response_format="content_and_artifact",
    )


def _for_the_model(documents: list[Document]) -> str:
    if not documents:
        return "No matching images."
    lines = []
    for rank, document in enumerate(documents, start=1):
        source = document.metadata.get("source", "unknown")
        lines.append(f"{rank}. {document.page_content} (source: {source}; id: {document.id})")
    return "\n".join(lines)


def _image_blocks(
    documents: list[Document], embeddings: AzureAIImageEmbeddings, limits: ImageLimits
) -> list[ImageContentBlock]:
    policy = embeddings._config().image_policy
    blocks: list[ImageContentBlock] = []
    for document in documents:
        source = document.metadata.get("source")
        if not isinstance(source, str) or Path(source).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        try:  # the store's own metadata names the file; decoding is defensive as ever
            prepared = prepare_image(Path(source), policy=policy, limits=limits)
        except ImageInputError:
            continue
        payload = prepared.data_url.split(",", 1)[1]
        blocks.append(
            {
                "type": "image",
                "base64": payload,
                "mime_type": prepared.mime_type,
                "extras": {"id": document.id, "source": source},
            }
        )
    return blocks
