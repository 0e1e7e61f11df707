"""Checking Cohere `/v2/embed` bodies: what is accepted, and each refusal's status and message."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from PIL import Image

from langchain_azure_image_embeddings.emulator import MODEL_PROFILES
from langchain_azure_image_embeddings.emulator.cohere_request import (
    CohereRequest,
    parse_cohere_request,
)
from langchain_azure_image_embeddings.emulator.errors import ApiError
from langchain_azure_image_embeddings.emulator.validation import ImageItem

V3 = MODEL_PROFILES["Cohere-embed-v3-english"]
V4 = MODEL_PROFILES["embed-v-4-0"]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png()
URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def body(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model": V3.name,
        "input_type": "search_document",
        "embedding_types": ["float"],
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not ...}


def parse(payload: dict[str, Any] | bytes, profile=V3) -> CohereRequest:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return parse_cohere_request(raw, profile)


def refusal(payload: dict[str, Any] | bytes, profile=V3) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        parse(payload, profile)
    error = caught.value
    assert set(error.body) == {"id", "message"}
    assert "x-ms-error-code" not in error.headers
    return error.status, error.body["message"]


def image_part(url: str = URL) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


REFUSED = {
    "not JSON": (b"{", V3, 400, "invalid json syntax: "),
    "NaN": (b'{"model": NaN}', V3, 400, "invalid json syntax: NaN is not valid JSON"),
    "a list body": (b"[]", V3, 400, "invalid request: the body must be a JSON object"),
    "unknown field": (
        body(texts=["a"], dimensions=256),
        V3,
        400,
        "invalid request: unknown field 'dimensions'",
    ),
    "no model": (
        body(model=..., texts=["a"]),
        V3,
        400,
        "a model parameter is required for this endpoint.",
    ),
    "empty model": (
        body(model="", texts=["a"]),
        V3,
        400,
        "a model parameter is required for this endpoint.",
    ),
    "another model": (
        body(model="embed-v-4-0", texts=["a"]),
        V3,
        404,
        "model 'embed-v-4-0' not found, make sure the correct model ID was used and that you "
        "have access to the model.",
    ),
    "no input_type": (
        body(input_type=..., texts=["a"]),
        V3,
        400,
        "invalid request: valid input_type must be provided with the provided model",
    ),
    "Azure's input_type": (
        body(input_type="document", texts=["a"]),
        V3,
        400,
        "invalid request: valid input_type must be provided with the provided model",
    ),
    "no embedding_types": (
        body(embedding_types=..., texts=["a"]),
        V3,
        400,
        "embedding_types parameter is required",
    ),
    "null embedding_types": (
        body(embedding_types=None, texts=["a"]),
        V3,
        400,
        "embedding_types parameter is required",
    ),
    "empty embedding_types": (
        body(embedding_types=[], texts=["a"]),
        V3,
        400,
        "embedding_types parameter is required",
    ),
    "unknown embedding type": (
        body(embedding_types=["float", "float16"], texts=["a"]),
        V3,
        400,
        "invalid request: embedding_types must be a list of float, int8, uint8, binary, "
        "ubinary, base64",
    ),
    "embedding_types a string": (
        body(embedding_types="float", texts=["a"]),
        V3,
        400,
        "invalid request: embedding_types must be a list of float, int8, uint8, binary, "
        "ubinary, base64",
    ),
    "no inputs at all": (
        body(),
        V3,
        400,
        "invalid request: exactly one of texts, images or inputs must be provided",
    ),
    "texts and images": (
        body(texts=["a"], images=[URL], input_type="image"),
        V3,
        400,
        "invalid request: exactly one of texts, images or inputs must be provided",
    ),
    "empty texts": (body(texts=[]), V3, 400, "invalid request: texts must be a non-empty list"),
    "97 texts": (
        body(texts=["a"] * 97),
        V3,
        400,
        "invalid request: total number of texts must be at most 96 - received 97",
    ),
    "97 inputs": (
        body(model=V4.name, inputs=[{"content": [text_part("a")]}] * 97),
        V4,
        400,
        "invalid request: total number of inputs must be at most 96 - received 97",
    ),
    "97 images on v4": (
        body(model=V4.name, images=[URL] * 97),
        V4,
        400,
        "invalid request: total number of images must be at most 96 - received 97",
    ),
    "empty text": (
        body(texts=["a", ""]),
        V3,
        400,
        "invalid request: inputs contains an element that is the empty string at index 1",
    ),
    "a number as text": (body(texts=[3]), V3, 400, "invalid request: texts[0] must be a string"),
    "images without input_type image on v3": (
        body(images=[URL], input_type="search_query"),
        V3,
        400,
        "invalid request: images must be used with input_type=image",
    ),
    "input_type image with texts": (
        body(model=V4.name, texts=["a"], input_type="image"),
        V4,
        400,
        "invalid request: valid input_type must be provided with the provided model",
    ),
    "input_type image with inputs": (
        body(model=V4.name, inputs=[{"content": [image_part()]}], input_type="image"),
        V4,
        400,
        "invalid request: valid input_type must be provided with the provided model",
    ),
    "two images on v3": (
        body(images=[URL, URL], input_type="image"),
        V3,
        400,
        "invalid request: Cohere-embed-v3-english accepts at most 1 image(s) per request "
        "- received 2",
    ),
    "two images in inputs on v3": (
        body(inputs=[{"content": [image_part()]}, {"content": [image_part()]}]),
        V3,
        400,
        "invalid request: Cohere-embed-v3-english accepts at most 1 image(s) per request "
        "- received 2",
    ),
    "not a data URL": (
        body(images=["https://example.com/cat.png"], input_type="image"),
        V3,
        400,
        "invalid request: images[0]: image must be a data URL of the form "
        "'data:image/{format};base64,{data}'",
    ),
    "bad base64": (
        body(images=["data:image/png;base64,@@@"], input_type="image"),
        V3,
        400,
        "invalid request: images[0]: image data URL payload is not valid base64",
    ),
    "output_dimension on v3": (
        body(texts=["a"], output_dimension=1024),
        V3,
        400,
        "invalid request: output_dimension is not supported by Cohere-embed-v3-english",
    ),
    "output_dimension is checked before the inputs": (
        body(output_dimension=1024),
        V3,
        400,
        "invalid request: output_dimension is not supported by Cohere-embed-v3-english",
    ),
    "output_dimension 768 on v4": (
        body(model=V4.name, texts=["a"], output_dimension=768),
        V4,
        400,
        "invalid request: output_dimension must be one of 256, 512, 1024, 1536",
    ),
    "output_dimension as text on v4": (
        body(model=V4.name, texts=["a"], output_dimension="256"),
        V4,
        400,
        "invalid request: output_dimension must be one of 256, 512, 1024, 1536",
    ),
    "truncate lower-case": (
        body(texts=["a"], truncate="end"),
        V3,
        400,
        "invalid request: truncate must be one of NONE, START, END",
    ),
    "max_tokens 0": (
        body(texts=["a"], max_tokens=0),
        V3,
        400,
        "invalid request: max_tokens must be an integer at least 1",
    ),
    "max_tokens true": (
        body(texts=["a"], max_tokens=True),
        V3,
        400,
        "invalid request: max_tokens must be an integer at least 1",
    ),
    "priority 1000": (
        body(texts=["a"], priority=1000),
        V3,
        400,
        "invalid request: priority must be an integer between 0 and 999",
    ),
    "inputs element without content": (
        body(inputs=[{}]),
        V3,
        400,
        "invalid request: inputs[0].content must be a non-empty list",
    ),
    "inputs element with empty content": (
        body(inputs=[{"content": []}]),
        V3,
        400,
        "invalid request: inputs[0].content must be a non-empty list",
    ),
    "unknown content type": (
        body(inputs=[{"content": [{"type": "audio"}]}]),
        V3,
        400,
        "invalid request: inputs[0].content[0].type must be text or image_url",
    ),
    "empty text part": (
        body(inputs=[{"content": [text_part("a")]}, {"content": [text_part("")]}]),
        V3,
        400,
        "invalid request: inputs contains an element that is the empty string at index 1",
    ),
    "text part without text": (
        body(inputs=[{"content": [{"type": "text"}]}]),
        V3,
        400,
        "invalid request: inputs[0].content[0].text must be a string",
    ),
    "image part without url": (
        body(inputs=[{"content": [{"type": "image_url", "image_url": {}}]}]),
        V3,
        400,
        "invalid request: inputs[0].image_url.url must be a data URL string",
    ),
    "two images in one element": (
        body(model=V4.name, inputs=[{"content": [image_part(), image_part()]}]),
        V4,
        400,
        "invalid request: inputs[0] holds 2 images; at most 1 per input",
    ),
}


@pytest.mark.parametrize(
    ("payload", "profile", "status", "message"), REFUSED.values(), ids=REFUSED.keys()
)
def test_refusals(payload, profile, status, message):
    got_status, got_message = refusal(payload, profile)
    assert got_status == status
    if message.endswith(": "):  # the JSON decoder's own words follow
        assert got_message.startswith(message)
    else:
        assert got_message == message


def test_v3_holds_each_image_to_5_mib_and_v4_does_not():
    big = b"\x89PNG" + b"\0" * (5 * 1024 * 1024)
    url = "data:image/png;base64," + base64.b64encode(big).decode()
    status, message = refusal(body(images=[url], input_type="image"))
    assert status == 400
    assert message == (
        f"invalid request: images[0] is {len(big)} bytes, more than the 5242880 bytes "
        "Cohere-embed-v3-english accepts per image"
    )
    accepted = parse(body(model=V4.name, images=[url], input_type="image"), V4)
    assert isinstance(accepted.inputs[0], ImageItem) and accepted.inputs[0].data == big


def test_accepted_request_is_typed():
    request = parse(
        body(
            model=V4.name.upper(),  # the deployment name is compared case-insensitively
            input_type="search_query",
            embedding_types=["int8", "float", "int8"],
            output_dimension=512,
            truncate="NONE",
            max_tokens=100,
            priority=0,
            inputs=[
                {"content": [text_part("a red"), image_part(), text_part("square")]},
                {"content": [image_part()]},
                {"content": [text_part("words"), text_part("only")]},
            ],
        ),
        V4,
    )
    assert request.kind == "inputs"
    assert request.input_type == "search_query"
    assert request.embedding_types == ("int8", "float")
    assert request.output_dimension == 512
    assert request.inputs == (
        ImageItem(mime="image/png", data=PNG, text="a red square"),
        ImageItem(mime="image/png", data=PNG, text=None),
        "words only",
    )


def test_null_means_not_sent():
    request = parse(
        body(texts=["a"], images=None, inputs=None, output_dimension=None, truncate=None)
    )
    assert (request.kind, request.inputs, request.output_dimension) == ("texts", ("a",), None)


@pytest.mark.parametrize("input_type", ["image", "search_document", "search_query"])
def test_v4_takes_images_with_any_input_type(input_type):
    request = parse(body(model=V4.name, images=[URL, URL], input_type=input_type), V4)
    assert request.inputs == (ImageItem("image/png", PNG, None),) * 2


@pytest.mark.parametrize(
    "input_type", ["search_document", "search_query", "classification", "clustering"]
)
def test_every_text_input_type_is_accepted(input_type):
    assert parse(body(texts=["a"], input_type=input_type)).input_type == input_type
