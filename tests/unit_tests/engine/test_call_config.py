"""The settings a call uses are built once per change of the fields, and follow every change."""

from __future__ import annotations

from langchain_azure_image_embeddings import AzureAIImageEmbeddings

COHERE = "https://res.services.ai.azure.com/providers/cohere"
MODELS = "https://res.services.ai.azure.com/models"


def _embeddings(**fields: object) -> AzureAIImageEmbeddings:
    return AzureAIImageEmbeddings(endpoint=COHERE, credential="k", model="embed-v-4-0", **fields)


def test_the_settings_are_built_once_while_no_field_changes() -> None:
    embeddings = _embeddings()
    first = embeddings._config()
    assert embeddings._config() is first
    assert embeddings._plan("document", None).options.image_policy is first.image_policy


def test_an_assigned_field_is_used_by_the_next_call() -> None:
    embeddings = _embeddings()
    assert embeddings._config().endpoint.api == "cohere"
    embeddings.endpoint = MODELS
    assert embeddings._config().endpoint.api == "model-inference"
    assert embeddings._transport_settings().query_params == {"api-version": "2025-04-01"}
    embeddings.max_retries = 1
    assert embeddings._plan("document", None).policy.retry.max_retries == 1
    embeddings.model = "Cohere-embed-v3-english"
    embeddings.endpoint = COHERE
    assert embeddings._plan("document", None).images_per_request == 1


def test_a_copy_sharing_the_runtime_gets_settings_of_its_own() -> None:
    original = _embeddings()
    original._config()
    copy = original.model_copy(update={"endpoint": MODELS})
    assert copy._config().endpoint.base_url == MODELS
    assert original._config().endpoint.base_url == COHERE
