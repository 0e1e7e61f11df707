"""LangChain embeddings for images, image+text pairs and text on Azure AI Foundry models.

Public names::

    from langchain_azure_image_embeddings import (
        AzureAIImageEmbeddings,  # the Embeddings class
        ImageInput,              # an image, optionally paired with text
        ImageInputError,         # bad input (a ValueError); names the input's position
        EmbeddingServiceError,   # the endpoint answered with an error (after retries)
        ImageEmbeddingsError,    # the base of both, and of EmbeddingBatchError
        add_images, add_image_folder,          # images into any LangChain vector store
        aadd_images, aadd_image_folder,        # (+ async twins)
        search_by_image, asearch_by_image,     # any image form -> the store's search by vector
        create_image_search_tool,              # an agent tool: text query -> captions, sources, ids
    )
"""

from typing import TYPE_CHECKING, Any

from langchain_azure_image_embeddings._version import __version__
from langchain_azure_image_embeddings.errors import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageEmbeddingsError,
    ImageInputError,
    InputTypeFallbackWarning,
)
from langchain_azure_image_embeddings.image_input import ImageInput
from langchain_azure_image_embeddings.usage import UsageTotals

if TYPE_CHECKING:
    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings
    from langchain_azure_image_embeddings.image_search import asearch_by_image, search_by_image
    from langchain_azure_image_embeddings.image_search_tool import create_image_search_tool
    from langchain_azure_image_embeddings.indexing import (
        aadd_image_folder,
        aadd_images,
        add_image_folder,
        add_images,
    )

__all__ = [
    "AzureAIImageEmbeddings",
    "EmbeddingBatchError",
    "EmbeddingServiceError",
    "ImageEmbeddingsError",
    "ImageInput",
    "ImageInputError",
    "InputTypeFallbackWarning",
    "UsageTotals",
    "__version__",
    "aadd_image_folder",
    "aadd_images",
    "add_image_folder",
    "add_images",
    "asearch_by_image",
    "create_image_search_tool",
    "search_by_image",
]

# Names imported on first use, by module: importing the package stays light.
_LAZY = {
    "AzureAIImageEmbeddings": "embeddings",
    "aadd_image_folder": "indexing",
    "aadd_images": "indexing",
    "add_image_folder": "indexing",
    "add_images": "indexing",
    "asearch_by_image": "image_search",
    "create_image_search_tool": "image_search_tool",
    "search_by_image": "image_search",
}


def __getattr__(name: str) -> Any:
    # The embeddings class pulls in LangChain and the Azure SDK: import it on first use, so that
    # light entry points (the emulator's CLI, the image helpers) start fast.
    module = _LAZY.get(name)
    if module is not None:
        from importlib import import_module

        value = import_module(f"{__name__}.{module}").__dict__[name]
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
