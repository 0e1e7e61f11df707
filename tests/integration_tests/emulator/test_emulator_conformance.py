"""Responses validate against the official spec; the official example requests are accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_image_vector

from ...conftest import png_bytes
from .conftest import KEY, V3, V4, assert_error_shape, data_url, send, spec_validator

EXAMPLES = Path(__file__).parent / "data"
FORMATS = ["float", "base64", "int8", "uint8", "binary", "ubinary"]


@pytest.mark.parametrize("encoding_format", FORMATS)
@pytest.mark.parametrize("prefix", ["/models", ""])
def test_embedding_answers_validate_against_the_spec(v4_emu, encoding_format, prefix):
    image = data_url(png_bytes())
    answers = [
        send(
            v4_emu,
            "/images/embeddings",
            {
                "input": [{"image": image}, {"image": image, "text": "t"}],
                "encoding_format": encoding_format,
            },
            prefix=prefix,
        ),
        send(
            v4_emu,
            "/embeddings",
            {"input": ["a", "b c"], "encoding_format": encoding_format, "dimensions": 256},
            prefix=prefix,
        ),
    ]
    for reply in answers:
        assert reply.status == 200, reply.body
        body = reply.json()
        spec_validator("EmbeddingsResult").validate(body)
        assert body["object"] == "list"
        assert [item["object"] for item in body["data"]] == ["embedding", "embedding"]
        assert [item["index"] for item in body["data"]] == [0, 1]
        assert body["usage"]["completion_tokens"] == 0
        assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"]
        if prefix == "/models":  # a Foundry resource: the deployment, APIM's request ids
            assert body["model"] == V4
            assert reply.headers["apim-request-id"]
            assert reply.headers["x-request-id"]
        else:  # a serverless endpoint: the served model, as recorded
            assert body["model"] == "embed-v4.0"
            assert reply.headers["x-request-id"]
            assert reply.headers["azureml-model-session"].startswith("dep-")
            assert reply.headers["prompt_token_len"] == str(body["usage"]["prompt_tokens"])


def test_info_answer_validates_against_the_spec(emu):
    for prefix in ("/models", ""):
        reply = send(emu, "/info", method="GET", prefix=prefix)
        assert reply.status == 200
        spec_validator("ModelInfo").validate(reply.json())
    reply = send(emu, "/info", method="GET", query=f"api-version=2025-04-01&model={V3}")
    assert reply.json() == {
        "model_name": "Cohere Embed v3 - English",
        "model_type": "embedding",
        "model_provider_name": "Cohere",
        "served_model_name": "Cohere Embed v3 - English",
        "served_model_type": "embedding",
    }


@pytest.mark.parametrize("api_version", ["2024-05-01-preview", "2024-08-01-preview", "2025-04-01"])
def test_every_supported_api_version_is_served(emu, api_version):
    reply = send(emu, "/embeddings", {"input": ["x"]}, query=f"api-version={api_version}")
    assert reply.status == 200


def test_error_answers_validate_against_the_spec(emu):
    image = data_url(png_bytes())
    replies = [
        send(emu, "/images/embeddings", b"{not json"),
        send(emu, "/images/embeddings", {"input": [{"image": image}]}, key="wrong"),
        send(emu, "/images/embeddings", {"input": [{"image": image}]}, query=None),
        send(emu, "/nowhere", {}),
        send(emu, "/images/embeddings", {"input": [{"image": image}], "dimensions": 7}),
    ]
    assert [r.status for r in replies] == [400, 401, 400, 404, 422]
    for reply in replies:
        assert_error_shape(reply)


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.mark.parametrize(
    "name", ["GetImageEmbeddings_MinimumSet_Gen.json", "GetImageEmbeddings_MaximumSet_Gen.json"]
)
def test_official_examples_are_accepted(v4_emu: FoundryEmulator, name):
    example = _example(name)
    parameters = example["parameters"]
    headers = (
        {"extra-parameters": parameters["extra-parameters"]}
        if "extra-parameters" in parameters
        else {}
    )
    query = f"api-version={parameters['api-version']}"

    # Verbatim, the body passes the schema: it is refused only for its filler image value
    # ("rxdft" / "d" is not an image data URL), or, with every other value, 422 / unknown_model.
    verbatim = send(v4_emu, "/images/embeddings", parameters["body"], headers=headers, query=query)
    assert verbatim.status in (400, 422)
    assert_error_shape(verbatim)
    if verbatim.status == 400:
        assert verbatim.json()["error"]["code"] in ("invalid_image", "unknown_model")

    # With the auto-generated filler values replaced by real ones, it succeeds with the shape
    # of the documented answer.
    png = png_bytes()
    body = json.loads(json.dumps(parameters["body"]))
    for item in body["input"]:
        item["image"] = data_url(png)
    if "model" in body:
        body["model"] = V4
    if "dimensions" in body:
        body["dimensions"] = 256
    reply = send(v4_emu, "/images/embeddings", body, headers=headers, query=query)
    assert reply.status == 200, reply.body
    answer, documented = reply.json(), example["responses"]["200"]["body"]
    spec_validator("EmbeddingsResult").validate(answer)
    spec_validator("EmbeddingsResult").validate(documented)
    assert set(documented) <= set(answer)
    assert set(documented["usage"]) <= set(answer["usage"])
    assert set(documented["data"][0]) <= set(answer["data"][0])
    if body.get("encoding_format", "float") == "float":
        text = body["input"][0].get("text")
        assert answer["data"][0]["embedding"] == expected_image_vector(
            png,
            model=V4,
            text=text,
            input_type=body.get("input_type"),
            dimensions=body.get("dimensions"),
        )
    else:
        assert isinstance(answer["data"][0]["embedding"], str)


def test_examples_verbatim_on_a_cohere_v3_deployment(emu):
    for name in (
        "GetImageEmbeddings_MinimumSet_Gen.json",
        "GetImageEmbeddings_MaximumSet_Gen.json",
    ):
        reply = send(emu, "/images/embeddings", _example(name)["parameters"]["body"], key=KEY)
        assert reply.status in (400, 422)
        assert_error_shape(reply)
