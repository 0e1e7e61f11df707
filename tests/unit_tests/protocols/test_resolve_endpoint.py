"""Which protocol an endpoint speaks, and the base URL its routes join (no I/O)."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings._protocols import protocol_for, resolve_endpoint
from langchain_azure_image_embeddings._protocols.cohere import AI_SCOPE, ML_SCOPE, Cohere
from langchain_azure_image_embeddings._protocols.model_inference import ModelInference

FOUNDRY = "https://res.services.ai.azure.com"
SERVERLESS = "https://embed-v-4-0-xyz.eastus2.models.ai.azure.com"


@pytest.mark.parametrize(
    ("endpoint", "api", "base_url"),
    [
        (f"{FOUNDRY}/models", "model-inference", f"{FOUNDRY}/models"),
        (f"{FOUNDRY}/models/", "model-inference", f"{FOUNDRY}/models"),
        (f"{FOUNDRY}/MODELS", "model-inference", f"{FOUNDRY}/MODELS"),
        (f"{SERVERLESS}/models", "model-inference", f"{SERVERLESS}/models"),
        ("http://127.0.0.1:8080/models", "model-inference", "http://127.0.0.1:8080/models"),
        (f"{FOUNDRY}/providers/cohere", "cohere", f"{FOUNDRY}/providers/cohere"),
        (f"{FOUNDRY}/providers/cohere/", "cohere", f"{FOUNDRY}/providers/cohere"),
        (f"{FOUNDRY}/providers/cohere/v2/embed", "cohere", f"{FOUNDRY}/providers/cohere"),
        (f"{FOUNDRY}/providers/cohere/v2/embed/", "cohere", f"{FOUNDRY}/providers/cohere"),
        (f"{FOUNDRY}/Providers/Cohere", "cohere", f"{FOUNDRY}/Providers/Cohere"),
        (SERVERLESS, "cohere", SERVERLESS),
        (f"{SERVERLESS}/", "cohere", SERVERLESS),
        (f"{SERVERLESS}/v2/embed", "cohere", SERVERLESS),
        (
            "http://127.0.0.1:8080/providers/cohere",
            "cohere",
            "http://127.0.0.1:8080/providers/cohere",
        ),
        ("http://127.0.0.1:8080/v2/embed", "cohere", "http://127.0.0.1:8080"),
    ],
)
def test_auto_reads_the_endpoints_shape(endpoint, api, base_url):
    resolved = resolve_endpoint(endpoint)
    assert (resolved.api, resolved.base_url) == (api, base_url)


@pytest.mark.parametrize(
    "endpoint",
    [
        FOUNDRY,
        f"{FOUNDRY}/",
        f"{FOUNDRY}/openai/deployments/x",
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/providers/openai",
        "https://models.ai.azure.com.evil.example/",
    ],
)
def test_an_endpoint_of_neither_shape_asks_for_api(endpoint):
    with pytest.raises(ValueError, match="api=") as raised:
        resolve_endpoint(endpoint)
    message = str(raised.value)
    assert "api='cohere'" in message and "api='model-inference'" in message
    assert repr(endpoint) in message


@pytest.mark.parametrize(
    ("endpoint", "api", "base_url"),
    [
        # explicit api wins over the shape, the base URL is kept (without a Target URI's tail)
        (f"{FOUNDRY}/models", "cohere", f"{FOUNDRY}/models"),
        (f"{FOUNDRY}/providers/cohere", "model-inference", f"{FOUNDRY}/providers/cohere"),
        ("http://127.0.0.1:8080", "cohere", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "model-inference", "http://127.0.0.1:8080"),
        (f"{SERVERLESS}/v2/embed", "cohere", SERVERLESS),
    ],
)
def test_an_explicit_api_wins(endpoint, api, base_url):
    resolved = resolve_endpoint(endpoint, api)
    assert (resolved.api, resolved.base_url) == (api, base_url)


def test_the_query_string_is_kept_and_the_fragment_dropped():
    resolved = resolve_endpoint(f"{FOUNDRY}/providers/cohere/v2/embed?x=1#frag")
    assert resolved == resolve_endpoint(f"{FOUNDRY}/providers/cohere?x=1")
    # the query travels apart, so the route joins the path (not after the query)
    assert resolved.base_url == f"{FOUNDRY}/providers/cohere"
    assert resolved.query == (("x", "1"),)


def test_protocol_for_gives_each_codec():
    assert isinstance(protocol_for("model-inference"), ModelInference)
    cohere = protocol_for("cohere", "cohere-v4")
    assert isinstance(cohere, Cohere)
    assert cohere.family("Cohere-embed-v3-english") == "cohere-v4"


@pytest.mark.parametrize(
    ("endpoint", "scope"),
    [
        (f"{FOUNDRY}/providers/cohere", AI_SCOPE),
        ("https://127.0.0.1:8443/providers/cohere", AI_SCOPE),
        (SERVERLESS, ML_SCOPE),
        ("https://X.EastUS2.Models.AI.Azure.com", ML_SCOPE),
    ],
)
def test_cohere_entra_scope_by_host(endpoint, scope):
    assert Cohere().default_scopes(endpoint) == [scope]


def test_model_inference_has_no_query_params_on_cohere():
    assert Cohere().query_params("2025-04-01") == {}
    assert ModelInference().query_params("2025-04-01") == {"api-version": "2025-04-01"}


# ------------------------------------------------- the same rules, as the class applies them


def _embeddings(**settings: object) -> AzureAIImageEmbeddings:
    return AzureAIImageEmbeddings(credential="k", **settings)  # type: ignore[arg-type]


def test_the_class_refuses_an_endpoint_of_neither_shape_at_construction():
    with pytest.raises(ValueError, match="api='cohere'"):
        _embeddings(endpoint=FOUNDRY, model="embed-v-4-0")
    assert _embeddings(endpoint=FOUNDRY, model="embed-v-4-0", api="cohere")


def test_the_class_needs_a_model_on_cohere():
    with pytest.raises(ValueError, match="model is required"):
        _embeddings(endpoint=f"{FOUNDRY}/providers/cohere")
    assert _embeddings(endpoint=f"{FOUNDRY}/models")  # not on model inference


@pytest.mark.parametrize("field", ["document_input_type", "query_input_type"])
def test_the_class_needs_input_types_on_cohere(field):
    with pytest.raises(ValueError, match="requires an input type"):
        _embeddings(endpoint=SERVERLESS, model="embed-v-4-0", **{field: None})


@pytest.mark.parametrize("field", ["output_dimension", "embedding_types", "inputs", "texts"])
def test_model_kwargs_may_not_name_a_cohere_field(field):
    with pytest.raises(ValueError, match=f"may not set '{field}'"):
        _embeddings(endpoint=SERVERLESS, model="embed-v-4-0", model_kwargs={field: 1})
