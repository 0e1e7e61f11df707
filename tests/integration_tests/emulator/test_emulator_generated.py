"""Generated requests: valid ones succeed with the expected vectors; mutated ones (bad paths,
methods, queries, credentials, headers, bodies) never get a 5xx, never hang, never crash it."""

from __future__ import annotations

import base64
import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_azure_image_embeddings.emulator import (
    MODEL_PROFILES,
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile

from ...conftest import jpeg_bytes, png_bytes
from .conftest import KEY, V3, V4, Reply, assert_error_shape, data_url, send, spec_validator

HEADER_TEXT = st.text(alphabet=string.printable.strip() + " éÿ", max_size=24)
# Any text JSON allows, lone surrogates ("\ud800", legal as JSON escapes) among them.
# (st.text drops surrogates from any alphabet, so the characters are joined by hand.)
JSON_TEXT = st.lists(st.characters() | st.characters(categories=["Cs"]), max_size=40).map("".join)
JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
GOOD_IMAGES = {
    data_url(png_bytes()): png_bytes(),
    data_url(jpeg_bytes(), "image/jpeg"): jpeg_bytes(),
    data_url(jpeg_bytes((40, 90), 3), "image/png"): jpeg_bytes((40, 90), 3),  # lying MIME type
}
BAD_IMAGES = [
    "data:image/png;base64,",
    "data:image/png;base64,@@@@",
    "data:image/png;base64,iVBORw0KGgo=",
    data_url(png_bytes()[:40]),
    data_url(b"GIF89a"),
    "data:text/plain;base64,aGk=",
    "https://example.com/cat.png",
    "data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode(),
]
WILD_OPTIONS = {
    "dimensions": st.sampled_from([256, 512, 1024, 1536, 0, -1, 2**31, "1024", 3.5, True]),
    "encoding_format": st.sampled_from(["base64", "float16", "", 3]),
    "input_type": st.sampled_from(["text", "query", "passage", True, [1]]),
    "model": st.sampled_from([V3, V4, "other", 7]),
    "truncate": JSON_LEAF,
}
WILD_ITEM = st.fixed_dictionaries(
    {"image": st.sampled_from([*GOOD_IMAGES, *BAD_IMAGES]) | st.text(max_size=30) | JSON_LEAF},
    optional={"text": st.text(max_size=30) | JSON_LEAF, "detail": JSON_LEAF},
)
WILD_BODY = st.one_of(
    st.fixed_dictionaries(
        {"input": st.lists(WILD_ITEM, max_size=3) | JSON_VALUE}, optional=WILD_OPTIONS
    ).map(lambda b: json.dumps(b).encode()),
    st.fixed_dictionaries(
        {"input": st.lists(st.text(max_size=20) | JSON_LEAF, max_size=3) | JSON_VALUE},
        optional=WILD_OPTIONS,
    ).map(lambda b: json.dumps(b).encode()),
    JSON_VALUE.map(lambda b: json.dumps(b).encode()),
    st.binary(max_size=64),
)
MUTATIONS = ("path", "method", "query", "auth", "extra-parameters", "header", "body")
ROUTES = {"/images/embeddings": "POST", "/embeddings": "POST", "/info": "GET"}


def valid_body(draw: st.DrawFn, route: str, profile: ModelProfile) -> dict[str, Any]:
    options: dict[str, Any] = {
        "dimensions": draw(st.sampled_from([None, *sorted(profile.supported_dimensions)])),
        "encoding_format": draw(st.sampled_from([None, *sorted(profile.encoding_formats)])),
        "input_type": draw(st.sampled_from([None, *sorted(profile.input_types)])),
        "model": draw(st.sampled_from([None, profile.name, profile.name.lower()])),
    }
    if route == "/images/embeddings":
        items = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"image": st.sampled_from(sorted(GOOD_IMAGES))},
                    optional={"text": JSON_TEXT},
                ),
                min_size=1,
                max_size=min(3, profile.images_per_request),
            )
        )
    else:
        items = draw(st.lists(JSON_TEXT, min_size=1, max_size=4))
    return {"input": items, **{k: v for k, v in options.items() if v is not None}}


