"""Cohere's route without HTTP: answers the SDK's types parse, image metadata, error reshaping,
the vector helper, and generated bodies that never crash it."""

from __future__ import annotations

import base64
import io
import json
import string
from typing import Any

import cohere
import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from langchain_azure_image_embeddings.emulator import (
    MODEL_PROFILES,
    expected_cohere_vector,
    expected_image_vector,
    expected_text_vector,
)
from langchain_azure_image_embeddings.emulator.cohere_route import (
    CohereAnswer,
    answer_cohere,
    as_cohere_error,
)
from langchain_azure_image_embeddings.emulator.errors import (
    ApiError,
    azure_error,
    parameter_not_supported,
    rate_limited,
    unauthorized,
)
from langchain_azure_image_embeddings.emulator.imaging import DecodedImage
from langchain_azure_image_embeddings.emulator.validation import ImageItem

V3 = MODEL_PROFILES["Cohere-embed-v3-english"]
V4 = MODEL_PROFILES["embed-v-4-0"]


def encoded(mode: str, image_format: str = "PNG", size: tuple[int, int] = (12, 9)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=image_format)
    return buffer.getvalue()


def url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


PNG = encoded("RGB")


def answer(payload: dict[str, Any], profile=V4) -> tuple[CohereAnswer, list[Any]]:
    records: list[Any] = []
    result = answer_cohere(
        json.dumps(payload).encode(), profile, lambda item, decoded: records.append(decoded)
    )
    return result, records


def images_request(*images: str, model: str = V4.name) -> dict[str, Any]:
    return {
        "model": model,
        "input_type": "image",
        "images": list(images),
        "embedding_types": ["float"],
    }


@pytest.mark.parametrize(
    ("mode", "image_format", "bits"),
    [
        ("RGB", "PNG", 24),
        ("RGBA", "PNG", 32),
        ("L", "PNG", 8),
        ("LA", "PNG", 16),
        ("P", "PNG", 8),
        ("1", "PNG", 1),
        ("I;16", "PNG", 16),
        ("RGB", "JPEG", 24),
        ("L", "JPEG", 8),
        ("RGB", "WEBP", 24),
        ("P", "GIF", 8),
    ],
)
def test_image_metadata(mode: str, image_format: str, bits: int):
    data = encoded(mode, image_format, (13, 7))
    result, records = answer(images_request(url(data)))
    [image] = result.document["images"]
    assert image == {
        "width": 13,
        "height": 7,
        "format": image_format.lower(),
        "bit_depth": bits,
    }
    assert isinstance(records[0], DecodedImage)
    assert result.document["embeddings"]["float"] == [
        expected_cohere_vector(model=V4.name, input_type="image", image=data)
    ]


def test_an_undecodable_image_is_recorded_and_refused():
    with pytest.raises(ApiError) as caught:
        answer(images_request(url(PNG), url(PNG[:40])))
    assert caught.value.status == 400
    assert caught.value.body["message"] == (
        "invalid request: images[1]: image is not a decodable image of an allowed format "
        "(GIF, JPEG, PNG, WEBP)"
    )
    # Both images were received: the first decoded, the second not.
    records: list[Any] = []
    with pytest.raises(ApiError):
        answer_cohere(
            json.dumps(images_request(url(PNG), url(PNG[:40]))).encode(),
            V4,
            lambda item, decoded: records.append((item, decoded)),
        )
    assert [type(decoded) for _, decoded in records] == [DecodedImage, type(None)]
    assert all(isinstance(item, ImageItem) for item, _ in records)


