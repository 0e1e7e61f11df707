"""Checking a Cohere `/v2/embed` body into a typed request, or into Cohere's error.

Checks, in order, each failing with 400 and Cohere's body `{"id", "message"}` unless noted:
JSON (`invalid json syntax: ...`); a JSON object without unknown fields (a client that sends
`dimensions` meant `output_dimension`); `model` present, then naming the served deployment
(compared case-insensitively; else 404 with Cohere's "model '...' not found" message);
`input_type` one of the five; `embedding_types` present and non-empty (the v2 docs call it
required; the spec's default of `["float"]` is not applied), each a known type; `max_tokens`,
`truncate`, `priority`; `output_dimension` (generation 4 only, one of the model's dimensions);
exactly one of `texts`, `images`, `inputs`, a non-empty list of at most 96; `input_type`
against the kind of input (`image` goes with `images` only; on generation 3, `images` need
`image`); then each input: a non-empty text, a data URL (held to the per-image limit on
generation 3), and at most `images_per_request` images in all. Decoding the images happens
later, off the event loop, in `cohere_route`. `null` for an optional field means "not sent". A
lone surrogate in a text (legal as a JSON escape, not as UTF-8) is read as U+FFFD, so that the
text can be echoed in the answer's `texts`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_azure_image_embeddings.emulator.errors import ApiError, cohere_error
from langchain_azure_image_embeddings.emulator.imaging import ImageError, parse_data_url
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile
from langchain_azure_image_embeddings.emulator.validation import ImageItem

INPUT_TYPES = ("search_document", "search_query", "classification", "clustering", "image")
EMBEDDING_TYPES = ("float", "int8", "uint8", "binary", "ubinary", "base64")
TRUNCATE_MODES = ("NONE", "START", "END")
INPUT_KINDS = ("texts", "images", "inputs")
MAX_INPUTS = 96
MAX_PRIORITY = 999
FIELDS = frozenset(
    {"model", "input_type", "max_tokens", "output_dimension", "embedding_types", "truncate"}
    | {"priority", *INPUT_KINDS}
)
INPUT_TYPE_MESSAGE = "invalid request: valid input_type must be provided with the provided model"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

CohereInput = str | ImageItem
"""One input: a text, or an image (`ImageItem.text` holds the text fused with it, if any)."""


@dataclass(frozen=True)
class CohereRequest:
    """A checked `/v2/embed` request.

    Attributes:
        kind: Which list held the inputs: `texts`, `images` or `inputs`.
        input_type: The Cohere `input_type`, as sent.
        embedding_types: The requested types, in the order sent, without repeats.
        output_dimension: As sent; None for the model's default.
        inputs: The inputs in order, one vector each.
    """

    kind: str
    input_type: str
    embedding_types: tuple[str, ...]
    output_dimension: int | None
    inputs: tuple[CohereInput, ...]


def parse_cohere_request(body: bytes, profile: ModelProfile) -> CohereRequest:
    """Check a `/v2/embed` body against the served model.

    Args:
        body: The raw request body.
        profile: The served model's profile.

    Returns:
        The checked request.

    Raises:
        ApiError: The error the service answers (400, or 404 for another model).
    """
    payload = _load(body)
    _check_model(payload.get("model"), profile)
    input_type = payload.get("input_type")
    if input_type not in INPUT_TYPES:
        raise _bad(INPUT_TYPE_MESSAGE)
    embedding_types = _embedding_types(payload.get("embedding_types"))
    _check_integer(payload, "max_tokens", 1, None)
    truncate = payload.get("truncate")
    if truncate is not None and truncate not in TRUNCATE_MODES:
        raise _bad(f"invalid request: truncate must be one of {', '.join(TRUNCATE_MODES)}")
    _check_integer(payload, "priority", 0, MAX_PRIORITY)
    output_dimension = _output_dimension(payload.get("output_dimension"), profile)
    kind, items = _input_list(payload)
    if input_type == "image" and kind != "images":
        raise _bad(INPUT_TYPE_MESSAGE)
    if kind == "images" and profile.generation < 4 and input_type != "image":
        raise _bad("invalid request: images must be used with input_type=image")
    inputs = _inputs(kind, items, profile)
    images = sum(isinstance(item, ImageItem) for item in inputs)
    if images > profile.images_per_request:
        raise _bad(
            f"invalid request: {profile.name} accepts at most {profile.images_per_request} "
            f"image(s) per request - received {images}"
        )
    return CohereRequest(
        kind=kind,
        input_type=input_type,
        embedding_types=embedding_types,
        output_dimension=output_dimension,
        inputs=inputs,
    )


def _bad(message: str) -> ApiError:
    return cohere_error(400, message)


def _load(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise _bad(f"invalid json syntax: {error}") from None
    if not isinstance(payload, dict):
        raise _bad("invalid request: the body must be a JSON object")
    unknown = sorted(payload.keys() - FIELDS)
    if unknown:
        raise _bad(f"invalid request: unknown field '{unknown[0]}'")
    return {key: value for key, value in payload.items() if value is not None}


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _check_model(model: object, profile: ModelProfile) -> None:
    if not isinstance(model, str) or not model:
        raise _bad("a model parameter is required for this endpoint.")
    if model.casefold() != profile.name.casefold():
        raise cohere_error(
            404,
            f"model '{model}' not found, make sure the correct model ID was used and that you "
            "have access to the model.",
        )


def _embedding_types(value: object) -> tuple[str, ...]:
    if value is None or value == []:
        raise _bad("embedding_types parameter is required")
    if not isinstance(value, list) or any(kind not in EMBEDDING_TYPES for kind in value):
        raise _bad(
            f"invalid request: embedding_types must be a list of {', '.join(EMBEDDING_TYPES)}"
        )
    return tuple(dict.fromkeys(value))


def _check_integer(payload: dict[str, Any], name: str, low: int, high: int | None) -> None:
    value = payload.get(name)
    if value is None:
        return
    if not _is_integer(value) or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _bad(f"invalid request: {name} must be an integer {bounds}")


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _output_dimension(value: object, profile: ModelProfile) -> int | None:
    if value is None:
        return None
    if profile.generation < 4:
        raise _bad(f"invalid request: output_dimension is not supported by {profile.name}")
    if not _is_integer(value) or value not in profile.supported_dimensions:
        allowed = ", ".join(str(d) for d in sorted(profile.supported_dimensions))
        raise _bad(f"invalid request: output_dimension must be one of {allowed}")
    assert isinstance(value, int)
    return value


def _input_list(payload: dict[str, Any]) -> tuple[str, list[Any]]:
    sent = [kind for kind in INPUT_KINDS if kind in payload]
    if len(sent) != 1:
        raise _bad("invalid request: exactly one of texts, images or inputs must be provided")
    kind = sent[0]
    items = payload[kind]
    if not isinstance(items, list) or not items:
        raise _bad(f"invalid request: {kind} must be a non-empty list")
    if len(items) > MAX_INPUTS:
        raise _bad(
            f"invalid request: total number of {kind} must be at most {MAX_INPUTS} "
            f"- received {len(items)}"
        )
    return kind, items


def _inputs(kind: str, items: Sequence[Any], profile: ModelProfile) -> tuple[CohereInput, ...]:
    if kind == "texts":
        return tuple(_text(item, f"texts[{index}]", index) for index, item in enumerate(items))
    if kind == "images":
        return tuple(
            _image(item, f"images[{index}]", None, profile) for index, item in enumerate(items)
        )
    return tuple(_fused(item, index, profile) for index, item in enumerate(items))


def _text(value: object, where: str, index: int) -> str:
    if not isinstance(value, str):
        raise _bad(f"invalid request: {where} must be a string")
    if not value:
        raise _bad(
            f"invalid request: inputs contains an element that is the empty string at index {index}"
        )
    return _LONE_SURROGATE.sub("\ufffd", value)


def _image(value: object, where: str, text: str | None, profile: ModelProfile) -> ImageItem:
    if not isinstance(value, str):
        raise _bad(f"invalid request: {where} must be a data URL string")
    try:
        url = parse_data_url(value)
    except ImageError as error:
        raise _bad(f"invalid request: {where}: {error}") from None
    if profile.generation < 4 and len(url.data) > profile.max_image_bytes:
        raise _bad(
            f"invalid request: {where} is {len(url.data)} bytes, more than the "
            f"{profile.max_image_bytes} bytes {profile.name} accepts per image"
        )
    return ImageItem(mime=url.mime, data=url.data, text=text)


def _fused(element: object, index: int, profile: ModelProfile) -> CohereInput:
    """One `inputs` element: its text parts joined by spaces, fused with its image if any."""
    where = f"inputs[{index}]"
    content = element.get("content") if isinstance(element, dict) else None
    if not isinstance(content, list) or not content:
        raise _bad(f"invalid request: {where}.content must be a non-empty list")
    texts: list[str] = []
    urls: list[object] = []
    for number, part in enumerate(content):
        part_where = f"{where}.content[{number}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(_text(part.get("text"), f"{part_where}.text", index))
        elif kind == "image_url":
            image_url = part.get("image_url")
            urls.append(image_url.get("url") if isinstance(image_url, dict) else None)
        else:
            raise _bad(f"invalid request: {part_where}.type must be text or image_url")
    text = " ".join(texts) if texts else None
    if not urls:
        assert text is not None
        return text
    if len(urls) > 1:
        raise _bad(f"invalid request: {where} holds {len(urls)} images; at most 1 per input")
    return _image(urls[0], f"{where}.image_url.url", text, profile)
