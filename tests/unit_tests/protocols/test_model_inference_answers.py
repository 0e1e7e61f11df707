"""Reading responses fast (orjson when present, ``array`` conversion) and still strictly."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from langchain_azure_image_embeddings._protocols import wire
from langchain_azure_image_embeddings._protocols.wire import ResponseFormatError
from tests.unit_tests.model_inference_wire import parse_embeddings


def _body(*embeddings: object) -> bytes:
    data = [{"index": i, "embedding": e} for i, e in enumerate(embeddings)]
    return json.dumps({"data": data, "usage": {"prompt_tokens": 3, "total_tokens": 3}}).encode()


@pytest.fixture(params=["default", "stdlib"])
def loads(request, monkeypatch):
    """Both JSON parsers: orjson (when installed) and the standard library fallback."""
    if request.param == "stdlib":
        monkeypatch.setattr(wire, "_json_loads", json.loads)
    return request.param


def test_numbers_become_python_floats_exactly(loads):
    values = [0.1, -2, 3e-45, 1.7976931348623157e308, 0.30000000000000004]
    parsed = parse_embeddings(_body(values), 1)
    assert parsed.vectors == [[float(v) for v in values]]
    assert all(type(v) is float for v in parsed.vectors[0])


def test_base64_float32_is_decoded_exactly(loads):
    values = [0.5, -0.125, 1.0e-3]
    packed = base64.b64encode(struct.pack("<3f", *values)).decode()
    parsed = parse_embeddings(_body(packed), 1)
    assert parsed.vectors == [list(struct.unpack("<3f", struct.pack("<3f", *values)))]


@pytest.mark.parametrize(
    "embedding",
    [[True, 0.5], [0.5, False], ["0.5"], [None], [[0.5]], [], {"a": 1}, 7, "not base64!"],
)
def test_anything_but_numbers_or_base64_is_refused(loads, embedding):
    with pytest.raises(ResponseFormatError):
        parse_embeddings(_body(embedding), 1)


def test_booleans_elsewhere_in_the_body_do_not_slow_or_break_reading(loads):
    body = json.dumps(
        {"data": [{"index": 0, "embedding": [0.25, 1]}], "usage": {}, "cached": True}
    ).encode()
    assert parse_embeddings(body, 1).vectors == [[0.25, 1.0]]


def test_items_are_put_back_in_index_order(loads):
    body = json.dumps(
        {"data": [{"index": 1, "embedding": [2.0]}, {"index": 0, "embedding": [1.0]}]}
    ).encode()
    assert parse_embeddings(body, 2).vectors == [[1.0], [2.0]]
