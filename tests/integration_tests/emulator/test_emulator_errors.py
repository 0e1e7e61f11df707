"""Client mistakes get their documented 4xx status and body, and the server keeps serving."""

from __future__ import annotations

import base64

import pytest
from azure.ai.inference import ImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import png_bytes
from .conftest import API_VERSION, KEY, V3, assert_error_shape, data_url, send

PNG = data_url(png_bytes())
FIVE_MIB = 5 * 1024 * 1024


def still_serving(emulator: FoundryEmulator) -> None:
    reply = send(emulator, "/images/embeddings", {"input": [{"image": PNG}]})
    assert reply.status == 200, reply.body


def image_body(image: str, **fields: object) -> dict:
    return {"input": [{"image": image}], **fields}


CASES = [
    # (id, request kwargs for send(), status, code, message fragment)
    ("malformed-json", {"body": b'{"input": [{"image": '}, 400, "invalid_json", "not valid JSON"),
    ("not-json-at-all", {"body": b"\x00\xff binary"}, 400, "invalid_json", "not valid JSON"),
    ("empty-body", {"body": b""}, 400, "invalid_json", "not valid JSON"),
    ("body-is-a-list", {"body": [PNG]}, 400, "invalid_request", "expected an object"),
    ("input-missing", {"body": {"inputs": [PNG]}}, 400, "invalid_request", "input"),
    ("input-not-array", {"body": {"input": PNG}}, 400, "invalid_request", "expected an array"),
    ("item-not-object", {"body": {"input": [PNG]}}, 400, "invalid_request", "input[0]"),
    (
        "image-missing",
        {"body": {"input": [{"text": "x"}]}},
        400,
        "invalid_request",
        "input[0].image",
    ),
    (
        "dimensions-string",
        {"body": image_body(PNG, dimensions="1024")},
        400,
        "invalid_request",
        "dimensions",
    ),
    ("empty-input", {"body": {"input": []}}, 400, "invalid_request", "at least one"),
    (
        "url-not-data",
        {"body": image_body("https://example.com/cat.png")},
        400,
        "invalid_image",
        "data URL",
    ),
    (
        "data-url-not-image",
        {"body": image_body("data:text/plain;base64,aGVsbG8=")},
        400,
        "invalid_image",
        "data URL",
    ),
    (
        "data-url-not-base64",
        {"body": image_body("data:image/png,rawbytes")},
        400,
        "invalid_image",
        "data URL",
    ),
    (
        "bad-base64",
        {"body": image_body("data:image/png;base64,iVBORw0K$$$")},
        400,
        "invalid_image",
        "base64",
    ),
    (
        "not-an-image",
        {"body": image_body("data:image/png;base64," + base64.b64encode(b"hello world").decode())},
        400,
        "invalid_image",
        "not a decodable image",
    ),
    (
        "truncated-image",
        {"body": image_body(data_url(png_bytes((64, 64))[:60]))},
        400,
        "invalid_image",
        "input[0].image",
    ),
    (
        "oversized-image",
        {"body": image_body(data_url(b"\x89PNG\r\n\x1a\n" + bytes(FIVE_MIB)))},
        413,
        "image_too_large",
        "5242880",
    ),
    (
        "two-images-one-image-model",
        {"body": {"input": [{"image": PNG}, {"image": PNG}]}},
        400,
        "too_many_images",
        "at most 1",
    ),
    (
        "97-texts",
        {"path": "/embeddings", "body": {"input": ["t"] * 97}},
        400,
        "too_many_inputs",
        "at most 96",
    ),
    (
        "unknown-field",
        {"body": image_body(PNG, truncate="END")},
        400,
        "extra_parameters_not_allowed",
        "truncate",
    ),
    (
        "unknown-item-field",
        {"body": {"input": [{"image": PNG, "detail": "auto"}]}},
        400,
        "extra_parameters_not_allowed",
        "input[0].detail",
    ),
    (
        "bad-extra-parameters-header",
        {"body": image_body(PNG), "headers": {"extra-parameters": "maybe"}},
        400,
        "invalid_request",
        "extra-parameters",
    ),
    (
        "unknown-model",
        {"body": image_body(PNG, model="gpt-4o")},
        400,
        "unknown_model",
        "Unknown model: gpt-4o",
    ),
    ("wrong-key", {"body": image_body(PNG), "key": "wrong"}, 401, "401", "Access denied"),
    ("missing-key", {"body": image_body(PNG), "key": None}, 401, "401", "Access denied"),
    (
        "bearer-wrong",
        {"body": image_body(PNG), "key": None, "headers": {"Authorization": "Bearer nope"}},
        401,
        "401",
        "Access denied",
    ),
    (
        "missing-api-version",
        {"body": image_body(PNG), "query": None},
        400,
        "MissingApiVersionParameter",
        "api-version",
    ),
    (
        "empty-api-version",
        {"body": image_body(PNG), "query": "api-version="},
        400,
        "MissingApiVersionParameter",
        "api-version",
    ),
    (
        "unknown-api-version",
        {"body": image_body(PNG), "query": "api-version=2023-01-01"},
        400,
        "UnsupportedApiVersionValue",
        "2023-01-01",
    ),
    ("unknown-route", {"path": "/chat/completions", "body": {}}, 404, "404", "Resource not found"),
    ("wrong-method", {"method": "GET"}, 405, "405", "POST"),
    (
        "info-wrong-model",
        {"path": "/info", "method": "GET", "query": "api-version=2025-04-01&model=x"},
        400,
        "unknown_model",
        "x",
    ),
    (
        "dimensions-unsupported",
        {"body": image_body(PNG, dimensions=512)},
        422,
        "parameter_not_supported",
        "",
    ),
    (
        "encoding-unsupported",
        {"body": image_body(PNG, encoding_format="float16")},
        422,
        "parameter_not_supported",
        "",
    ),
    (
        "input-type-unsupported",
        {"body": image_body(PNG, input_type="passage")},
        422,
        "parameter_not_supported",
        "",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "fragment"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_documented_error(emu, kwargs, status, code, fragment):
    reply = send(emu, **kwargs)
    assert reply.status == status, reply.body
    assert reply.headers["x-ms-error-code"] == code
    assert_error_shape(reply)
    body = reply.json()
    message = body["message"] if status == 422 else body["error"]["message"]
    assert fragment in message or fragment in body.get("error", {}).get("target", "")
    still_serving(emu)


def test_exact_bodies_of_401_and_422(emu):
    assert send(emu, body=image_body(PNG), key="wrong").json() == {
        "error": {
            "code": "401",
            "message": "Access denied due to invalid subscription key or wrong API endpoint.",
        }
    }
    assert send(emu, body=image_body(PNG, dimensions=512)).json() == {
        "status": 422,
        "code": "parameter_not_supported",
        "detail": {"loc": ["body", "dimensions"], "input": 512},
        "message": "One of the parameters contain invalid values.",
    }


def test_reject_input_type_names_input_type():
    with FoundryEmulator(model=V3, key=KEY, reject_input_type=True) as emulator:
        reply = send(emulator, body=image_body(PNG, input_type="document"))
        assert reply.status == 422
        assert reply.json()["detail"] == {"loc": ["body", "input_type"], "input": "document"}
        assert send(emulator, body=image_body(PNG)).status == 200


def test_request_over_the_size_limit_is_413(emu):
    huge = b'{"input": ["' + b"x" * (21 * 1024 * 1024) + b'"]}'
    reply = send(emu, "/embeddings", huge)
    assert reply.status == 413
    assert reply.json()["error"]["code"] == "request_too_large"
    still_serving(emu)


def test_extra_parameters_drop_and_pass_through_are_accepted(emu):
    for mode in ("drop", "pass-through"):
        reply = send(
            emu,
            body={"input": [{"image": PNG, "detail": "auto"}], "truncate": "END"},
            headers={"extra-parameters": mode},
        )
        assert reply.status == 200, reply.body


def test_bearer_key_and_no_prefix_are_accepted(emu):
    reply = send(emu, body=image_body(PNG), key=None, headers={"Authorization": f"Bearer {KEY}"})
    assert reply.status == 200
    assert send(emu, body=image_body(PNG), prefix="").status == 200


def test_the_sdk_sees_the_errors_as_documented(emu):
    with (
        ImageEmbeddingsClient(
            emu.endpoint, AzureKeyCredential("wrong"), api_version=API_VERSION
        ) as client,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        client.embed(input=[ImageEmbeddingInput(image=PNG)])
    assert caught.value.status_code == 401
    with ImageEmbeddingsClient(
        emu.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
    ) as client:
        with pytest.raises(HttpResponseError) as caught:
            client.embed(input=[ImageEmbeddingInput(image=PNG)], dimensions=256)
        assert caught.value.status_code == 422
        assert caught.value.error.code == "parameter_not_supported"
        with pytest.raises(HttpResponseError) as caught:
            client.embed(input=[ImageEmbeddingInput(image=PNG)] * 2)
        assert caught.value.status_code == 400
        assert caught.value.error.code == "too_many_images"
    assert emu.stats()["status_counts"] == {"401": 1, "422": 1, "400": 1}


def test_undecodable_images_are_recorded_without_pixels(emu):
    import hashlib

    payload = b"definitely not an image"
    assert send(emu, body=image_body(data_url(payload, "image/webp"))).status == 400
    assert emu.received_images == [
        {
            "route": "/images/embeddings",
            "declared_mime": "image/webp",
            "sniffed_format": None,
            "byte_size": len(payload),
            "width": None,
            "height": None,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "text": None,
        }
    ]
    assert emu.stats()["images"] == 0