def test_the_document_parses_as_the_sdk_type_and_is_json():
    result, _ = answer(
        {
            "model": V4.name,
            "input_type": "search_document",
            "inputs": [
                {"content": [{"type": "text", "text": "bird"}]},
                {
                    "content": [
                        {"type": "image_url", "image_url": {"url": url(PNG)}},
                        {"type": "text", "text": "a\ud800b"},  # a lone surrogate
                    ]
                },
            ],
            "embedding_types": list(("float", "int8", "uint8", "binary", "ubinary", "base64")),
        }
    )
    document = orjson.loads(orjson.dumps(result.document))
    parsed = cohere.EmbedByTypeResponse.model_validate(document)
    assert parsed.texts == ["bird", "a\ufffdb"]
    assert parsed.meta is not None and parsed.meta.billed_units is not None
    assert parsed.meta.billed_units.input_tokens == 1 + 3
    assert (result.images, result.texts) == (1, 1)


def test_as_cohere_error_keeps_status_and_headers():
    limited = as_cohere_error(
        rate_limited(2, {"Retry-After": "2", "retry-after-ms": "1500"}), {"api-key": "k"}
    )
    assert limited.status == 429
    assert limited.headers == {"Retry-After": "2", "retry-after-ms": "1500"}
    assert limited.body["message"] == (
        "You are past the per minute request limit, please wait and try again later."
    )
    assert as_cohere_error(unauthorized(), {}).body["message"] == "no api key supplied"
    assert as_cohere_error(unauthorized(), {"Authorization": "x"}).body["message"] == (
        "invalid api token"
    )
    unavailable = as_cohere_error(azure_error(503, "ServiceUnavailable", "busy"), {})
    assert (unavailable.status, unavailable.body["message"]) == (503, "busy")
    flat = as_cohere_error(parameter_not_supported("input_type", "x"), {})
    assert flat.body["message"] == "One of the parameters contain invalid values."
    bare = as_cohere_error(ApiError(502, "502", {}), {})
    assert bare.body["message"] == "request failed with status 502"
    already = ApiError(400, "400", {"id": "1", "message": "m"})
    assert as_cohere_error(already, {}) is already


def test_expected_cohere_vector_is_the_models_vector():
    assert expected_cohere_vector(
        model=V3.name, input_type="search_query", text="t"
    ) == expected_text_vector("t", model=V3.name, input_type="query")
    assert expected_cohere_vector(
        model=V3.name, input_type="clustering", image=url(PNG), text="t"
    ) == expected_image_vector(PNG, model=V3.name, text="t")
    with pytest.raises(ValueError, match="needs a text or an image"):
        expected_cohere_vector(model=V3.name, input_type="search_query")
    with pytest.raises(ValueError, match="unknown Cohere input_type"):
        expected_cohere_vector(model=V3.name, input_type="query", text="t")
    with pytest.raises(ValueError, match="dimensions=256"):
        expected_cohere_vector(
            model=V3.name, input_type="search_query", text="t", output_dimension=256
        )


# Generated bodies: mostly well-formed around the real fields, with up to two fields made wild
# (any JSON value, or a near miss) or dropped, and now and then any JSON value at all.
JSON_TEXT = st.lists(st.characters() | st.characters(categories=["Cs"]), max_size=12).map("".join)
JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | JSON_TEXT
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(string.ascii_lowercase, max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
GOOD_URLS = st.sampled_from([url(PNG), url(encoded("RGBA")), url(encoded("L", "JPEG"))])
IMAGE_URLS = GOOD_URLS | st.sampled_from(
    [url(PNG[:40]), "data:image/png;base64,@@", "https://x/y.png", url(b"GIF89a")]
)
TYPES = ["float", "int8", "uint8", "binary", "ubinary", "base64"]


def part(urls: st.SearchStrategy[str], texts: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({"type": st.just("text"), "text": texts}) | st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.fixed_dictionaries({"url": urls})}
    )


