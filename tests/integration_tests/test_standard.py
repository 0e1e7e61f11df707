"""LangChain's standard integration tests for embeddings, unmodified, against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_azure_image_embeddings import AzureAIImageEmbeddings
from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ..conftest import EMULATOR_KEY, MODEL

_emulator: dict[str, FoundryEmulator] = {}


@pytest.fixture(scope="module", autouse=True)
def _running_emulator() -> Iterator[None]:
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as emulator:
        _emulator["current"] = emulator
        yield
    _emulator.clear()


class TestAzureAIImageEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[AzureAIImageEmbeddings]:
        return AzureAIImageEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        emulator = _emulator["current"]
        return {"endpoint": emulator.endpoint, "credential": emulator.key, "model": MODEL}
