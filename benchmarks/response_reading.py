"""R: the ways of reading one 96-vector, 1024-dim embeddings response, measured.

One ``POST /embeddings`` with 96 texts against the emulator (its own process,
no added latency), read in each way the SDK allows; the number is the client
process's CPU time per call (``time.process_time``), so the emulator's own work
is not counted. The package rows are whole ``embed_documents`` calls through
the public API. Every way must return the same vectors.
"""

from __future__ import annotations

import base64
import json
import time
from array import array
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
from azure.ai.inference import EmbeddingsClient
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.policies import RetryPolicy
from azure.core.rest import HttpRequest

from .support import MODEL, EmulatorProcess, median, ours

TEXTS = [f"short text number {index} about cats and dogs" for index in range(96)]
CALLS = 10

Vectors = list[list[float]]


def _body(encoding_format: str) -> bytes:
    body = {"input": TEXTS, "model": MODEL, "input_type": "document"}
    if encoding_format != "float":
        body["encoding_format"] = encoding_format
    return json.dumps(body).encode()


def _sorted_embeddings(document: dict[str, Any]) -> list[Any]:
    slots: list[Any] = [None] * len(TEXTS)
    for entry in document["data"]:
        slots[entry["index"]] = entry["embedding"]
    return slots


def _float32(text: str) -> list[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    return values.tolist()


def _numpy32(text: str) -> list[float]:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").tolist()  # type: ignore[no-any-return]


def _ways(
    client: EmbeddingsClient, endpoint: str, key: str
) -> dict[str, tuple[str, Callable[[], Vectors]]]:
    def send(encoding_format: str, *, stream: bool) -> bytes:
        response = client.send_request(_request_for(encoding_format), stream=stream)
        return response.read()  # type: ignore[no-any-return]

    def sdk_model_layer() -> Vectors:
        result = client.embed(input=TEXTS, model=MODEL, input_type="document")
        return [list(item.embedding) for item in sorted(result.data, key=lambda i: i.index)]

    def sdk_model_layer_base64() -> Vectors:
        result = client.embed(
            input=TEXTS, model=MODEL, input_type="document", encoding_format="base64"
        )
        return [_float32(item.embedding) for item in sorted(result.data, key=lambda i: i.index)]

    def json_double_decode() -> Vectors:
        # send_request without stream: azure-core's ContentDecodePolicy json-decodes the
        # body once (result unused), then it is parsed again.
        raw = send("float", stream=False)
        return [[float(v) for v in e] for e in _sorted_embeddings(json.loads(raw))]

    def json_stream() -> Vectors:
        raw = send("float", stream=True)
        return [[float(v) for v in e] for e in _sorted_embeddings(json.loads(raw))]

    def orjson_stream() -> Vectors:
        raw = send("float", stream=True)
        return [array("d", e).tolist() for e in _sorted_embeddings(orjson.loads(raw))]

    def base64_array() -> Vectors:
        raw = send("base64", stream=True)
        return [_float32(e) for e in _sorted_embeddings(orjson.loads(raw))]

    def base64_numpy() -> Vectors:
        raw = send("base64", stream=True)
        return [_numpy32(e) for e in _sorted_embeddings(orjson.loads(raw))]

    floats = ours(endpoint, key, max_concurrency=1)
    base64s = ours(endpoint, key, max_concurrency=1, encoding_format="base64")

    def package_float() -> Vectors:
        return floats.embed_documents(TEXTS)  # type: ignore[no-any-return]

    def package_base64() -> Vectors:
        return base64s.embed_documents(TEXTS)  # type: ignore[no-any-return]

    return {
        "sdk_model_layer": ("SDK embed() model layer, float", sdk_model_layer),
        "sdk_model_layer_base64": ("SDK embed(), base64 + array", sdk_model_layer_base64),
        "send_request_json": ("send_request + json (decoded twice)", json_double_decode),
        "send_request_stream_json": ("send_request(stream) + json", json_stream),
        "send_request_stream_orjson": ("send_request(stream) + orjson", orjson_stream),
        "base64_array": ("base64 + orjson + array", base64_array),
        "base64_numpy": ("base64 + orjson + numpy", base64_numpy),
        "package_float": ("package embed_documents, float (default)", package_float),
        "package_base64": ("package embed_documents, base64", package_base64),
    }


def run() -> dict[str, Any]:
    with EmulatorProcess() as emulator:
        client = EmbeddingsClient(
            emulator.endpoint,
            AzureKeyCredential(emulator.key),
            api_version="2025-04-01",
            retry_policy=RetryPolicy.no_retries(),
        )
        ways = _ways(client, emulator.endpoint, emulator.key)
        reference: Vectors | None = None
        measured: dict[str, dict[str, Any]] = {}
        for name, (label, read) in ways.items():
            vectors = read()  # warm-up, and the correctness check
            if reference is None:
                reference = vectors
            assert vectors == reference, f"{name} returned different vectors"
            cpu, wall = [], []
            for _ in range(CALLS):
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                read()
                cpu.append(time.process_time() - start_cpu)
                wall.append(time.perf_counter() - start_wall)
            measured[name] = {
                "label": label,
                "cpu_ms": round(median(cpu) * 1000, 2),
                "wall_ms": round(median(wall) * 1000, 2),
            }
        sizes = {
            fmt: len(client.send_request(_request_for(fmt), stream=True).read())
            for fmt in ("float", "base64")
        }
        client.close()
    sdk = measured["sdk_model_layer"]["cpu_ms"]
    default = measured["package_float"]["cpu_ms"]
    rows = [
        {
            "metric": f"{entry['label']}: CPU per response",
            "value": entry["cpu_ms"],
            "unit": "ms",
            "target": "",
            "ok": None,
        }
        for entry in measured.values()
    ]
    rows.append(
        {
            "metric": "package default vs SDK model layer, CPU",
            "value": round(sdk / default, 1),
            "unit": "x faster",
            "target": "faster than the SDK model layer",
            "ok": default < sdk,
        }
    )
    return {
        "name": "R",
        "title": "Reading a 96-vector, 1024-dim response",
        "rows": rows,
        "details": {"ways": measured, "body_bytes": sizes, "calls": CALLS},
    }


def _request_for(encoding_format: str) -> HttpRequest:
    return HttpRequest(
        "POST",
        "/embeddings",
        params={"api-version": "2025-04-01"},
        headers={"Content-Type": "application/json"},
        content=_body(encoding_format),
    )
