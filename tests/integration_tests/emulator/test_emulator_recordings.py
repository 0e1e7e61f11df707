"""The emulator's answers, field by field, against the service's recorded ones.

The recordings are the `azure-ai-inference` SDK's test recordings in the public repository
`Azure/azure-sdk-assets`, under `python/sdk/ai/azure-ai-inference/tests/recordings/` (a
serverless Cohere-embed-v3-english deployment, `https://<name>.eastus2.models.ai.azure.com`,
January 2025). They are not copied here: `RECORDED` holds the facts taken from them (status,
header names and fixed values, body fields, their types and fixed values), each with the file
it comes from. Values that must differ (ids, dates, vectors) are compared by shape and type.

Every difference found is listed; each must be one of `JUSTIFIED`, whose keys
`docs/emulator.md` explains one by one. A new difference, or a justified one that is gone,
fails the test.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import png_bytes
from .conftest import data_url, send

KEY = "recordings-key"
RECORDINGS = "python/sdk/ai/azure-ai-inference/tests/recordings/"
EMBEDDINGS_TESTS = "test_embeddings_client.pyTestEmbeddingsClient"
IMAGE_TESTS = "test_image_embeddings_client.pyTestImageEmbeddingsClient"
ASYNC_TESTS = "test_embeddings_client_async.pyTestEmbeddingsClientAsync"
AUTH_MESSAGE = "Auth token validation failed. Please provide a valid key or a valid AAD token"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "emulator.md"

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SESSION = re.compile(r"^dep-[a-z0-9]+(-[a-z0-9]+)*-\d{12}$")
REQUEST_CONTEXT = re.compile(r"^appId=cid-v1:[0-9a-f-]{36}$")
HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
NO_CACHE = {
    "cache-control": "no-store, no-transform, must-revalidate, no-cache, max-age=0, private",
    "expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    "pragma": "no-cache",
    "vary": "Origin",
    "x-accel-expires": "0",
}
WARNING = (
    "default model on embed will be deprecated in the future,please specify a model in the request."
)


class Shape:
    """A recorded value that must differ, checked by form: a pattern, or a type and length."""

    def __init__(self, pattern: re.Pattern[str] | None = None, *, floats: int = 0) -> None:
        self.pattern = pattern
        self.floats = floats

    def differs_from(self, value: Any) -> str | None:
        if self.floats:
            ok = (
                isinstance(value, list)
                and len(value) == self.floats
                and all(isinstance(v, float) for v in value)
            )
            return None if ok else f"not {self.floats} floats"
        assert self.pattern is not None
        if isinstance(value, str) and self.pattern.match(value):
            return None
        return f"{value!r} does not match {self.pattern.pattern}"


def _base64_floats(count: int) -> Shape:
    return Shape(re.compile(rf"^[A-Za-z0-9+/]{{{(count * 4 + 2) // 3 * 4 - 2}}}==$"))


TEXT_HEADERS = {
    **NO_CACHE,
    "azureml-model-session": Shape(SESSION),
    "content-type": "application/json",
    "date": Shape(HTTP_DATE),
    "num_chars": "37",
    "num_tokens": "6",
    "prompt_token_len": "6",
    "request-context": Shape(REQUEST_CONTEXT),
    "sampling_token_len": "0",
    "transfer-encoding": "chunked",
    "x-api-warning": WARNING,
    "x-request-id": Shape(UUID),
}


def _embeddings_body(model: str, count: int, embedding: Shape, usage: dict[str, int]) -> Any:
    return {
        "id": Shape(re.compile(rf"{UUID.pattern}|^Sanitized$")),
        "object": "list",
        "data": [
            {"index": index, "object": "embedding", "embedding": embedding}
            for index in range(count)
        ],
        "model": model,
        "usage": usage,
    }


PHRASES = {"input": ["first phrase", "second phrase", "third phrase"]}
TEXT_USAGE = {"prompt_tokens": 6, "completion_tokens": 0, "total_tokens": 6}
IMAGE_USAGE = {"prompt_tokens": 1000, "completion_tokens": 0, "total_tokens": 1000, "images": 1}

RECORDED: dict[str, dict[str, Any]] = {
    "text": {
        "file": EMBEDDINGS_TESTS + "test_embeddings.json",
        "request": ("POST", "/embeddings", PHRASES, KEY),
        "status": 200,
        "headers": TEXT_HEADERS,
        "body": _embeddings_body("embed-english-v3.0", 3, Shape(floats=1024), TEXT_USAGE),
    },
    "text-base64": {
        "file": EMBEDDINGS_TESTS + "test_embeddings.json (2nd entry)",
        "request": ("POST", "/embeddings", {**PHRASES, "encoding_format": "base64"}, KEY),
        "status": 200,
        "headers": TEXT_HEADERS,
        "body": _embeddings_body("embed-english-v3.0", 3, _base64_floats(1024), TEXT_USAGE),
    },
    "image": {
        "file": IMAGE_TESTS + "test_image_embeddings.json",
        "request": ("POST", "/images/embeddings", "IMAGE", KEY),
        "status": 200,
        "headers": {
            **{k: v for k, v in TEXT_HEADERS.items() if k != "num_chars"},
            "num_tokens": "1001",
            "prompt_token_len": "1000",
        },
        "body": _embeddings_body("embed-english-v3.0-image", 1, Shape(floats=1024), IMAGE_USAGE),
    },
    "info": {
        "file": EMBEDDINGS_TESTS + "test_get_model_info_on_embeddings_client.json",
        "request": ("GET", "/info", None, KEY),
        "status": 200,
        "headers": {
            "azureml-model-session": Shape(SESSION),
            "content-length": "209",
            "content-type": "application/json",
            "date": Shape(HTTP_DATE),
            "request-context": Shape(REQUEST_CONTEXT),
            "x-request-id": Shape(UUID),
        },
        "body": {
            "model_name": "Cohere Embed v3 - English",
            "model_type": "embedding",
            "model_provider_name": "Cohere",
            "served_model_name": "Cohere Embed v3 - English",
            "served_model_type": "embedding",
        },
    },
    "auth-failure": {
        "file": ASYNC_TESTS + "test_async_embeddings_with_auth_failure.json",
        "request": ("POST", "/embeddings", PHRASES, "00000000000000000000000000000000"),
        "status": 401,
        "headers": {
            "content-length": "113",
            "content-type": "application/json",
            "date": Shape(HTTP_DATE),
            "request-context": Shape(REQUEST_CONTEXT),
            "x-ms-error-reason": "Invalid JWT.",
        },
        "body": {
            "statusCode": 401,
            "message": AUTH_MESSAGE,
        },
    },
}

EMULATOR_ONLY_HEADERS = {"server", "connection", "content-length", "keep-alive"}
"""Transport headers the emulator's HTTP server adds (compared only where recorded)."""

