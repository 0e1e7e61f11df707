"""Check a request body against the official ``cohere`` SDK's own request types (MIT).

The SDK has no model for the whole ``/v2/embed`` body; it has the keyword arguments of
``ClientV2.embed`` (the field names), the ``EmbedInputType`` and ``EmbeddingType`` literals,
and the ``EmbedInput`` pydantic model for each element of ``inputs``.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import cohere
import pydantic

_LITERAL_FIELDS = {"input_type": cohere.EmbedInputType, "embedding_types": cohere.EmbeddingType}
FIELDS = frozenset(inspect.signature(cohere.ClientV2.embed).parameters) - {
    "self",
    "request_options",
}


def _literal_values(alias: Any) -> frozenset[str]:
    """The values of the ``Literal`` inside the SDK's ``Union[Literal[...], Any]``."""
    for member in typing.get_args(alias):
        if typing.get_origin(member) is typing.Literal:
            return frozenset(typing.get_args(member))
    raise AssertionError(f"no Literal in {alias!r}")


INPUT_TYPES = _literal_values(cohere.EmbedInputType)
EMBEDDING_TYPES = _literal_values(cohere.EmbeddingType)


def _assert_no_extras(model: pydantic.BaseModel) -> None:
    assert not model.model_extra, model.model_extra
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, pydantic.BaseModel):
                _assert_no_extras(item)


def check_body(body: dict[str, Any]) -> None:
    """Assert that ``body`` is a request the SDK could have sent."""
    assert set(body) <= FIELDS, set(body) - FIELDS
    assert isinstance(body["model"], str) and body["model"]
    assert body["input_type"] in INPUT_TYPES
    assert body["embedding_types"] and set(body["embedding_types"]) <= EMBEDDING_TYPES
    kinds = [kind for kind in ("texts", "images", "inputs") if kind in body]
    assert len(kinds) == 1, kinds
    items = body[kinds[0]]
    assert 1 <= len(items) <= 96
    if kinds[0] == "inputs":
        for element in items:
            parsed = cohere.EmbedInput.model_validate(element)
            # nothing unknown (the SDK's models allow extras), dropped or renamed
            _assert_no_extras(parsed)
            assert parsed.model_dump(exclude_unset=True, by_alias=True) == element
    else:
        assert all(isinstance(item, str) and item for item in items)
    if "output_dimension" in body:
        assert isinstance(body["output_dimension"], int)
