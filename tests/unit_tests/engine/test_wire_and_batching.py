"""Request bodies, response parsing, batching and classification (pure code)."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import pytest
from langchain_core.stores import InMemoryByteStore

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInput, ImageInputError
from langchain_azure_image_embeddings._engine.plan import CACHE_CHUNK, LookUp
from langchain_azure_image_embeddings._images.inputs import ImageItem, TextItem, classify
from langchain_azure_image_embeddings._protocols.wire import ResponseFormatError, encode_body
from langchain_azure_image_embeddings._transport.retry import retry_after_seconds
from tests.unit_tests.model_inference_wire import build_body, parse_embeddings


def test_bodies_are_compact_utf8_json():
    body = build_body(
        route_inputs=["un café", {"image": "data:image/png;base64,AA==", "text": "été"}],
        images=True,
        model="m",
        input_type="query",
        dimensions=None,
        encoding_format=None,
        model_kwargs={},
    ).body
    data = encode_body(body)
    assert json.loads(data) == body
    assert "un café".encode() in data and b"\\u00e9" not in data
    assert b", " not in data and b": " not in data


def test_body_drops_unset_fields_and_announces_extras():
    body = build_body(
        route_inputs=["a"],
        images=False,
        model=None,
        input_type=None,
        dimensions=None,
        encoding_format=None,
        model_kwargs={},
    )
    assert body.path == "/embeddings" and body.body == {"input": ["a"]} and dict(body.headers) == {}
    body = build_body(
        route_inputs=[{"image": "data:image/png;base64,AA"}],
        images=True,
        model="m",
        input_type="query",
        dimensions=256,
        encoding_format="base64",
        model_kwargs={"truncate": "END"},
    )
    assert body.path == "/images/embeddings"
    assert body.body == {
        "input": [{"image": "data:image/png;base64,AA"}],
        "model": "m",
        "input_type": "query",
        "dimensions": 256,
        "encoding_format": "base64",
        "truncate": "END",
    }
    assert body.headers["extra-parameters"] == "pass-through"


def test_base64_vectors_decode_as_little_endian_float32():
    values = [0.5, -1.25, 3.0]
    encoded = base64.b64encode(struct.pack("<3f", *values)).decode()
    parsed = parse_embeddings(
        b'{"data":[{"index":0,"embedding":"' + encoded.encode() + b'"}],"usage":{}}', 1
    )
    assert parsed.vectors == [values]
    assert all(type(value) is float for value in parsed.vectors[0])


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"data":[{"index":5,"embedding":[1]}]}',
        b'{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}',
        b'{"data":[{"index":0,"embedding":"***"}]}',
    ],
)
def test_bad_responses_are_refused(raw):
    with pytest.raises(ResponseFormatError):
        parse_embeddings(raw, 2 if b'index":0,"embedding":[1]},{' in raw else 1)


def _plan(**fields):
    embeddings = AzureAIImageEmbeddings(
        endpoint="https://res.services.ai.azure.com/models", credential="k", **fields
    )
    return embeddings._plan("document", None)


def test_batches_fill_per_route_and_keep_positions():
    items = [(i, TextItem(str(i)) if i % 3 else ImageItem(b"x")) for i in range(10)]
    steps = list(_plan(images_per_request=2, texts_per_request=4).steps(items))
    routes = [(batch.route, batch.positions) for batch in steps]
    assert routes == [
        ("images", [0, 3]),
        ("texts", [1, 2, 4, 5]),
        ("images", [6, 9]),
        ("texts", [7, 8]),
    ]


def _counted(consumed, count=100):
    for i in range(count):
        consumed.append(i)
        yield i, TextItem(f"t{i}")


def test_batching_is_lazy():
    consumed = []
    first = next(_plan(texts_per_request=5).steps(_counted(consumed)))
    assert first.positions == [0, 1, 2, 3, 4] and len(consumed) == 5


def test_with_a_cache_chunks_are_looked_up_before_batching():
    consumed = []
    steps = _plan(texts_per_request=5, cache=InMemoryByteStore()).steps(_counted(consumed))
    look_up = next(steps)
    assert isinstance(look_up, LookUp)
    assert [position for position, _ in look_up.chunk] == list(range(CACHE_CHUNK))
    assert len(consumed) == CACHE_CHUNK
    left = look_up.chunk[3:9]  # what the cache did not know
    batch = steps.send(left)
    assert batch.positions == [3, 4, 5, 6, 7]
    assert isinstance(steps.send(None), LookUp)  # the next chunk: position 8 waits for more
    assert len(consumed) == 100


def test_strings_are_text_unless_image_data_urls_or_image_methods():
    assert classify("/etc/passwd", strings_are_images=False) == TextItem("/etc/passwd")
    assert classify("http://169.254.169.254/", strings_are_images=False) == TextItem(
        "http://169.254.169.254/"
    )
    assert classify("DATA:image/png;base64,AA", strings_are_images=False) == ImageItem(
        "DATA:image/png;base64,AA"
    )
    assert classify("cat.png", strings_are_images=True) == ImageItem("cat.png")
    assert classify(ImageInput(b"x", "t"), strings_are_images=False) == ImageItem(b"x", "t")
    assert classify(Path("a.png"), strings_are_images=False) == ImageItem(Path("a.png"))
    assert classify({"type": "text", "text": "hi"}, strings_are_images=True) == TextItem("hi")
    block = {"type": "image", "base64": "AA", "mime_type": "image/png"}
    assert classify(block, strings_are_images=False) == ImageItem(block)


@pytest.mark.parametrize("value", [3, 1.5, None, object(), {"type": "audio"}])
def test_unsupported_inputs_are_typed_errors(value):
    with pytest.raises(ImageInputError, match="unsupported"):
        classify(value, strings_are_images=False)


def test_retry_after_headers():
    assert retry_after_seconds({"retry-after": "3"}) == 3
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_seconds({"x-ms-retry-after-ms": "250"}) == 0.25
    assert (
        retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470) == 10
    )
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None