@st.composite
def requests(draw: st.DrawFn, profile: ModelProfile) -> dict[str, Any]:
    route = draw(
        st.sampled_from(["/images/embeddings", "/images/embeddings", "/embeddings", "/info"])
    )
    mutations = draw(st.sets(st.sampled_from(MUTATIONS), max_size=2))
    request: dict[str, Any] = {
        "mutations": mutations,
        "route": route,
        "path": draw(st.sampled_from(["/models", ""])) + route,
        "method": ROUTES[route],
        "query": "api-version=" + draw(st.sampled_from(["2025-04-01", "2024-05-01-preview"])),
        "headers": draw(
            st.sampled_from(
                [
                    {"api-key": KEY},
                    {"Authorization": f"Bearer {KEY}"},
                    {"api-key": KEY, "Authorization": f"Bearer {KEY}"},
                ]
            )
        ),
        "body": None if route == "/info" else valid_body(draw, route, profile),
    }
    if "path" in mutations:
        request["path"] = draw(
            st.sampled_from(
                ["/models/chat/completions", "/", "/models/images/embeddings/", "/models"]
            )
            | st.text(alphabet=string.ascii_letters + "/_-.", max_size=24).map(lambda p: "/" + p)
        )
    if "method" in mutations:
        request["method"] = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    if "query" in mutations:
        request["query"] = draw(
            st.sampled_from(
                [
                    None,
                    "api-version=",
                    "api-version=bogus",
                    "x=1",
                    "api-version=2025-04-01&model=zzz",
                ]
            )
        )
    if "auth" in mutations:
        value = draw(HEADER_TEXT)
        request["headers"] = draw(
            st.sampled_from(
                [
                    {},
                    {"api-key": value},
                    {"Authorization": value},
                    {"Authorization": f"Bearer {value}"},
                ]
            )
        )
    if "extra-parameters" in mutations:
        request["headers"] = {
            **request["headers"],
            "extra-parameters": draw(
                st.sampled_from(["error", "drop", "pass-through"]) | HEADER_TEXT
            ),
        }
    if "header" in mutations:
        name = draw(
            st.sampled_from(
                ["x-ms-client-request-id", "azureml-model-deployment", "Accept", "Content-Type"]
            )
        )
        request["headers"] = {**request["headers"], name: draw(HEADER_TEXT)}
    if "body" in mutations:
        request["body"] = draw(WILD_BODY)
    return request


def expected_vectors(request: dict[str, Any], model: str) -> list[list[float]]:
    # The texts as the server reads them: JSON joins an escaped high and low surrogate pair.
    body = json.loads(json.dumps(request["body"]))
    options = {
        "model": model,
        "input_type": body.get("input_type"),
        "dimensions": body.get("dimensions"),
    }
    if request["route"] == "/embeddings":
        return [expected_text_vector(text, **options) for text in body["input"]]
    return [
        expected_image_vector(GOOD_IMAGES[item["image"]], text=item.get("text"), **options)
        for item in body["input"]
    ]


def check_reply(request: dict[str, Any], reply: Reply, model: str) -> None:
    assert reply.status < 500, (request, reply.body[:500])
    if not request["mutations"]:
        assert reply.status == 200, (request, reply.body[:500])
    if reply.status != 200:
        assert_error_shape(reply)
        return
    answer = reply.json()
    if request["path"].removeprefix("/models") == "/info":
        spec_validator("ModelInfo").validate(answer)
        return
    spec_validator("EmbeddingsResult").validate(answer)
    body = request["body"]
    if not request["mutations"] and body.get("encoding_format", "float") == "float":
        assert [item["embedding"] for item in answer["data"]] == expected_vectors(request, model)


@pytest.mark.parametrize("model", [V3, V4])
def test_generated_requests(model):
    profile = MODEL_PROFILES[model]
    with FoundryEmulator(model=model, key=KEY) as emulator:

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(request=requests(profile))
        def one_request(request: dict[str, Any]) -> None:
            body = request["body"]
            reply = send(
                emulator,
                request["path"],
                body if body is None or isinstance(body, bytes) else json.dumps(body).encode(),
                method=request["method"],
                headers=request["headers"],
                query=request["query"],
                key=None,
                prefix="",
                timeout=10,
            )
            check_reply(request, reply, model)

        one_request()
        stats = emulator.stats()
        print(f"\n{model}: answers by status {stats['status_counts']}")
        assert stats["in_flight"] == 0
        assert not any(status.startswith("5") for status in stats["status_counts"])
        assert stats["status_counts"].get("200", 0) >= 20
        ok = send(emulator, "/images/embeddings", {"input": [{"image": data_url(png_bytes())}]})
        assert ok.status == 200
