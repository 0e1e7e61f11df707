"""Errors on Cohere's route reach the user with the service's words, and retries honour waits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from langchain_azure_image_embeddings import EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import EMULATOR_KEY, png_bytes
from ..embeddings.test_credentials import TOKEN, RecordingAsyncCredential, RecordingCredential
from .conftest import COHERE_ROUTE, V3, V4, cohere_embeddings, expected, route_requests

AI_SCOPE = ("https://ai.azure.com/.default",)


def _fails(embeddings, call=lambda e: e.embed_query("x")) -> EmbeddingServiceError:
    with pytest.raises(EmbeddingServiceError) as raised:
        call(embeddings)
    return raised.value


def test_a_wrong_key_is_a_401_with_the_message_and_the_request_id(served):
    errors = [_fails(cohere_embeddings(served, credential="wrong-key")) for _ in range(2)]
    error = errors[0]
    assert error.status_code == 401
    assert error.message == "invalid api token"
    assert error.attempts == 1  # not retried
    assert "Check the key" in str(error)
    assert uuid.UUID(error.request_id or "")  # the id of Cohere's error body
    assert errors[1].request_id != error.request_id
    assert "wrong-key" not in str(error) and "wrong-key" not in repr(error)
    assert served.stats()["status_counts"] == {"401": 2}
    assert route_requests(served) == {COHERE_ROUTE: 2}


def test_a_wrong_key_on_the_serverless_shape_is_a_401_too(served):
    root = served.cohere_endpoint.removesuffix("/providers/cohere")
    error = _fails(cohere_embeddings(served, endpoint=root, api="cohere", credential="nope"))
    assert (error.status_code, error.message) == (401, "invalid api token")


def test_an_unknown_deployment_is_a_404_with_the_target_uri_hint(served):
    error = _fails(cohere_embeddings(served, model="no-such-deployment"))
    assert error.status_code == 404
    assert error.message.startswith("model 'no-such-deployment' not found")
    assert "Target URI" in str(error)
    assert "/providers/cohere" in (error.hint or "")
    assert uuid.UUID(error.request_id or "")


def test_a_wrong_path_is_a_404_with_the_target_uri_hint(served):
    wrong = served.cohere_endpoint.replace("/providers/cohere", "/providers/cohere-embed")
    error = _fails(cohere_embeddings(served, endpoint=wrong, api="cohere"))
    assert error.status_code == 404
    assert "Target URI" in str(error)
    assert route_requests(served) == {"other": 1}


@pytest.mark.parametrize(
    ("model", "dimensions", "message"),
    [
        (V4, 300, "output_dimension must be one of 256, 512, 1024, 1536"),
        (V3, 256, "output_dimension is not supported by Cohere-embed-v3-english"),
    ],
)
def test_a_bad_output_dimension_is_a_400(model, dimensions, message, request):
    emulator = request.getfixturevalue("v4" if model == V4 else "v3")
    error = _fails(cohere_embeddings(emulator, dimensions=dimensions))
    assert error.status_code == 400
    assert message in error.message
    assert error.attempts == 1
    assert "dimensions" in (error.hint or "")


@pytest.fixture
def slow_429() -> Iterator[FoundryEmulator]:
    """Its 429s ask for 600 ms; the client's own back-off would be seconds."""
    with FoundryEmulator(model=V4, key=EMULATOR_KEY, retry_after=0.6) as emulator:
        yield emulator


@pytest.mark.parametrize(
    "outcome",
    [
        "429-retry-after-ms",  # retry-after-ms: 600
        ("429-no-retry-after", {"x-ratelimit-reset": "0.6"}),  # seconds from now
        ("429-no-retry-after", {"x-ratelimit-reset": "{now+0.6}"}),  # a Unix time
    ],
    ids=["retry-after-ms", "x-ratelimit-reset-seconds", "x-ratelimit-reset-unix-time"],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_429_is_retried_after_the_wait_the_service_asks(slow_429, outcome, mode):
    if isinstance(outcome, tuple) and outcome[1]["x-ratelimit-reset"] == "{now+0.6}":
        outcome = (outcome[0], {"x-ratelimit-reset": f"{time.time() + 0.6:.3f}"})
    slow_429.enqueue(outcome)
    embeddings = cohere_embeddings(slow_429, retry_backoff=5.0)
    image = png_bytes()
    started = time.perf_counter()
    if mode == "sync":
        vectors = embeddings.embed_images([image, image])
    else:
        vectors = await embeddings.aembed_images([image, image])
    elapsed = time.perf_counter() - started
    assert 0.5 <= elapsed < 2.0  # the back-off (2.5 s or more) was not used
    assert vectors == [expected(image, V4)] * 2
    assert slow_429.stats()["status_counts"] == {"429": 1, "200": 1}
    assert route_requests(slow_429) == {COHERE_ROUTE: 2}


def test_a_429_after_the_retries_names_cohere_s_message(slow_429):
    slow_429.enqueue("429-retry-after-ms", "429-retry-after-ms")
    error = _fails(cohere_embeddings(slow_429, max_retries=1))
    assert (error.status_code, error.attempts, error.retry_after) == (429, 2, 0.6)
    assert error.message.startswith("You are past the per minute request limit")


# ----------------------------------------------------------------------------- Entra ID


@pytest.fixture(scope="module")
def tls_v4() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=V4, key=EMULATOR_KEY, tls=True, tokens=(TOKEN,)) as emulator:
        assert emulator.cohere_endpoint.startswith("https://127.0.0.1:")
        yield emulator


def _over_tls(emulator: FoundryEmulator, credential: object, **extra: object):
    return cohere_embeddings(
        emulator,
        credential=credential,
        client_kwargs={"connection_verify": emulator.ca_cert_path},
        **extra,
    )


def test_a_token_credential_asks_for_the_ai_azure_com_scope(tls_v4):
    credential = RecordingCredential()
    embeddings = _over_tls(tls_v4, credential)
    assert embeddings.embed_query("entra") == expected("entra", V4, "query")
    assert embeddings.embed_images([png_bytes()]) == [expected(png_bytes(), V4)]
    assert credential.scopes and set(credential.scopes) == {AI_SCOPE}
    embeddings.close()


async def test_an_async_token_credential_asks_for_it_too(tls_v4):
    credential = RecordingAsyncCredential()
    embeddings = _over_tls(tls_v4, credential)
    assert await embeddings.aembed_query("entra") == expected("entra", V4, "query")
    assert set(credential.scopes) == {AI_SCOPE}


def test_explicit_scopes_win_on_cohere_too(tls_v4):
    credential = RecordingCredential()
    _over_tls(tls_v4, credential, credential_scopes=["api://custom/.default"]).embed_query("x")
    assert set(credential.scopes) == {("api://custom/.default",)}


def test_a_token_the_service_refuses_is_a_401(tls_v4):
    error = _fails(_over_tls(tls_v4, RecordingCredential(token="not-accepted")))
    assert (error.status_code, error.message) == (401, "invalid api token")
    assert "not-accepted" not in str(error)
