"""The seed pattern: the documented way to embed images on Foundry, one call per image, in a loop.

``client.embed(input=[ImageEmbeddingInput.load(image_file=..., image_format="jpeg")])``
with the SDK's ``ImageEmbeddingsClient`` and its defaults: the file is sent as
it is, one request after another, and the response goes through the SDK's
model layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from azure.ai.inference import ImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AzureKeyCredential

from .support import MODEL


def seed_client(
    endpoint: str, key: str, request_hook: Callable[[Any], None] | None = None
) -> ImageEmbeddingsClient:
    """The SDK client as the samples build it (plus an optional byte counter)."""
    extra: dict[str, Any] = {}
    if request_hook is not None:
        extra["raw_request_hook"] = request_hook
    return ImageEmbeddingsClient(endpoint, AzureKeyCredential(key), model=MODEL, **extra)


def seed_loop(client: ImageEmbeddingsClient, paths: Sequence[Path]) -> list[list[float]]:
    """Embed each file in turn, as the documentation shows."""
    vectors = []
    for path in paths:
        result = client.embed(
            input=[ImageEmbeddingInput.load(image_file=str(path), image_format="jpeg")]
        )
        vectors.append(list(result.data[0].embedding))
    return vectors
