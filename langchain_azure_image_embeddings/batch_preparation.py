"""Turning a batch of classified inputs into the request that carries them.

Runs in worker threads: preparing images reads files and decodes pixels. Each
input is prepared on its own, so one bad image fails alone and the rest of its
batch is still sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_image_embeddings.batching import Batch
from langchain_azure_image_embeddings.errors import ImageInputError
from langchain_azure_image_embeddings.image_preparation import ImageLimits, prepare_image
from langchain_azure_image_embeddings.image_sources import ImagePolicy
from langchain_azure_image_embeddings.inputs import ImageItem, TextItem
from langchain_azure_image_embeddings.wire import EmbeddingsBody, build_body

__all__ = ["PreparedRequest", "RequestOptions", "prepare_batch"]


@dataclass(frozen=True)
class RequestOptions:
    """Everything a request needs besides its inputs."""

    model: str | None
    input_type: str | None
    dimensions: int | None
    encoding_format: str | None
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    image_policy: ImagePolicy = field(default_factory=ImagePolicy)
    image_limits: ImageLimits = field(default_factory=ImageLimits)


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send, and the inputs of its batch that could not be prepared.

    Attributes:
        body: The request, or ``None`` when no input of the batch could be prepared.
        positions: The positions of the inputs the request carries, in order.
        failures: The error of each input that could not be prepared, by position.
    """

    body: EmbeddingsBody | None
    positions: list[int]
    failures: dict[int, ImageInputError]


def prepare_batch(batch: Batch, options: RequestOptions) -> PreparedRequest:
    """Prepare every input of ``batch`` and build its request.

    Args:
        batch: Inputs of one route with their positions.
        options: Request options and the image policy and limits.

    Returns:
        The request for the inputs that could be prepared, and the failures.
    """
    positions: list[int] = []
    route_inputs: list[Any] = []
    failures: dict[int, ImageInputError] = {}
    for position, item in zip(batch.positions, batch.items, strict=True):
        if isinstance(item, TextItem):
            route_inputs.append(item.text)
            positions.append(position)
            continue
        try:
            route_inputs.append(_image_input(item, options))
        except ImageInputError as error:
            failures[position] = error.at(position)
        else:
            positions.append(position)
    body = None
    if route_inputs:
        body = build_body(
            route_inputs=route_inputs,
            images=batch.route == "images",
            model=options.model,
            input_type=options.input_type,
            dimensions=options.dimensions,
            encoding_format=options.encoding_format,
            model_kwargs=options.model_kwargs,
        )
    return PreparedRequest(body, positions, failures)


def _image_input(item: ImageItem, options: RequestOptions) -> dict[str, str]:
    prepared = prepare_image(item.source, policy=options.image_policy, limits=options.image_limits)
    entry = {"image": prepared.data_url}
    if item.text is not None:
        entry["text"] = item.text
    return entry
