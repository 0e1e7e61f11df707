"""LangChain's standard integration tests for embeddings, unmodified, against the emulator.

Once on the model-inference route (``/models``) and once on Cohere's route
(``/providers/cohere``, embed-v-4-0).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ..conftest import EMULATOR_KEY, MODEL

COHERE_MODEL = "embed-v-4-0"
_emulator: dict[str, FoundryEmulator] = {}


@pytest.fixture(scope="module", autouse=True)
def _running_emulator() -> Iterator[None]:
    with (
        FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as emulator,
        FoundryEmulator(model=COHERE_MODEL, key=EMULATOR_KEY) as cohere,
    ):
        _emulator["current"] = emulator
        _emulator["cohere"] = cohere
        yield
        requests = cohere.stats()["requests"]
        # the Cohere suite ran on Cohere's route only
        assert requests["/v2/embed"] > 0 and requests["/embeddings"] == 0
    _emulator.clear()


class TestAzureAIImageEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[AzureAIImageEmbeddings]:
        return AzureAIImageEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        emulator = _emulator["current"]
        return {"endpoint": emulator.endpoint, "credential": emulator.key, "model": MODEL}


class TestAzureAIImageEmbeddingsCohereIntegration(TestAzureAIImageEmbeddingsIntegration):
    @property
    def embedding_model_params(self) -> dict:
        emulator = _emulator["cohere"]
        return {
            "endpoint": emulator.cohere_endpoint,
            "credential": emulator.key,
            "model": COHERE_MODEL,
        }
