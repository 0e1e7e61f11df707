"""Inputs and expected vectors shared by the reliability tests."""

from __future__ import annotations

import time
from typing import Any

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInput
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import MODEL, jpeg_bytes


def mixed_inputs(count: int) -> list[Any]:
    """Images, image+text pairs and texts in turn (small, distinct JPEGs)."""
    inputs: list[Any] = []
    for position in range(count):
        kind = position % 3
        if kind == 0:
            inputs.append(jpeg_bytes((16, 12), seed=position))
        elif kind == 1:
            inputs.append(
                ImageInput(image=jpeg_bytes((16, 12), seed=position), text=f"caption {position}")
            )
        else:
            inputs.append(f"text number {position}")
    return inputs


def expected_vectors(inputs: list[Any], input_type: str = "document") -> list[list[float]]:
    """What the emulator returns for each input, recomputed in-process."""
    vectors = []
    for value in inputs:
        if isinstance(value, str):
            vectors.append(expected_text_vector(value, model=MODEL, input_type=input_type))
        elif isinstance(value, ImageInput):
            vectors.append(
                expected_image_vector(
                    value.image, model=MODEL, input_type=input_type, text=value.text
                )
            )
        else:
            vectors.append(expected_image_vector(value, model=MODEL, input_type=input_type))
    return vectors


def settle_in_flight(emulator: FoundryEmulator, within: float = 1.0) -> float:
    """Wait until the emulator has no request in flight; return how long that took."""
    started = time.perf_counter()
    while emulator.stats()["in_flight"] and time.perf_counter() - started < within:
        time.sleep(0.005)
    return time.perf_counter() - started


async def embed_images(
    embeddings: AzureAIImageEmbeddings, mode: str, inputs: list[Any], **kwargs: Any
) -> Any:
    """``embed_images`` (``mode="sync"``) or ``aembed_images`` (``mode="async"``)."""
    if mode == "sync":
        return embeddings.embed_images(inputs, **kwargs)
    return await embeddings.aembed_images(inputs, **kwargs)
