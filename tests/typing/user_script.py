"""A user's script using every public name: it must type-check under mypy --strict and pyright.

Checked without the pydantic mypy plugin (tests/typing/mypy.ini, tests/typing/pyrightconfig.json),
as a user's own project would check it. It is never run.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from azure.core.credentials import AzureKeyCredential
from langchain_core.documents import Document
from langchain_core.indexing import InMemoryRecordManager, RecordManager
from langchain_core.tools import BaseTool
from langchain_core.vectorstores import InMemoryVectorStore
from pydantic import SecretStr

from langchain_azure_image_embeddings import (
    AzureAIImageEmbeddings,
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInput,
    ImageInputError,
    InputTypeFallbackWarning,
    UsageTotals,
    __version__,
    aadd_image_folder,
    aadd_images,
    add_image_folder,
    add_images,
    asearch_by_image,
    create_image_search_tool,
    search_by_image,
)
from langchain_azure_image_embeddings.image_loader import ImageFolderLoader, index_images


def build(folder: str, key: str) -> AzureAIImageEmbeddings:
    roots: list[str] = [folder]
    AzureAIImageEmbeddings(model="Cohere-embed-v3-english", image_roots=["photos"])
    AzureAIImageEmbeddings(image_roots=[Path("photos"), "more", os.curdir])
    AzureAIImageEmbeddings(image_roots=roots, credential=SecretStr(key))
    AzureAIImageEmbeddings(credential=AzureKeyCredential(key), image_roots="photos")
    return AzureAIImageEmbeddings(credential=key, show_progress_bar=True)


def use(embeddings: AzureAIImageEmbeddings) -> None:
    store = InMemoryVectorStore(embedding=embeddings)
    ids: list[str] = add_image_folder(store, "photos", captions={"cat.jpg": "a cat"})
    ids += add_image_folder(store, Path("photos"), ids=lambda path: path.stem)
    ids += add_images(store, [Path("a.png"), b"...", ImageInput(image=Path("b.png"), text="b")])
    hits: list[Document] = search_by_image(store, Path("photos/cat.jpg"), k=2)
    tool: BaseTool = create_image_search_tool(store, k=3, include_images=True)
    vectors: list[list[float]] = embeddings.embed_images([Path("a.png")], input_type="query")
    usage: UsageTotals = embeddings.usage
    print(ids, hits, tool.name, vectors, usage, __version__)
    records = index_images(ImageFolderLoader("photos"), _records(), store)
    print(records["num_added"])
    try:
        embeddings.embed_query("a cat")
    except (ImageInputError, EmbeddingServiceError, EmbeddingBatchError) as error:
        print(error)
    print(InputTypeFallbackWarning)


async def ause(embeddings: AzureAIImageEmbeddings) -> list[Document]:
    store = InMemoryVectorStore(embedding=embeddings)
    await aadd_images(store, [Path("a.png")])
    await aadd_image_folder(store, "photos")
    return await asearch_by_image(store, b"...", k=1)


def _records() -> RecordManager:
    return InMemoryRecordManager("photos")


if __name__ == "__main__":
    asyncio.run(ause(build("photos", "key")))
