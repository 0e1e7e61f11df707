"""LangChain's standard unit tests for embeddings, unmodified."""

from __future__ import annotations

from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_azure_image_embeddings import AzureAIImageEmbeddings


class TestAzureAIImageEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[AzureAIImageEmbeddings]:
        return AzureAIImageEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {
            "endpoint": "https://example-resource.services.ai.azure.com/models",
            "credential": "not-a-real-key",
            "model": "Cohere-embed-v3-english",
        }

    @property
    def init_from_env_params(self) -> tuple[dict, dict, dict]:
        return (
            {
                "AZURE_INFERENCE_ENDPOINT": "https://env-resource.services.ai.azure.com/models",
                "AZURE_INFERENCE_CREDENTIAL": "key-from-env",
            },
            {"model": "Cohere-embed-v3-english"},
            {
                "endpoint": "https://env-resource.services.ai.azure.com/models",
                "credential": "key-from-env",
            },
        )


class TestAzureAIImageEmbeddingsCohereStandard(TestAzureAIImageEmbeddingsStandard):
    """The same suite with the endpoint of Cohere's route (a Target URI, embed-v-4-0)."""

    @property
    def embedding_model_params(self) -> dict:
        return {
            "endpoint": "https://example-resource.services.ai.azure.com/providers/cohere",
            "credential": "not-a-real-key",
            "model": "embed-v-4-0",
        }

    @property
    def init_from_env_params(self) -> tuple[dict, dict, dict]:
        return (
            {
                "AZURE_INFERENCE_ENDPOINT": "https://embed-v-4-0-x.eastus2.models.ai.azure.com",
                "AZURE_INFERENCE_CREDENTIAL": "key-from-env",
            },
            {"model": "embed-v-4-0"},
            {
                "endpoint": "https://embed-v-4-0-x.eastus2.models.ai.azure.com",
                "credential": "key-from-env",
            },
        )
