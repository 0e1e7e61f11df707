"""Success bodies, shaped like the real service's (spec fields plus `object` and usage extras)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_azure_image_embeddings.emulator.encoding import Embedding
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def text_tokens(text: str) -> int:
    """Count the usage tokens of a text: its words and punctuation marks."""
    return len(_TOKEN.findall(text))


def embeddings_result(
    embeddings: Sequence[Embedding], *, model: str, prompt_tokens: int
) -> dict[str, Any]:
    """Build an `EmbeddingsResult` body."""
    return {
        "id": str(uuid.uuid4()),
        "object": "list",
        "data": [
            {"index": index, "object": "embedding", "embedding": embedding}
            for index, embedding in enumerate(embeddings)
        ],
        "model": model,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 0,
            "total_tokens": prompt_tokens,
        },
    }


def model_info(profile: ModelProfile) -> dict[str, Any]:
    """Build a `ModelInfo` body for `GET /info`."""
    return {
        "model_name": profile.name,
        "model_type": profile.model_type,
        "model_provider_name": profile.provider,
    }
