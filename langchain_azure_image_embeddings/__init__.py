"""LangChain embeddings for images, image+text pairs and text on Azure AI Foundry models.

Public names::

    from langchain_azure_image_embeddings import (
        AzureAIImageEmbeddings,  # the Embeddings class
        ImageInput,              # an image, optionally paired with text
        ImageInputError,         # bad input (a ValueError); names the input's position
        EmbeddingServiceError,   # the endpoint answered with an error (after retries)
    )
"""

from langchain_azure_image_embeddings._version import __version__
from langchain_azure_image_embeddings.embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.errors import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInputError,
)
from langchain_azure_image_embeddings.exchange import InputTypeFallbackWarning
from langchain_azure_image_embeddings.image_input import ImageInput
from langchain_azure_image_embeddings.usage import UsageTotals

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
