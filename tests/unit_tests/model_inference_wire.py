"""The model-inference codec called as the tests of its bodies and answers call it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_azure_image_embeddings._protocols import RequestSpec
from langchain_azure_image_embeddings._protocols.model_inference import ModelInference
from langchain_azure_image_embeddings._protocols.wire import EmbeddingsBody, ParsedEmbeddings

CODEC = ModelInference()


def build_body(
    *,
    route_inputs: Sequence[Any],
    images: bool,
    model: str | None,
    input_type: str | None,
    dimensions: int | None,
    encoding_format: str | None,
    model_kwargs: Mapping[str, Any],
) -> EmbeddingsBody:
    spec = RequestSpec(model, input_type, dimensions, encoding_format or "float", model_kwargs)
    return CODEC.build(list(route_inputs), images=images, spec=spec)


def parse_embeddings(raw: bytes, expected: int) -> ParsedEmbeddings:
    request = build_body(
        route_inputs=["x"] * expected,
        images=False,
        model=None,
        input_type=None,
        dimensions=None,
        encoding_format=None,
        model_kwargs={},
    )
    return CODEC.parse(raw, request)
