"""Cohere's ``/v2/embed`` codec: the bodies it builds and the answers it reads (no I/O).

Every body is checked against the official ``cohere`` SDK's request types as well.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import cohere
import pytest

from langchain_azure_image_embeddings._protocols import RequestSpec
from langchain_azure_image_embeddings._protocols.cohere import (
    EMBED_PATH,
    MAX_REQUEST_BYTES,
    Cohere,
    model_family,
)
from langchain_azure_image_embeddings._protocols.wire import (
    EmbeddingsBody,
    ResponseFormatError,
    Usage,
)

from .cohere_sdk import EMBEDDING_TYPES, INPUT_TYPES, check_body

V3 = "Cohere-embed-v3-english"
V4 = "embed-v-4-0"
PNG = "data:image/png;base64,iVBORw0KGgo="
JPEG = "data:image/jpeg;base64,/9j/4AAQ"


def spec(
    model: str = V4,
    input_type: str | None = "document",
    *,
    dimensions: int | None = None,
    encoding_format: str = "float",
    model_kwargs: dict[str, Any] | None = None,
) -> RequestSpec:
    return RequestSpec(model, input_type, dimensions, encoding_format, model_kwargs or {})


def build(entries: list[Any], *, images: bool, **settings: Any) -> EmbeddingsBody:
    request = Cohere().build(entries, images=images, spec=spec(**settings))
    check_body(request.body)
    assert request.path == EMBED_PATH
    assert request.carries_images is images
    assert request.size == len(entries)
    return request


# ------------------------------------------------------------------------------ families


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Cohere-embed-v3-english", "cohere-v3"),
        ("Cohere-embed-v3-multilingual", "cohere-v3"),
        ("embed-english-v3.0", "cohere-v3"),
        ("embed-v-4-0", "cohere-v4"),
        ("embed-v4.0", "cohere-v4"),
        ("Embed-V-4-0", "cohere-v4"),
        ("my-embed-v4-deployment", "cohere-v4"),
        ("Cohere-embed-v5-pro", "cohere-v4"),
        ("cohere-embed-v12", "cohere-v4"),
        ("my-deployment", "cohere-v3"),
        ("embeddings", "cohere-v3"),
        ("", "cohere-v3"),
        (None, "cohere-v3"),
    ],
)
def test_model_family_from_the_deployment_name(name, family):
    assert model_family(name) == family


def test_an_explicit_family_wins_over_the_name():
    assert model_family("my-deployment", "cohere-v4") == "cohere-v4"
    assert model_family("embed-v-4-0", "cohere-v3") == "cohere-v3"
    assert Cohere("cohere-v4").family("anything") == "cohere-v4"


def test_limits_by_family():
    v3, v4 = Cohere().limits(V3), Cohere().limits(V4)
    assert (v3.images_cap(None), v3.images_cap(50), v3.texts_cap(500)) == (1, 1, 96)
    assert v3.max_request_bytes is None
    assert (v4.images_cap(None), v4.images_cap(500), v4.images_cap(10)) == (96, 96, 10)
    assert (v4.texts_cap(500), v4.max_request_bytes) == (96, 20_000_000)
    assert MAX_REQUEST_BYTES == 20_000_000


# ------------------------------------------------------------------------------- bodies


@pytest.mark.parametrize("model", [V3, V4])
def test_texts_travel_in_texts(model):
    request = build(["a", "b"], images=False, model=model)
    assert request.body == {
        "model": model,
        "input_type": "search_document",
        "texts": ["a", "b"],
        "embedding_types": ["float"],
    }
    assert request.items_key == "texts"


def test_96_texts_is_the_limit_and_the_cap():
    assert Cohere().limits(V4).texts_cap(1000) == 96
    request = build([f"t{i}" for i in range(96)], images=False)
    assert len(request.body["texts"]) == 96


@pytest.mark.parametrize(
    ("ours", "theirs"), [("document", "search_document"), ("query", "search_query")]
)
def test_input_types_are_mapped(ours, theirs):
    assert build(["x"], images=False, input_type=ours).body["input_type"] == theirs


@pytest.mark.parametrize(
    "given", ["classification", "clustering", "search_document", "search_query"]
)
@pytest.mark.parametrize("model", [V3, V4])
def test_other_input_types_pass_as_given(given, model):
    assert build(["x"], images=False, model=model, input_type=given).body["input_type"] == given
    pairs = build([{"image": PNG, "text": "t"}], images=True, model=model, input_type=given)
    assert pairs.body["input_type"] == given


@pytest.mark.parametrize("input_type", ["document", "query", "classification"])
def test_a_v3_image_travels_in_images_with_input_type_image(input_type):
    request = build([{"image": PNG}], images=True, model=V3, input_type=input_type)
    assert request.body == {
        "model": V3,
        "input_type": "image",
        "images": [PNG],
        "embedding_types": ["float"],
    }
    assert request.items_key == "images"


def test_a_v3_pair_travels_in_inputs_text_first():
    request = build([{"image": JPEG, "text": "a cat"}], images=True, model=V3, input_type="query")
    assert request.body == {
        "model": V3,
        "input_type": "search_query",
        "inputs": [
            {
                "content": [
                    {"type": "text", "text": "a cat"},
                    {"type": "image_url", "image_url": {"url": JPEG}},
                ]
            }
        ],
        "embedding_types": ["float"],
    }


def test_v4_images_and_pairs_travel_in_inputs():
    entries: list[Any] = [{"image": PNG}, {"image": JPEG, "text": "a dog"}, {"image": PNG}]
    request = build(entries, images=True, model=V4, input_type="document")
    assert request.body["input_type"] == "search_document"
    assert request.items_key == "inputs"
    assert request.body["inputs"] == [
        {"content": [{"type": "image_url", "image_url": {"url": PNG}}]},
        {
            "content": [
                {"type": "text", "text": "a dog"},
                {"type": "image_url", "image_url": {"url": JPEG}},
            ]
        },
        {"content": [{"type": "image_url", "image_url": {"url": PNG}}]},
    ]


def test_a_single_v4_image_also_travels_in_inputs():
    request = build([{"image": PNG}], images=True, model=V4, input_type="query")
    assert request.items_key == "inputs"
    assert request.body["input_type"] == "search_query"


def test_v4_family_setting_applies_to_any_name():
    request = Cohere("cohere-v4").build([{"image": PNG}], images=True, spec=spec("mine"))
    check_body(request.body)
    assert request.items_key == "inputs"


def test_dimensions_travel_as_output_dimension():
    request = build(["x"], images=False, dimensions=256)
    assert request.body["output_dimension"] == 256
    assert "dimensions" not in request.body
    assert "output_dimension" not in build(["x"], images=False).body


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_encoding_format_travels_as_embedding_types(encoding):
    request = build([{"image": PNG}], images=True, encoding_format=encoding)
    assert request.body["embedding_types"] == [encoding]
    assert "encoding_format" not in request.body


def test_model_kwargs_add_fields():
    request = build(["x"], images=False, model_kwargs={"truncate": "START", "max_tokens": 9})
    assert request.body["truncate"] == "START"
    assert request.body["max_tokens"] == 9
    assert request.headers == {}  # no extra-parameters header on this route


def test_model_kwargs_never_replace_a_field_the_package_sets():
    hostile = {
        "model": "other",
        "input_type": "clustering",
        "texts": ["injected"],
        "images": ["injected"],
        "inputs": [{"content": []}],
        "embedding_types": ["int8"],
        "output_dimension": 1536,
        "truncate": "END",
    }
    request = Cohere().build(
        [{"image": PNG}],
        images=True,
        spec=spec(V3, "document", dimensions=None, model_kwargs=hostile),
    )
    body = request.body
    assert body["model"] == V3
    assert body["input_type"] == "image"
    assert body["images"] == [PNG]
    assert body["embedding_types"] == ["float"]
    assert body["truncate"] == "END"
    texts = Cohere().build(
        ["mine"], images=False, spec=spec(V4, dimensions=512, model_kwargs=hostile)
    )
    assert texts.body["texts"] == ["mine"]
    assert texts.body["output_dimension"] == 512
    assert texts.body["input_type"] == "search_document"


def test_subsets_keep_the_request_and_split_the_inputs():
    request = build([{"image": PNG}] * 5, images=True)
    part = request.subset(1, 3)
    check_body(part.body)
    assert part.size == 2
    assert {k: v for k, v in part.body.items() if k != "inputs"} == {
        k: v for k, v in request.body.items() if k != "inputs"
    }


def test_the_sdk_knows_every_value_the_codec_sends():
    assert {
        "search_document",
        "search_query",
        "image",
        "classification",
        "clustering",
    } <= INPUT_TYPES
    assert {"float", "base64"} <= EMBEDDING_TYPES


def test_the_sdk_check_refuses_a_malformed_body():
    """The SDK check itself can fail (not a check that passes whatever the body)."""
    good = build([{"image": PNG, "text": "t"}], images=True).body
    for broken in (
        {**good, "dimensions": 256},
        {**good, "input_type": "document"},
        {**good, "embedding_types": ["floats"]},
        {**good, "inputs": [{"content": [{"type": "image", "image": PNG}]}]},
        {**good, "inputs": [{"content": [{"type": "text", "text": "t", "extra": 1}]}]},
        {**good, "texts": ["x"]},
    ):
        with pytest.raises((AssertionError, ValueError)):
            check_body(broken)


# ------------------------------------------------------------------------------ answers


def answer(embeddings: dict[str, Any], meta: Any = None, **extra: Any) -> bytes:
    document: dict[str, Any] = {"id": "c0ffee", "embeddings": embeddings, **extra}
    if meta is not None:
        document["meta"] = meta
    raw = json.dumps(document).encode()
    # the answer is one the official SDK reads too
    cohere.EmbedByTypeResponse.model_validate(json.loads(raw))
    return raw


def sent(count: int, encoding: str = "float") -> EmbeddingsBody:
    return Cohere().build(["x"] * count, images=False, spec=spec(encoding_format=encoding))


def b64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def test_float_answers_are_read_in_order():
    parsed = Cohere().parse(answer({"float": [[0.5, -1.0], [2.0, 0.25]]}), sent(2))
    assert parsed.vectors == [[0.5, -1.0], [2.0, 0.25]]
    assert all(type(value) is float for vector in parsed.vectors for value in vector)
    assert parsed.usage == Usage()


def test_base64_answers_decode_to_the_same_floats():
    vectors = [[0.5, -1.0, 3.25], [2.0, 0.25, -0.125]]
    from_base64 = Cohere().parse(answer({"base64": [b64(v) for v in vectors]}), sent(2, "base64"))
    from_float = Cohere().parse(answer({"float": vectors}), sent(2))
    assert from_base64.vectors == from_float.vectors == vectors


def test_only_the_requested_type_is_read():
    raw = answer({"float": [[1.0]], "base64": [b64([9.0])]})
    assert Cohere().parse(raw, sent(1)).vectors == [[1.0]]
    assert Cohere().parse(raw, sent(1, "base64")).vectors == [[9.0]]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_wrong_count_is_an_error(count):
    with pytest.raises(ResponseFormatError, match=f"{count} embeddings for 2 inputs"):
        Cohere().parse(answer({"float": [[1.0]] * count}), sent(2))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"id": "x", "embeddings": {"int8": [[1]]}}', "no 'float' embeddings"),
        (b'{"id": "x", "embeddings": {"float": null}}', "no 'float' embeddings"),
        (b'{"id": "x", "embeddings": {"float": {"0": [1.0]}}}', "no 'float' embeddings"),
        (b'{"id": "x", "embeddings": [[1.0]]}', "no 'embeddings' object"),
        (b'{"id": "x"}', "no 'embeddings' object"),
        (b"[]", "no 'embeddings' object"),
        (b"not json", "not JSON"),
        (b'{"id": "x", "embeddings": {"float": [[true]]}}', "boolean"),
        (b'{"id": "x", "embeddings": {"float": [["1"]]}}', "neither"),
        (b'{"id": "x", "embeddings": {"float": [[]]}}', "neither"),
    ],
)
def test_a_malformed_answer_is_an_error(raw, message):
    with pytest.raises(ResponseFormatError, match=message):
        Cohere().parse(raw, sent(1))


@pytest.mark.parametrize(
    ("value", "message"),
    [("AAA", "not valid base64"), ("AAAAAAA=", "whole number of float32"), ("", "whole number")],
)
def test_a_malformed_base64_embedding_is_an_error(value, message):
    raw = json.dumps({"id": "x", "embeddings": {"base64": [value]}}).encode()
    with pytest.raises(ResponseFormatError, match=message):
        Cohere().parse(raw, sent(1, "base64"))


def test_usage_comes_from_billed_units():
    meta = {
        "api_version": {"version": "2"},
        "billed_units": {"input_tokens": 7, "images": 3, "image_tokens": 3000},
    }
    parsed = Cohere().parse(answer({"float": [[1.0]]}, meta), sent(1))
    assert parsed.usage == Usage(prompt_tokens=7, total_tokens=3007, images=3, image_tokens=3000)


@pytest.mark.parametrize(
    "meta",
    [{"api_version": {"version": "2"}}, {"billed_units": None}, {"billed_units": {}}],
)
def test_usage_may_be_absent(meta):
    assert Cohere().parse(answer({"float": [[1.0]]}, meta), sent(1)).usage == Usage()


def test_billed_units_given_as_whole_floats_are_counts():
    meta = {"billed_units": {"input_tokens": 4.0, "images": 1.0, "image_tokens": 1000.0}}
    usage = Cohere().parse(answer({"float": [[1.0]]}, meta), sent(1)).usage
    assert usage == Usage(prompt_tokens=4, total_tokens=1004, images=1, image_tokens=1000)


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ('"meta"', "'meta' is not an object"),
        ("[1]", "'meta' is not an object"),
        ('{"billed_units": [1]}', "'meta.billed_units' is not an object"),
        ('{"billed_units": "7"}', "'meta.billed_units' is not an object"),
        ('{"billed_units": {"input_tokens": "7"}}', "'input_tokens' is not a number"),
        ('{"billed_units": {"images": -1}}', "'images' is not a whole"),
        ('{"billed_units": {"image_tokens": 1.5}}', "'image_tokens' is not a whole"),
        ('{"billed_units": {"images": true}}', "'images' is not a number"),
    ],
)
def test_malformed_usage_is_an_error(meta, message):
    raw = f'{{"id": "x", "embeddings": {{"float": [[1.0]]}}, "meta": {meta}}}'.encode()
    with pytest.raises(ResponseFormatError, match=message):
        Cohere().parse(raw, sent(1))
