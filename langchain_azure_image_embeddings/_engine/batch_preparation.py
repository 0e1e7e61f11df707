"""Turning a batch of classified inputs into the request that carries them.

Runs in worker threads: preparing images reads files and decodes pixels. Each
input is prepared on its own, so one bad image fails alone and the rest of its
batch is still sent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_image_embeddings._engine.batching import Batch, Route
from langchain_azure_image_embeddings._images.inputs import ImageItem, Item, TextItem
from langchain_azure_image_embeddings._images.preparation import (
    ImageLimits,
    PreparedImage,
    prepare_image,
)
from langchain_azure_image_embeddings._images.sources import (
    ImagePolicy,
    ImageSource,
    read_image_source,
)
from langchain_azure_image_embeddings._protocols import RequestSpec, WireProtocol
from langchain_azure_image_embeddings._protocols.model_inference import ModelInference
from langchain_azure_image_embeddings._protocols.wire import EmbeddingsBody
from langchain_azure_image_embeddings.errors import ImageInputError, describe_source

__all__ = [
    "PreparedInput",
    "PreparedRequest",
    "RequestOptions",
    "build_request",
    "prepare_batch",
    "prepare_each",
    "prepare_input",
    "read_item_source",
]


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
    protocol: WireProtocol = field(default_factory=ModelInference)

    @property
    def spec(self) -> RequestSpec:
        """What every request of the call carries besides its inputs."""
        return RequestSpec(
            model=self.model,
            input_type=self.input_type,
            dimensions=self.dimensions,
            encoding_format=self.encoding_format or "float",
            model_kwargs=self.model_kwargs,
        )


@dataclass(frozen=True)
class PreparedRequest:
    """A request ready to send, and the inputs of its batch that could not be prepared.

    Attributes:
        body: The request, or ``None`` when no input of the batch could be prepared.
        positions: The positions of the inputs the request carries, in order.
        failures: The error of each input that could not be prepared, by position.
        hits: Vectors found in the cache, by position (those inputs are not sent).
        cache_keys: With a cache, the key of each input sent, aligned with
            ``positions``, under which its vector is stored after success.
    """

    body: EmbeddingsBody | None
    positions: list[int]
    failures: dict[int, ImageInputError]
    hits: dict[int, list[float]] = field(default_factory=dict)
    cache_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PreparedInput:
    """One input ready to go into a request.

    Attributes:
        value: The entry of the request's ``input`` list: the text, or
            ``{"image": data_url, "text"?: str}``.
        image_sha256: For images, the SHA-256 (hex) of the image bytes sent.
    """

    value: str | dict[str, str]
    image_sha256: str | None = None


def prepare_batch(batch: Batch, options: RequestOptions) -> PreparedRequest:
    """Prepare every input of ``batch`` and build its request.

    Args:
        batch: Inputs of one route with their positions.
        options: Request options and the image policy and limits.

    Returns:
        The request for the inputs that could be prepared, and the failures.
    """
    prepared, failures = prepare_each(zip(batch.positions, batch.items, strict=True), options)
    body = build_request(batch.route, list(prepared.values()), options)
    return PreparedRequest(body, list(prepared), failures)


def prepare_each(
    inputs: Iterable[tuple[int, Item]],
    options: RequestOptions,
    reads: Mapping[int, ImageSource] | None = None,
) -> tuple[dict[int, PreparedInput], dict[int, ImageInputError]]:
    """Prepare inputs one by one, so that one that cannot be used fails alone.

    Args:
        inputs: Classified inputs with their positions.
        options: Request options and the image policy and limits.
        reads: Image sources already read, by position (by the cache).

    Returns:
        The prepared inputs and the failures (named by position), by position.
    """
    prepared: dict[int, PreparedInput] = {}
    failures: dict[int, ImageInputError] = {}
    for position, item in inputs:
        try:
            prepared[position] = prepare_input(item, options, (reads or {}).get(position))
        except ImageInputError as error:
            failures[position] = error.at(position)
    return prepared, failures


def prepare_input(
    item: Item, options: RequestOptions, read: ImageSource | None = None
) -> PreparedInput:
    """Prepare one input: a text as it is, an image read, checked, fitted and encoded.

    Args:
        item: The classified input.
        options: Request options and the image policy and limits.
        read: The image source already read (by the cache, to hash its
            bytes), so that it is not read twice.

    Returns:
        The input's request entry.

    Raises:
        ImageInputError: The image cannot be used, or a text cannot be sent
            as UTF-8 JSON (position not yet set).
    """
    if isinstance(item, TextItem):
        _check_sendable_text(item.text, "the text")
        return PreparedInput(item.text)
    if item.text is not None:
        _check_sendable_text(item.text, "the text paired with the image")
    image = _prepare_image(item, options, read)
    entry = {"image": image.data_url}
    if item.text is not None:
        entry["text"] = item.text
    return PreparedInput(entry, image.sha256)


def build_request(
    route: Route, prepared: list[PreparedInput], options: RequestOptions
) -> EmbeddingsBody | None:
    """Build the request carrying ``prepared``, or ``None`` when there is nothing to send.

    Args:
        route: ``"images"`` or ``"texts"``.
        prepared: The inputs, in request order.
        options: Request options.

    Returns:
        The request, or ``None`` for no inputs.
    """
    if not prepared:
        return None
    return options.protocol.build(
        [entry.value for entry in prepared], images=route == "images", spec=options.spec
    )


def read_item_source(item: ImageItem, policy: ImagePolicy) -> ImageSource:
    """Read an image input's source, through its policy check when classification made one.

    Args:
        item: The classified image input.
        policy: What may be read.

    Returns:
        What was read.

    Raises:
        ImageInputError: The source is not allowed or unreadable (position not yet set).
    """
    if item.checked is not None:
        return item.checked.read(policy)
    return read_image_source(item.source, policy)


def _check_sendable_text(text: str, what: str) -> None:
    """Refuse a text that cannot be encoded as UTF-8 JSON (a lone surrogate), before sending."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ImageInputError(
            f"{what} contains a lone surrogate (U+{ord(text[error.start]):04X}) at character "
            f"{error.start}, which UTF-8 JSON cannot carry; the text was probably decoded with "
            "errors='surrogateescape' or cut inside a surrogate pair: decode it again "
            "(e.g. errors='replace')",
            source=describe_source(text),
        ) from None


def _prepare_image(
    item: ImageItem, options: RequestOptions, read: ImageSource | None
) -> PreparedImage:
    if read is None:
        read = read_item_source(item, options.image_policy)
    with _DECODING:
        return prepare_image(read, policy=options.image_policy, limits=options.image_limits)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


_DECODING = threading.BoundedSemaphore(_usable_cores())
"""Decoding, resizing and encoding are CPU-bound (Pillow releases the GIL): more of them at
once than there are cores only adds decoded images alive in memory and cache misses."""
