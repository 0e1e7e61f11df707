"""The hostile-input corpus, service answers: a malformed 200 answer costs only its own inputs.

A local server on 127.0.0.1 answers every request correctly, except a request
carrying the pair text ``"BAD"``, which gets the scripted body of the case.
An answer whose ``usage`` is malformed but whose vectors are valid gives those
vectors or fails its own inputs with an :class:`EmbeddingServiceError` (the
parser decides); an answer whose vectors cannot be read must fail its own
inputs with an :class:`EmbeddingServiceError` (bounded message, no key). Either
way no bare exception escapes and the other request's vector is kept.

(The cases of malformed ``usage`` failed with a bare ``AttributeError`` or
``ValueError`` before the protocol codecs of ``_protocols/`` parsed answers.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from langchain_azure_image_embeddings import (
    AzureAIImageEmbeddings,
    EmbeddingServiceError,
    ImageInput,
)

from ...conftest import MODEL, jpeg_bytes
from .conftest import SECRET

VECTOR = [0.25, -0.5, 0.75, 1.0]
GOOD = {"object": "list", "model": MODEL, "usage": {"prompt_tokens": 1, "total_tokens": 1}}


def _data(count: int) -> list[dict[str, Any]]:
    return [{"object": "embedding", "index": i, "embedding": VECTOR} for i in range(count)]


def _body(**fields: Any) -> bytes:
    return json.dumps({**GOOD, "data": _data(1), **fields}).encode()


USAGE_CASES: dict[str, bytes] = {
    "usage-string": _body(usage="n/a"),
    "usage-list": _body(usage=[1]),
    "usage-tokens-not-a-number": _body(usage={"prompt_tokens": "abc", "total_tokens": 1}),
    "usage-tokens-null": _body(usage={"prompt_tokens": None, "total_tokens": None}),
    "usage-tokens-float": _body(usage={"prompt_tokens": 1.5, "total_tokens": 2.5}),
    "usage-tokens-bool": _body(usage={"prompt_tokens": True, "total_tokens": False}),
    "usage-tokens-negative": _body(usage={"prompt_tokens": -5, "total_tokens": -5}),
    "usage-tokens-object": _body(usage={"prompt_tokens": {"a": 1}, "total_tokens": [2]}),
    "usage-null": _body(usage=None),
    "usage-missing": json.dumps({"data": _data(1)}).encode(),
}
BROKEN_CASES: dict[str, bytes] = {
    "not-json": b"<html>oops</html>",
    "json-array": b"[1, 2, 3]",
    "json-string": b'"hello"',
    "data-missing": _body(data=None),
    "data-a-string": _body(data="none"),
    "data-empty": _body(data=[]),
    "index-missing": _body(data=[{"embedding": VECTOR}]),
    "index-out-of-range": _body(data=[{"index": 5, "embedding": VECTOR}]),
    "index-a-string": _body(data=[{"index": "0", "embedding": VECTOR}]),
    "index-duplicated": _body(
        data=[{"index": 0, "embedding": VECTOR}, {"index": 0, "embedding": VECTOR}]
    ),
    "entry-not-an-object": _body(data=[[0.1, 0.2]]),
    "embedding-missing": _body(data=[{"index": 0}]),
    "embedding-empty": _body(data=[{"index": 0, "embedding": []}]),
    "embedding-strings": _body(data=[{"index": 0, "embedding": ["a", "b"]}]),
    "embedding-booleans": _body(data=[{"index": 0, "embedding": [True, False]}]),
    "embedding-bad-base64": _body(data=[{"index": 0, "embedding": "!!!"}]),
    "embedding-base64-not-float32s": _body(data=[{"index": 0, "embedding": "AAAAAAA="}]),
    "embedding-nested": _body(data=[{"index": 0, "embedding": [[0.1], [0.2]]}]),
    "embedding-huge-number": b'{"data": [{"index": 0, "embedding": [1e999]}]}',
    "empty-body": b"",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    scripted = b""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = json.loads(body)
        if b'"BAD"' in body:
            answer = type(self).scripted
        else:
            answer = json.dumps({**GOOD, "data": _data(len(request["input"]))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture(scope="module")
def answer_server() -> Iterator[tuple[ThreadingHTTPServer, type[_Handler]]]:
    handler = type("ScriptedHandler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def _embeddings(server: ThreadingHTTPServer) -> AzureAIImageEmbeddings:
    return AzureAIImageEmbeddings(
        endpoint=f"http://127.0.0.1:{server.server_address[1]}/models",
        credential=SECRET,
        model=MODEL,
        max_retries=1,
        retry_backoff=0.0,
        max_concurrency=1,
    )


_INPUTS = [
    ImageInput(image=jpeg_bytes((16, 12), seed=31), text="BAD"),
    jpeg_bytes((16, 12), seed=32),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", list(USAGE_CASES))
async def test_a_malformed_usage_does_not_cost_the_vectors(
    name: str, mode: str, answer_server: tuple[ThreadingHTTPServer, type[_Handler]]
) -> None:
    server, handler = answer_server
    handler.scripted = USAGE_CASES[name]
    embeddings = _embeddings(server)

    if mode == "sync":
        outcomes = embeddings.embed_images(_INPUTS, errors="return")
    else:
        outcomes = await embeddings.aembed_images(_INPUTS, errors="return")

    first, second = outcomes
    if not isinstance(first, list):  # refusing the answer is fine too, with the documented error
        assert isinstance(first, EmbeddingServiceError), first
        assert SECRET not in str(first) and len(str(first)) <= 600, str(first)
    else:
        assert first == VECTOR
    assert second == VECTOR


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", list(BROKEN_CASES))
async def test_an_unreadable_answer_fails_only_its_own_inputs(
    name: str, mode: str, answer_server: tuple[ThreadingHTTPServer, type[_Handler]]
) -> None:
    server, handler = answer_server
    handler.scripted = BROKEN_CASES[name]
    embeddings = _embeddings(server)

    if mode == "sync":
        outcomes = embeddings.embed_images(_INPUTS, errors="return")
    else:
        outcomes = await embeddings.aembed_images(_INPUTS, errors="return")

    error = outcomes[0]
    assert isinstance(error, EmbeddingServiceError), error
    message = str(error)
    assert SECRET not in message and len(message) <= 600, message
    assert outcomes[1] == VECTOR
