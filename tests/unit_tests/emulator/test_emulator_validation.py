"""Request checking, without a server: statuses, codes and targets."""

from __future__ import annotations

import base64
import json

import pytest

from langchain_azure_image_embeddings.emulator import MODEL_PROFILES
from langchain_azure_image_embeddings.emulator.errors import ApiError
from langchain_azure_image_embeddings.emulator.validation import (
    Policy,
    parse_image_request,
    parse_text_request,
)

V3 = Policy(MODEL_PROFILES["Cohere-embed-v3-english"])
V4 = Policy(MODEL_PROFILES["embed-v-4-0"])
PNG_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()


def body(**fields: object) -> bytes:
    return json.dumps({"input": [{"image": PNG_URL}], **fields}).encode()


def error_of(call, *args) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def test_a_valid_request_is_parsed():
    request = parse_image_request(
        body(
            dimensions=1024,
            encoding_format="int8",
            input_type="query",
            model="cohere-EMBED-v3-english",
        ),
        None,
        V3,
    )
    assert request.options.dimensions == 1024
    assert request.options.encoding_format == "int8"
    assert request.options.input_type == "query"
    assert request.items[0].mime == "image/png"
    assert request.items[0].data == b"\x89PNG\r\n\x1a\n"


def test_nulls_mean_not_sent():
    request = parse_image_request(
        json.dumps(
            {"input": [{"image": PNG_URL, "text": None}], "dimensions": None, "model": None}
        ).encode(),
        None,
        V3,
    )
    assert request.options.dimensions is None
    assert request.options.encoding_format == "float"
    assert request.items[0].text is None


@pytest.mark.parametrize("mode", ["drop", "pass-through", "Drop"])
def test_extra_parameters_are_accepted_when_the_header_says_so(mode):
    raw = json.dumps({"input": [{"image": PNG_URL, "detail": "high"}], "truncate": "END"}).encode()
    assert parse_image_request(raw, mode, V3).items[0].text is None


@pytest.mark.parametrize(
    ("raw", "header", "policy", "status", "code", "target"),
    [
        (b"{", None, V3, 400, "invalid_json", None),
        (b'{"input": [NaN]}', None, V3, 400, "invalid_json", None),
        (b"[" * 100_000, None, V3, 400, "invalid_json", None),
        (b"\xff\xfe\x00", None, V3, 400, "invalid_json", None),
        (body(truncate="END"), None, V3, 400, "extra_parameters_not_allowed", "truncate"),
        (body(truncate="END"), "error", V3, 400, "extra_parameters_not_allowed", "truncate"),
        (body(), "sometimes", V3, 400, "invalid_request", "extra-parameters"),
        (body(model="gpt-4o"), None, V3, 400, "unknown_model", "model"),
        (json.dumps({"input": []}).encode(), None, V3, 400, "invalid_request", "input"),
        (
            json.dumps({"input": [{"image": PNG_URL}] * 2}).encode(),
            None,
            V3,
            400,
            "too_many_images",
            "input",
        ),
        (body(dimensions=512), None, V3, 422, "parameter_not_supported", None),
        (body(dimensions=300), None, V4, 422, "parameter_not_supported", None),
        (body(encoding_format="float16"), None, V3, 422, "parameter_not_supported", None),
        (body(input_type="passage"), None, V3, 422, "parameter_not_supported", None),
        (
            json.dumps({"input": [{"image": "https://example.com/cat.png"}]}).encode(),
            None,
            V3,
            400,
            "invalid_image",
            "input[0].image",
        ),
        (
            json.dumps({"input": [{"image": "data:image/png;base64,not base64!"}]}).encode(),
            None,
            V3,
            400,
            "invalid_image",
            "input[0].image",
        ),
    ],
)
def test_refusals(raw, header, policy, status, code, target):
    error = error_of(parse_image_request, raw, header, policy)
    assert (error.status, error.code) == (status, code)
    assert error.headers["x-ms-error-code"] == code
    if status != 422:
        assert error.body["error"].get("target") == target


def test_422_names_the_parameter_in_the_documented_flat_body():
    error = error_of(parse_image_request, body(dimensions=512), None, V3)
    assert error.body == {
        "status": 422,
        "code": "parameter_not_supported",
        "detail": {"loc": ["body", "dimensions"], "input": 512},
        "message": "One of the parameters contain invalid values.",
    }


def test_reject_input_type_policy():
    error = error_of(
        parse_image_request, body(input_type="document"), None, Policy(V3.profile, True)
    )
    assert error.status == 422
    assert error.body["detail"] == {"loc": ["body", "input_type"], "input": "document"}
    assert parse_image_request(body(), None, Policy(V3.profile, True)).options.input_type is None


def test_oversized_image_is_413_before_decoding():
    big = b"\x89PNG" + bytes(5 * 1024 * 1024)
    raw = json.dumps(
        {"input": [{"image": "data:image/png;base64," + base64.b64encode(big).decode()}]}
    ).encode()
    error = error_of(parse_image_request, raw, None, V3)
    assert (error.status, error.code) == (413, "image_too_large")


def test_text_requests():
    request = parse_text_request(json.dumps({"input": ["a", ""]}).encode(), None, V3)
    assert request.texts == ("a", "")
    too_many = json.dumps({"input": ["t"] * 97}).encode()
    error = error_of(parse_text_request, too_many, None, V3)
    assert (error.status, error.code) == (400, "too_many_inputs")
    error = error_of(parse_text_request, json.dumps({"input": [1]}).encode(), None, V3)
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.body["error"]["target"] == "input[0]"
