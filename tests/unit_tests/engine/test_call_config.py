"""The settings a call uses are built once per change of the fields, and follow every change."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

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


def test_copies_made_one_after_another_never_get_each_others_settings() -> None:
    """A freed copy's address may be reused by the next copy."""
    original = _embeddings()
    for model in ("embed-v-4-0", "Cohere-embed-v3-english") * 10:
        limit = original.model_copy(update={"model": model})._config().limits
        assert limit.images_cap(None) == (96 if model == "embed-v-4-0" else 1)


def test_an_assigned_value_is_checked_as_at_construction() -> None:
    embeddings = _embeddings()
    with pytest.raises(ValidationError, match="api"):
        embeddings.endpoint = "https://example.invalid/somewhere"
    with pytest.raises(ValidationError):
        embeddings.timeout = -1
    assert embeddings.endpoint == COHERE and embeddings.timeout > 0


def test_model_kwargs_changed_in_place_reach_neither_the_body_nor_the_cache_key() -> None:
    embeddings = _embeddings(model_kwargs={"truncate": "END"})
    plan = embeddings._plan("document", None)
    embeddings.model_kwargs["truncate"] = "START"  # in place: not seen until assigned
    again = embeddings._plan("document", None)
    assert again.options.model_kwargs == plan.options.model_kwargs == {"truncate": "END"}
    embeddings.model_kwargs = {"truncate": "START"}
    assert embeddings._plan("document", None).options.model_kwargs == {"truncate": "START"}


def test_a_copy_has_clients_and_counters_of_its_own() -> None:
    original = _embeddings()
    copy = original.model_copy(update={"endpoint": COHERE})
    assert copy._runtime is not original._runtime
    assert copy.usage is not original.usage