def inputs(element: st.SearchStrategy[Any], low: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(
        st.fixed_dictionaries({"content": st.lists(element, min_size=low, max_size=3)}),
        min_size=low,
        max_size=2,
    )


GOOD: dict[str, st.SearchStrategy[Any]] = {
    "input_type": st.sampled_from(
        ["search_document", "search_query", "classification", "clustering", "image"]
    ),
    "embedding_types": st.lists(st.sampled_from(TYPES), min_size=1, max_size=3),
    "texts": st.lists(JSON_TEXT.filter(bool), min_size=1, max_size=3),
    "images": st.lists(GOOD_URLS, min_size=1, max_size=2),
    "inputs": inputs(part(GOOD_URLS, JSON_TEXT.filter(bool)), 1),
    "output_dimension": st.sampled_from([256, 512, 1024, 1536]),
    "truncate": st.sampled_from(["NONE", "START", "END"]),
    "max_tokens": st.integers(1, 10),
    "priority": st.integers(0, 999),
}
WILD: dict[str, st.SearchStrategy[Any]] = {
    "model": st.sampled_from([V3.name, V4.name, "EMBED-V-4-0", ""]) | JSON_VALUE,
    "input_type": st.sampled_from(["query", "document", "text"]) | JSON_VALUE,
    "embedding_types": st.lists(st.sampled_from([*TYPES, "half"]), max_size=3) | JSON_VALUE,
    "texts": st.lists(JSON_TEXT | JSON_VALUE, max_size=98) | JSON_VALUE,
    "images": st.lists(IMAGE_URLS | JSON_VALUE, max_size=3) | JSON_VALUE,
    "inputs": inputs(part(IMAGE_URLS, JSON_TEXT) | JSON_VALUE, 0) | JSON_VALUE,
    "output_dimension": st.sampled_from([768, "256", 256.0]) | JSON_VALUE,
    "truncate": st.sampled_from(["end", ""]) | JSON_VALUE,
    "max_tokens": st.integers(-2, 0) | JSON_VALUE,
    "priority": st.integers(1000, 2000) | JSON_VALUE,
    "dimensions": st.just(256),
}


@st.composite
def bodies(draw: st.DrawFn, model: str) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUE)
    kind = draw(st.sampled_from(["texts", "images", "inputs"]))
    body = {
        "model": model,
        "input_type": draw(GOOD["input_type"]),
        "embedding_types": draw(GOOD["embedding_types"]),
        kind: draw(GOOD[kind]),
    }
    options = ["output_dimension", "truncate", "max_tokens", "priority"]
    for name in draw(st.lists(st.sampled_from(options), unique=True)):
        body[name] = draw(GOOD[name])
    for name in draw(st.lists(st.sampled_from(sorted(WILD)), max_size=2, unique=True)):
        if draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(WILD[name])
    return body


@pytest.mark.parametrize("profile", [V3, V4], ids=lambda profile: profile.name)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_bodies_get_an_answer_or_a_client_error(profile, data):
    payload = data.draw(bodies(profile.name))
    raw = json.dumps(payload).encode("utf-8", "surrogatepass")
    refused: ApiError | None = None
    try:
        result = answer_cohere(raw, profile, lambda item, decoded: None)
    except ApiError as error:
        refused = error
    event("refused" if refused is not None else "answered")
    if refused is not None:
        assert refused.status in (400, 404)
        assert set(refused.body) == {"id", "message"}
        assert isinstance(refused.body["message"], str) and refused.body["message"]
        return
    document = orjson.loads(orjson.dumps(result.document))
    parsed = cohere.EmbedByTypeResponse.model_validate(document)
    kinds = list(dict.fromkeys(payload["embedding_types"]))
    assert list(document["embeddings"]) == kinds
    count = len(payload.get("texts") or payload.get("images") or payload.get("inputs"))
    assert all(len(values) == count for values in document["embeddings"].values())
    assert parsed.meta is not None and parsed.meta.api_version is not None
    assert result.images + result.texts == count
    dims = payload.get("output_dimension") or profile.dimensions
    if "float" in document["embeddings"]:
        assert all(len(vector) == dims for vector in document["embeddings"]["float"])