JUSTIFIED: dict[str, str] = {}
"""Difference -> the key of its justification in docs/emulator.md (`<!-- fidelity:KEY -->`)."""


def _compare(path: str, recorded: Any, actual: Any, differences: list[str]) -> None:
    if isinstance(recorded, Shape):
        problem = recorded.differs_from(actual)
        if problem:
            differences.append(f"{path}: {problem}")
    elif isinstance(recorded, dict):
        if not isinstance(actual, dict):
            differences.append(f"{path}: not an object")
            return
        for key in recorded.keys() - actual.keys():
            differences.append(f"{path}.{key}: missing")
        for key in actual.keys() - recorded.keys():
            differences.append(f"{path}.{key}: not in the recording")
        for key in recorded.keys() & actual.keys():
            _compare(f"{path}.{key}", recorded[key], actual[key], differences)
    elif isinstance(recorded, list):
        if not isinstance(actual, list) or len(actual) != len(recorded):
            differences.append(f"{path}: not a list of {len(recorded)}")
            return
        for index, (want, got) in enumerate(zip(recorded, actual, strict=True)):
            _compare(f"{path}[{index}]", want, got, differences)
    elif recorded != actual or type(recorded) is not type(actual):
        differences.append(f"{path}: {actual!r} != {recorded!r}")


def _headers(name: str, recorded: dict[str, Any], actual: dict[str, str]) -> list[str]:
    differences: list[str] = []
    for header, want in recorded.items():
        if header not in actual:
            differences.append(f"{name}: header {header}: missing")
        elif isinstance(want, Shape):
            problem = want.differs_from(actual[header])
            if problem:
                differences.append(f"{name}: header {header}: {problem}")
        elif actual[header] != want:
            differences.append(f"{name}: header {header}: {actual[header]!r} != {want!r}")
    for header in actual.keys() - recorded.keys() - EMULATOR_ONLY_HEADERS:
        differences.append(f"{name}: header {header}: not in the recording")
    return differences


@pytest.fixture(scope="module")
def emulator():
    with FoundryEmulator(key=KEY) as emu:
        yield emu


def _differences(emulator: FoundryEmulator) -> list[str]:
    differences: list[str] = []
    image = {"input": [{"image": data_url(png_bytes())}]}
    for name, entry in RECORDED.items():
        method, route, body, key = entry["request"]
        reply = send(
            emulator,
            route,
            image if body == "IMAGE" else body,
            method=method,
            key=key,
            prefix="",
            query="api-version=2024-05-01-preview",
        )
        if reply.status != entry["status"]:
            differences.append(f"{name}: status {reply.status} != {entry['status']}")
            continue
        differences += _headers(name, entry["headers"], dict(reply.headers))
        _compare(f"{name}: body", entry["body"], reply.json(), differences)
    return differences


def test_every_difference_from_the_recordings_is_justified(emulator):
    differences = _differences(emulator)
    print("\n".join(["differences from the recordings:", *differences]))
    assert sorted(set(differences) - JUSTIFIED.keys()) == []
    assert sorted(JUSTIFIED.keys() - set(differences)) == []  # fixed: drop its justification


def test_each_justification_is_in_the_docs():
    text = DOCS.read_text()
    for key in set(JUSTIFIED.values()):
        assert f"<!-- fidelity:{key} -->" in text, key


def test_the_base64_shape_is_the_float_vectors_bytes(emulator):
    reply = send(
        emulator,
        "/embeddings",
        {"input": ["x"], "encoding_format": "base64"},
        key=KEY,
        prefix="",
    )
    assert len(base64.b64decode(reply.json()["data"][0]["embedding"])) == 4096
