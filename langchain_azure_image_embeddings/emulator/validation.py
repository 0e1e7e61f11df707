"""Turning a request into a checked, typed embeddings request, or into the service's error.

Checks, in order: JSON (400 `invalid_json`); the official schema (400 `invalid_request`); unknown
fields, refused unless the `extra-parameters` header is `drop` or `pass-through` (400
`extra_parameters_not_allowed`); the body's `model` (400 `unknown_model`); the number of inputs
(400 `invalid_request`, `too_many_images`, `too_many_inputs`); `dimensions`, `encoding_format`,
`input_type` against the model (422 `parameter_not_supported`); each image's data URL
(400 `invalid_image`) and byte size (413 `image_too_large`). Decoding the image itself happens
later, off the event loop (see `server.py`), and also answers 400 `invalid_image`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from langchain_azure_image_embeddings.emulator.errors import (
    ApiError,
    bad_request,
    parameter_not_supported,
    too_large,
)
from langchain_azure_image_embeddings.emulator.imaging import ImageError, parse_data_url
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile
from langchain_azure_image_embeddings.emulator.schema import SchemaViolation, spec_schemas

EXTRA_PARAMETER_MODES = ("error", "drop", "pass-through")
IMAGE_OPTIONS = "ImageEmbeddingsOptions"
IMAGE_INPUT = "ImageEmbeddingInput"
TEXT_OPTIONS = "EmbeddingsOptions"


@dataclass(frozen=True)
class Policy:
    """What the served deployment accepts, beyond its profile.

    Attributes:
        profile: The served model's profile.
        reject_input_type: Answer 422 whenever `input_type` is sent.
    """

    profile: ModelProfile
    reject_input_type: bool = False


@dataclass(frozen=True)
class Options:
    """The options shared by both embeddings routes (None: not sent)."""

    dimensions: int | None
    encoding_format: str
    input_type: str | None
    model: str | None = None


@dataclass(frozen=True)
class ImageItem:
    """One image input of a request.

    Attributes:
        mime: The MIME type declared in the data URL.
        data: The base64-decoded image bytes.
        text: The paired text, if any.
    """

    mime: str
    data: bytes
    text: str | None


@dataclass(frozen=True)
class ImageRequest:
    """A checked `/images/embeddings` request."""

    items: tuple[ImageItem, ...]
    options: Options


@dataclass(frozen=True)
class TextRequest:
    """A checked `/embeddings` request."""

    texts: tuple[str, ...]
    options: Options


def extra_parameters_mode(header: str | None) -> str:
    """Return the `extra-parameters` mode (`error` when absent).

    Raises:
        ApiError: 400 for a value outside `error`, `drop`, `pass-through`.
    """
    mode = "error" if header is None else header.strip().lower()
    if mode not in EXTRA_PARAMETER_MODES:
        raise bad_request(
            "invalid_request",
            f"Header extra-parameters must be one of {', '.join(EXTRA_PARAMETER_MODES)}.",
            target="extra-parameters",
        )
    return mode


def check_model(requested: object, profile: ModelProfile) -> None:
    """Refuse a `model` other than the served deployment (compared case-insensitively).

    Raises:
        ApiError: 400 `unknown_model`.
    """
    if isinstance(requested, str) and requested.casefold() != profile.name.casefold():
        raise bad_request("unknown_model", f"Unknown model: {requested}", target="model")


def parse_image_request(body: bytes, extra_parameters: str | None, policy: Policy) -> ImageRequest:
    """Check an `/images/embeddings` body.

    Args:
        body: The raw request body.
        extra_parameters: The `extra-parameters` header, if sent.
        policy: What the deployment accepts.

    Returns:
        The checked request.

    Raises:
        ApiError: The error the service answers.
    """
    profile = policy.profile
    payload, options = _check_common(
        body, IMAGE_OPTIONS, extra_parameters, policy, profile.images_per_request, "images"
    )
    items = tuple(_image_item(index, item, profile) for index, item in enumerate(payload["input"]))
    return ImageRequest(items=items, options=options)


def parse_text_request(body: bytes, extra_parameters: str | None, policy: Policy) -> TextRequest:
    """Check an `/embeddings` body.

    Args:
        body: The raw request body.
        extra_parameters: The `extra-parameters` header, if sent.
        policy: What the deployment accepts.

    Returns:
        The checked request.

    Raises:
        ApiError: The error the service answers.
    """
    payload, options = _check_common(
        body, TEXT_OPTIONS, extra_parameters, policy, policy.profile.texts_per_request, "inputs"
    )
    return TextRequest(texts=tuple(payload["input"]), options=options)


def _check_common(
    body: bytes,
    definition: str,
    extra_parameters: str | None,
    policy: Policy,
    limit: int,
    noun: str,
) -> tuple[dict[str, Any], Options]:
    payload = _load(body, definition, extra_parameters)
    check_model(payload.get("model"), policy.profile)
    count = len(payload["input"])
    if count == 0:
        raise bad_request(
            "invalid_request", "input must contain at least one item.", target="input"
        )
    if count > limit:
        raise bad_request(
            f"too_many_{noun}",
            f"Too many {noun}: {count} sent, at most {limit} per request.",
            target="input",
        )
    return payload, _options(payload, policy)


def _load(body: bytes, definition: str, extra_parameters: str | None) -> dict[str, Any]:
    mode = extra_parameters_mode(extra_parameters)
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise bad_request("invalid_json", f"Request body is not valid JSON: {error}") from None
    schemas = spec_schemas()
    try:
        schemas.validate(payload, definition)
    except SchemaViolation as violation:
        raise bad_request(
            "invalid_request", f"Invalid request body: {violation}", target=violation.path or None
        ) from None
    assert isinstance(payload, dict)
    unknown = sorted(payload.keys() - schemas.property_names(definition))
    if definition == IMAGE_OPTIONS:
        known_item = schemas.property_names(IMAGE_INPUT)
        for index, item in enumerate(payload["input"]):
            unknown += [f"input[{index}].{key}" for key in sorted(item.keys() - known_item)]
    if unknown and mode == "error":
        raise bad_request(
            "extra_parameters_not_allowed",
            f"Extra parameters {unknown} are not allowed when extra-parameters is not set or set "
            "to be 'error'. Set extra-parameters to 'pass-through' to pass to the model.",
            target=unknown[0],
        )
    return payload


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _options(payload: dict[str, Any], policy: Policy) -> Options:
    profile = policy.profile
    dimensions = payload.get("dimensions")
    if dimensions is not None and dimensions not in profile.supported_dimensions:
        raise parameter_not_supported("dimensions", dimensions)
    encoding_format = payload.get("encoding_format")
    if encoding_format is not None and encoding_format not in profile.encoding_formats:
        raise parameter_not_supported("encoding_format", encoding_format)
    input_type = payload.get("input_type")
    if input_type is not None and (
        policy.reject_input_type or input_type not in profile.input_types
    ):
        raise parameter_not_supported("input_type", input_type)
    model = payload.get("model")
    return Options(
        dimensions=dimensions,
        encoding_format=encoding_format or "float",
        input_type=input_type,
        model=model if isinstance(model, str) else None,
    )


def _image_item(index: int, item: dict[str, Any], profile: ModelProfile) -> ImageItem:
    try:
        url = parse_data_url(item["image"])
    except ImageError as error:
        raise invalid_image(index, error) from None
    target = f"input[{index}].image"
    if len(url.data) > profile.max_image_bytes:
        raise too_large(
            "image_too_large",
            f"{target}: image is {len(url.data)} bytes, more than the {profile.max_image_bytes} "
            f"bytes {profile.name} accepts.",
            target=target,
        )
    return ImageItem(mime=url.mime, data=url.data, text=item.get("text"))


def invalid_image(index: int, error: ImageError) -> ApiError:
    """Build the 400 for an image that fails to decode."""
    target = f"input[{index}].image"
    return bad_request("invalid_image", f"{target}: {error}", target=target)
