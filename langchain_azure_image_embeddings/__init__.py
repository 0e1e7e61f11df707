"""LangChain embeddings for images, image+text pairs and text on Azure AI Foundry models.

Public names::

    from langchain_azure_image_embeddings import (
        AzureAIImageEmbeddings,  # the Embeddings class
        ImageInput,              # an image, optionally paired with text
        ImageInputError,         # bad input (a ValueError); names the input's position
        EmbeddingServiceError,   # the endpoint answered with an error (after retries)
    )
"""

from typing import TYPE_CHECKING, Any

from langchain_azure_image_embeddings._version import __version__
from langchain_azure_image_embeddings.errors import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInputError,
    InputTypeFallbackWarning,
)
from langchain_azure_image_embeddings.image_input import ImageInput
from langchain_azure_image_embeddings.usage import UsageTotals

if TYPE_CHECKING:
    from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings

__all__ = [
    "AzureAIImageEmbeddings",
    "EmbeddingBatchError",
    "EmbeddingServiceError",
    "ImageInput",
    "ImageInputError",
    "InputTypeFallbackWarning",
    "UsageTotals",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The embeddings class pulls in LangChain and the Azure SDK: import it on first use, so that
    # light entry points (the emulator's CLI, the image helpers) start fast.
    if name == "AzureAIImageEmbeddings":
        from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings

        return AzureAIImageEmbeddings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
