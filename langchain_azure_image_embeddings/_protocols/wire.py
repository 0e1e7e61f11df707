"""What every wire protocol shares: the request, usage, JSON and vector decoding (pure).

Each protocol's own bodies and answers are in :mod:`._protocols`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import sys
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_azure_image_embeddings.usage import Usage

_json_loads: Callable[[bytes], Any]
_json_dumps: Callable[[Any], bytes]
try:  # orjson is a dependency; the fallback serves interpreters without its wheels
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
    "count",
    "decode_json",
    "encode_body",
    "vector_of",
]


class ResponseFormatError(Exception):
    """The service answered 200 with a body that is not a valid embeddings result."""


@dataclass(frozen=True)
class EmbeddingsBody:
    """One request: the route's path, the JSON body, extra headers, and where its inputs are.

    Attributes:
        path: The route, relative to the endpoint (``/images/embeddings``, ``/v2/embed``).
        body: The JSON body.
        headers: Extra request headers.
        items_key: The body field holding the list of inputs (``input``,
            ``texts``, ``images`` or ``inputs``); one vector comes back per entry.
        carries_images: Whether the inputs are images (or image+text pairs).
    """

    path: str
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    items_key: str = "input"
    carries_images: bool = False

    def without_input_type(self) -> EmbeddingsBody:
        """Return the same request with no ``input_type`` field."""
        body = {key: value for key, value in self.body.items() if key != "input_type"}
        return replace(self, body=body)

    def subset(self, start: int, stop: int) -> EmbeddingsBody:
        """Return the same request with only the inputs ``[start:stop]``."""
        body = dict(self.body)
        body[self.items_key] = self.body[self.items_key][start:stop]
        return replace(self, body=body)

    @property
    def items(self) -> list[Any]:
        """The inputs the request carries, as they travel."""
        return self.body[self.items_key]  # type: ignore[no-any-return]

    @property
    def size(self) -> int:
        """How many inputs the request carries."""
        return len(self.body[self.items_key])

    @functools.cached_property
    def content(self) -> bytes:
        """The body serialised (once, whatever the number of attempts)."""
        return encode_body(self.body)


@dataclass(frozen=True, slots=True)
class ParsedEmbeddings:
    """Vectors of one response, in request order, and the usage it reported."""

    vectors: list[list[float]]
    usage: Usage


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Serialise a request body: compact UTF-8 JSON (orjson: 10x faster than ``json``).

    Args:
        body: The JSON body.

    Returns:
        The bytes to send.
    """
    return _json_dumps(body)


def decode_json(raw: bytes) -> Any:
    """Parse a response body.

    Args:
        raw: The response body.

    Returns:
        The JSON document.

    Raises:
        ResponseFormatError: The body is not JSON.
    """
    try:
        return _json_loads(raw)
    except ValueError as error:
        raise ResponseFormatError(f"the response is not JSON ({error})") from None


def count(value: object, name: str) -> int:
    """Read a count the service reported (a usage field), refusing anything else.

    Args:
        value: The field's value (``None`` when absent).
        name: The field's name, for the error message.

    Returns:
        The count, ``0`` when absent.

    Raises:
        ResponseFormatError: The value is not a non-negative whole number.
    """
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ResponseFormatError(f"the usage field {name!r} is not a number")
    if not math.isfinite(value) or value < 0 or int(value) != value:
        raise ResponseFormatError(f"the usage field {name!r} is not a whole, non-negative number")
    return int(value)


def vector_of(embedding: object, strict: bool) -> list[float]:
    """Convert one embedding as it travels (numbers, or base64 float32) to Python floats.

    Args:
        embedding: A list of numbers, or a base64 string of little-endian float32 values.
        strict: Whether to look for JSON booleans among the numbers (they
            convert silently); only needed when the body holds ``true``/``false``.

    Returns:
        The vector.

    Raises:
        ResponseFormatError: The embedding is neither.
    """
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
