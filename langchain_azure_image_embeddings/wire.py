"""The JSON bodies sent to and read from the embeddings routes (pure, no I/O)."""

from __future__ import annotations

import base64
import binascii
import json
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_json_loads: Callable[[bytes], Any]
_json_dumps: Callable[[Any], bytes]
try:  # orjson comes with langchain-core (through langsmith) on CPython: 3x faster here
    from orjson import dumps as _orjson_dumps
    from orjson import loads as _orjson_loads

    _json_loads = _orjson_loads
    _json_dumps = _orjson_dumps
except ImportError:  # pragma: no cover - PyPy, or a trimmed environment
    _json_loads = json.loads

    def _json_dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


__all__ = [
    "EmbeddingsBody",
    "ParsedEmbeddings",
    "ResponseFormatError",
    "Usage",
    "build_body",
    "encode_body",
    "parse_embeddings",
]

IMAGES_PATH = "/images/embeddings"
TEXTS_PATH = "/embeddings"


class ResponseFormatError(Exception):
    """The service answered 200 with a body that is not a valid embeddings result."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts reported by the service for one or more requests."""

    prompt_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens, self.total_tokens + other.total_tokens
        )


@dataclass(frozen=True, slots=True)
class EmbeddingsBody:
    """What one request sends: the route's path, the JSON body and extra headers."""

    path: str
    body: dict[str, Any]
    headers: Mapping[str, str]

    def without_input_type(self) -> EmbeddingsBody:
        """Return the same request with no ``input_type`` field."""
        body = {key: value for key, value in self.body.items() if key != "input_type"}
        return EmbeddingsBody(self.path, body, self.headers)

    def subset(self, start: int, stop: int) -> EmbeddingsBody:
        """Return the same request with only ``input[start:stop]``."""
        body = dict(self.body)
        body["input"] = self.body["input"][start:stop]
        return EmbeddingsBody(self.path, body, self.headers)

    @property
    def size(self) -> int:
        """How many inputs the request carries."""
        return len(self.body["input"])


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
    """Build one request for the images or the texts route.

    Args:
        route_inputs: For images, dicts ``{"image": data_url, "text"?: str}``;
            for texts, strings.
        images: Whether this is an ``/images/embeddings`` request.
        model: The deployment name, sent as ``model`` when given.
        input_type: ``"document"``, ``"query"``, ``"text"`` or ``None`` (not sent).
        dimensions: Output dimensions, when given.
        encoding_format: ``"float"``, ``"base64"``, or ``None`` (not sent).
        model_kwargs: Extra model parameters, merged into the body root and
            announced with ``extra-parameters: pass-through``.

    Returns:
        The request to send.
    """
    body: dict[str, Any] = {"input": list(route_inputs)}
    optional = {
        "model": model,
        "input_type": input_type,
        "dimensions": dimensions,
        "encoding_format": encoding_format,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    headers: dict[str, str] = {}
    if model_kwargs:
        body.update(model_kwargs)
        headers["extra-parameters"] = "pass-through"
    return EmbeddingsBody(IMAGES_PATH if images else TEXTS_PATH, body, headers)


@dataclass(frozen=True, slots=True)
class ParsedEmbeddings:
    """Vectors of one response, in request order, and the usage it reported."""

    vectors: list[list[float]]
    usage: Usage


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Serialise a request body: compact UTF-8 JSON (orjson when installed: 10x faster).

    Args:
        body: The JSON body, as built by :func:`build_body`.

    Returns:
        The bytes to send.
    """
    return _json_dumps(body)


def parse_embeddings(raw: bytes, expected: int) -> ParsedEmbeddings:
    """Read an embeddings result, sort it by ``index`` and check it is complete.

    Args:
        raw: The response body.
        expected: How many inputs the request carried.

    Returns:
        One vector of Python floats per input, in request order.

    Raises:
        ResponseFormatError: The body is not JSON, not an embeddings result,
            or does not hold exactly one embedding per input.
    """
    try:
        document = _json_loads(raw)
    except ValueError as error:
        raise ResponseFormatError(f"the response is not JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ResponseFormatError("the response has no 'data' list")
    slots: list[list[float] | None] = [None] * expected
    # JSON booleans are numbers to array("d"); look for them value by value only
    # when the body has any (the fast path converts 1,024 values in microseconds).
    strict = b"true" in raw or b"false" in raw
    for entry in document["data"]:
        index = entry.get("index") if isinstance(entry, dict) else None
        if not isinstance(index, int) or not 0 <= index < expected or slots[index] is not None:
            raise ResponseFormatError(
                f"the response's item indexes do not match the {expected} inputs sent"
            )
        slots[index] = _vector(entry.get("embedding"), strict)
    missing = [position for position, vector in enumerate(slots) if vector is None]
    if missing:
        raise ResponseFormatError(
            f"the response has {expected - len(missing)} embeddings for {expected} inputs"
        )
    usage = document.get("usage") or {}
    return ParsedEmbeddings(
        vectors=[vector for vector in slots if vector is not None],
        usage=Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("total_tokens") or 0)),
    )


def _vector(embedding: object, strict: bool) -> list[float]:
    if isinstance(embedding, str):
        return _decode_base64_floats(embedding)
    if isinstance(embedding, list) and embedding:
        if strict and any(isinstance(value, bool) for value in embedding):
            raise ResponseFormatError("an embedding holds a boolean")
        try:
            return array("d", embedding).tolist()
        except (TypeError, OverflowError):
            pass
    raise ResponseFormatError("an embedding is neither a list of numbers nor a base64 string")


def _decode_base64_floats(text: str) -> list[float]:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseFormatError("a base64 embedding is not valid base64") from None
    if not raw or len(raw) % 4:
        raise ResponseFormatError("a base64 embedding is not a whole number of float32 values")
    values = array("f")
    values.frombytes(raw)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()
