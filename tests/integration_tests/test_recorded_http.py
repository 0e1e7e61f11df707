"""Recorded HTTP exchanges (pytest-recording / vcrpy): the wire format, replayed offline.

The cassettes under ``cassettes/test_recorded_http/`` were recorded against the
emulator; CI replays them with ``--record-mode=none`` (the default), so no socket
is opened. Keys, bearer tokens and request ids are filtered out, the endpoint is
replaced by ``https://endpoint.invalid``, and the images are tiny PNGs.

Re-record with ``make cassettes`` (against a fresh emulator), or against a live
deployment by exporting ``AZURE_INFERENCE_ENDPOINT``, ``AZURE_INFERENCE_CREDENTIAL``
and ``AZURE_INFERENCE_MODEL`` first.

The ``test_cohere_*`` cassettes hold Cohere's route (``POST .../providers/cohere/v2/embed``),
recorded against the emulator's Cohere v3 and embed v4 profiles, or against a live Cohere
deployment when ``AZURE_COHERE_ENDPOINT`` (its Target URI), ``AZURE_COHERE_CREDENTIAL`` and
``AZURE_COHERE_MODEL`` are exported. The ``id`` that Cohere's bodies carry (the request id)
is zeroed.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInput
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_cohere_vector,
    expected_image_vector,
    expected_text_vector,
)

from ..conftest import EMULATOR_KEY, MODEL, png_bytes

_PLACEHOLDER_ENDPOINT = "https://endpoint.invalid"
_LIVE = bool(os.environ.get("AZURE_INFERENCE_ENDPOINT"))
_LIVE_COHERE = bool(os.environ.get("AZURE_COHERE_ENDPOINT"))
_COHERE_V3 = "Cohere-embed-v3-english"
_COHERE_V4 = "embed-v-4-0"
_COHERE_ID = re.compile(rb'"id":\s*"([^"]*)"')
_RESPONSE_HEADERS_DROPPED = (
    "apim-request-id",
    "x-request-id",
    "x-ms-request-id",
    "set-cookie",
    "date",
)


def _scrub_request(request: Any) -> Any:
    request.uri = re.sub(r"^https?://[^/]+", _PLACEHOLDER_ENDPOINT, request.uri)
    return request


def _zeroed_id(found: re.Match[bytes]) -> bytes:
    """Cohere's request id, every letter and digit zeroed (the body keeps its length)."""
    return found.group(0).replace(found.group(1), re.sub(rb"[0-9A-Za-z]", b"0", found.group(1)))


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _RESPONSE_HEADERS_DROPPED:
            del headers[name]
    body = response.get("body", {})
    if isinstance(body.get("string"), bytes):
        body["string"] = _COHERE_ID.sub(_zeroed_id, body["string"], count=1)
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": [
            ("authorization", "REDACTED"),
            ("api-key", "REDACTED"),
            ("x-ms-client-request-id", "REDACTED"),
            ("user-agent", "REDACTED"),
        ],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "match_on": ["method", "path", "query", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture
def recorded(record_mode: str) -> Iterator[AzureAIImageEmbeddings]:
    """Embeddings whose HTTP is replayed (or recorded against the emulator / a live endpoint).

    One request at a time: vcrpy records concurrent requests unreliably.
    """
    if record_mode == "none":
        yield AzureAIImageEmbeddings(
            endpoint="http://127.0.0.1:9/models",
            credential="replayed",
            model=MODEL,
            max_retries=0,
            max_concurrency=1,
        )
    elif _LIVE:
        yield AzureAIImageEmbeddings(
            model=os.environ.get("AZURE_INFERENCE_MODEL", MODEL), max_concurrency=1
        )
    else:
        with FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as emulator:
            yield AzureAIImageEmbeddings(
                endpoint=emulator.endpoint, credential=emulator.key, model=MODEL, max_concurrency=1
            )


def _check(vectors: list[list[float]], expected: list[list[float]]) -> None:
    assert len(vectors) == len(expected)
    if _LIVE:
        assert all(len(vector) == len(vectors[0]) > 0 for vector in vectors)
    else:
        assert vectors == expected


@pytest.mark.vcr
def test_text_documents_and_query(recorded):
    vectors = recorded.embed_documents(["a red square", "a blue circle"])
    query = recorded.embed_query("something red")
    _check(
        [*vectors, query],
        [
            expected_text_vector("a red square", model=MODEL, input_type="document"),
            expected_text_vector("a blue circle", model=MODEL, input_type="document"),
            expected_text_vector("something red", model=MODEL, input_type="query"),
        ],
    )


@pytest.mark.vcr
def test_image_and_pair(recorded):
    png = png_bytes(size=(4, 4))
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    vectors = recorded.embed_documents([data_url, ImageInput(image=png, text="a tiny red square")])
    _check(
        vectors,
        [
            expected_image_vector(png, model=MODEL, input_type="document"),
            expected_image_vector(
                png, model=MODEL, input_type="document", text="a tiny red square"
            ),
        ],
    )


@pytest.mark.vcr
async def test_async_image_query(recorded):
    png = png_bytes(size=(3, 5), color=(10, 200, 30))
    vectors = await recorded.aembed_images([png], input_type="query")
    _check(vectors, [expected_image_vector(png, model=MODEL, input_type="query")])


@pytest.mark.vcr
def test_service_error_is_replayed(recorded):
    from langchain_azure_image_embeddings import EmbeddingServiceError

    broken = recorded.model_copy(update={"model": "no-such-deployment"})
    with pytest.raises(EmbeddingServiceError) as raised:
        broken.embed_query("x")
    assert raised.value.status_code in (400, 404)


# ---------------------------------------------------------------- Cohere's route (/v2/embed)


def _recorded_cohere(record_mode: str, model: str) -> Iterator[AzureAIImageEmbeddings]:
    """Embeddings on Cohere's route, replayed (or recorded against the emulator / live)."""
    if record_mode == "none":
        yield AzureAIImageEmbeddings(
            endpoint="http://127.0.0.1:9/providers/cohere",
            credential="replayed",
            model=model,
            max_retries=0,
            max_concurrency=1,
        )
    elif _LIVE_COHERE:
        yield AzureAIImageEmbeddings(
            endpoint=os.environ["AZURE_COHERE_ENDPOINT"],
            credential=os.environ.get("AZURE_COHERE_CREDENTIAL"),
            model=os.environ.get("AZURE_COHERE_MODEL", model),
            max_concurrency=1,
        )
    else:
        with FoundryEmulator(model=model, key=EMULATOR_KEY) as emulator:
            yield AzureAIImageEmbeddings(
                endpoint=emulator.cohere_endpoint,
                credential=emulator.key,
                model=model,
                max_concurrency=1,
            )


@pytest.fixture
def recorded_v4(record_mode: str) -> Iterator[AzureAIImageEmbeddings]:
    yield from _recorded_cohere(record_mode, _COHERE_V4)


@pytest.fixture
def recorded_v3(record_mode: str) -> Iterator[AzureAIImageEmbeddings]:
    yield from _recorded_cohere(record_mode, _COHERE_V3)


def _check_cohere(vectors: list[list[float]], expected: list[list[float]]) -> None:
    assert len(vectors) == len(expected)
    if _LIVE_COHERE:
        assert all(len(vector) == len(vectors[0]) > 0 for vector in vectors)
    else:
        assert vectors == expected


@pytest.mark.vcr
def test_cohere_texts_and_query(recorded_v4):
    vectors = recorded_v4.embed_documents(["a red square", "a blue circle"])
    query = recorded_v4.embed_query("something red")
    _check_cohere(
        [*vectors, query],
        [
            *(
                expected_cohere_vector(model=_COHERE_V4, input_type="search_document", text=text)
                for text in ("a red square", "a blue circle")
            ),
            expected_cohere_vector(
                model=_COHERE_V4, input_type="search_query", text="something red"
            ),
        ],
    )


@pytest.mark.vcr
def test_cohere_v4_images_and_pair_in_one_request(recorded_v4):
    png = png_bytes(size=(4, 4))
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    vectors = recorded_v4.embed_documents(
        [data_url, ImageInput(image=png, text="a tiny red square")]
    )
    _check_cohere(
        vectors,
        [
            expected_cohere_vector(model=_COHERE_V4, input_type="search_document", image=png),
            expected_cohere_vector(
                model=_COHERE_V4, input_type="search_document", image=png, text="a tiny red square"
            ),
        ],
    )


@pytest.mark.vcr
async def test_cohere_v3_image_and_pair_async(recorded_v3):
    png = png_bytes(size=(3, 5), color=(10, 200, 30))
    vectors = await recorded_v3.aembed_images([png, ImageInput(image=png, text="green")])
    _check_cohere(
        vectors,
        [
            expected_cohere_vector(model=_COHERE_V3, input_type="image", image=png),
            expected_cohere_vector(
                model=_COHERE_V3, input_type="search_document", image=png, text="green"
            ),
        ],
    )


@pytest.mark.vcr
def test_cohere_service_error_is_replayed(recorded_v4):
    from langchain_azure_image_embeddings import EmbeddingServiceError

    broken = recorded_v4.model_copy(update={"model": "no-such-deployment"})
    with pytest.raises(EmbeddingServiceError) as raised:
        broken.embed_query("x")
    assert raised.value.status_code in (400, 404)
    assert "Target URI" in str(raised.value)
    if not _LIVE_COHERE:
        # the id of Cohere's error body (zeroed in the cassette; its headers carry none)
        assert raised.value.request_id == "00000000-0000-0000-0000-000000000000"
