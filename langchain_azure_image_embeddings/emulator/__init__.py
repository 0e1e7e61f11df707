"""A local Azure AI Foundry model-inference endpoint for tests, benchmarks and demos.

It answers `POST /images/embeddings`, `POST /embeddings` and `GET /info` (under `/models` or at
the root) like the service does for the Cohere embedding models, and Cohere's own
`POST /providers/cohere/v2/embed` (or `/v2/embed`) in the same vector space, with deterministic
vectors that `expected_image_vector` / `expected_text_vector` / `expected_cohere_vector`
recompute in-process. See `docs/emulator.md`.
"""

from langchain_azure_image_embeddings.emulator.cohere_vectors import expected_cohere_vector
from langchain_azure_image_embeddings.emulator.faults import (
    DEFAULT_FAULTS,
    FAULT_KINDS,
    FORCED_KINDS,
    FaultPlan,
)
from langchain_azure_image_embeddings.emulator.profiles import MODEL_PROFILES, ModelProfile
from langchain_azure_image_embeddings.emulator.server import API_VERSIONS, FoundryEmulator
from langchain_azure_image_embeddings.emulator.vectors import (
    expected_image_vector,
    expected_text_vector,
)

__all__ = [
    "API_VERSIONS",
    "DEFAULT_FAULTS",
    "FAULT_KINDS",
    "FORCED_KINDS",
    "MODEL_PROFILES",
    "FaultPlan",
    "FoundryEmulator",
    "ModelProfile",
    "expected_cohere_vector",
    "expected_image_vector",
    "expected_text_vector",
]
