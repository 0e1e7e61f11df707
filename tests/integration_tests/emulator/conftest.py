"""Emulators on 127.0.0.1, a raw HTTP helper and validators built from the official spec."""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator
from langchain_azure_image_embeddings.emulator.errors import SERVERLESS_UNAUTHORIZED_MESSAGE
from langchain_azure_image_embeddings.emulator.schema import load_spec_document

KEY = "emulator-test-key"
V3 = "Cohere-embed-v3-english"
V4 = "embed-v-4-0"
API_VERSION = "2025-04-01"


@pytest.fixture
def emu(emulator: FoundryEmulator) -> FoundryEmulator:
    """The shared per-test emulator (tests/conftest.py), under this suite's short name."""
    assert emulator.key == KEY
    assert emulator.model == V3
    return emulator


@pytest.fixture
def v4_emu() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=V4, key=KEY) as emulator:
        yield emulator


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    emulator: FoundryEmulator,
    path: str = "/images/embeddings",
    body: object = None,
    *,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    query: str | None = f"api-version={API_VERSION}",
    key: str | None = KEY,
    prefix: str = "/models",
    timeout: float = 10.0,
) -> Reply:
    """Send one raw request (bytes bodies as they are, other bodies as JSON)."""
    parts = urlsplit(emulator.endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    payload = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json"}
    if key is not None:
        all_headers["api-key"] = key
    all_headers.update(headers or {})
    target = prefix + path + (f"?{query}" if query is not None else "")
    try:
        connection.request(method, target, body=payload, headers=all_headers)
        response = connection.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def wait_for_in_flight(emulator: FoundryEmulator, count: int, timeout: float = 3.0) -> int:
    """Poll until `count` requests are in flight (await it via asyncio.to_thread in async tests)."""
    deadline = time.monotonic() + timeout
    while emulator.stats()["in_flight"] != count and time.monotonic() < deadline:
        time.sleep(0.01)
    in_flight: int = emulator.stats()["in_flight"]
    return in_flight


_DOCUMENT = load_spec_document()


def _open_enums(schema: Any) -> Any:
    """Drop `enum` where `x-ms-enum.modelAsString` says the enum is open (Azure's reading)."""
    if isinstance(schema, list):
        return [_open_enums(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    opened = {key: _open_enums(value) for key, value in schema.items()}
    if opened.get("x-ms-enum", {}).get("modelAsString"):
        opened.pop("enum", None)
    return opened


def spec_validator(definition: str) -> jsonschema.Draft4Validator:
    """A jsonschema validator for one definition of the official OpenAPI document.

    Enums marked `modelAsString` are open, as Azure defines them: the service's `GET /info`
    says `model_type: "embedding"`, a value outside the spec's list.
    """
    definitions = _open_enums(_DOCUMENT["definitions"])
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    return jsonschema.Draft4Validator(schema)


def assert_error_shape(reply: Reply) -> None:
    """Errors carry x-ms-error-code; 422 uses the documented flat body, others ErrorResponse.

    A serverless host's 401 is the recorded `{"statusCode", "message"}` with
    `x-ms-error-reason` instead.
    """
    body = reply.json()
    assert reply.headers["content-type"].startswith("application/json")
    if reply.status == 401 and "statusCode" in body:
        assert body == {"statusCode": 401, "message": SERVERLESS_UNAUTHORIZED_MESSAGE}
        assert reply.headers["x-ms-error-reason"] == "Invalid JWT."
        assert "x-ms-error-code" not in reply.headers
    elif reply.status == 422:
        assert body["status"] == 422
        assert body["code"] == reply.headers["x-ms-error-code"] == "parameter_not_supported"
        assert body["detail"]["loc"][0] == "body"
        assert body["message"] == "One of the parameters contain invalid values."
    else:
        spec_validator("Azure.Core.Foundations.ErrorResponse").validate(body)
        assert body["error"]["code"] == reply.headers["x-ms-error-code"]
