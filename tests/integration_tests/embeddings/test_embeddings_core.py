"""AzureAIImageEmbeddings end to end: the real SDK over HTTP to the emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import pickle
import warnings

import pytest
from pydantic import ValidationError

from langchain_azure_image_embeddings import (
    AzureAIImageEmbeddings,
    EmbeddingServiceError,
    ImageInput,
    InputTypeFallbackWarning,
)
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import EMULATOR_KEY, MODEL, jpeg_bytes, make_embeddings, png_bytes


def _mixed_inputs():
    png = png_bytes()
    jpeg = jpeg_bytes()
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    inputs = ["a caption", data_url, ImageInput(image=jpeg, text="a caption")]
    expected = [
        expected_text_vector("a caption", model=MODEL, input_type="document"),
        expected_image_vector(png, model=MODEL, input_type="document"),
        expected_image_vector(jpeg, model=MODEL, input_type="document", text="a caption"),
    ]
    return inputs, expected


def _route_counts(emulator: FoundryEmulator) -> tuple[int, int]:
    requests = emulator.stats()["requests"]
    return requests.get("/embeddings", 0), requests.get("/images/embeddings", 0)


def test_mixed_inputs_are_routed_and_come_back_in_order(emulator):
    inputs, expected = _mixed_inputs()
    vectors = make_embeddings(emulator).embed_documents(inputs)
    assert vectors == expected
    assert _route_counts(emulator) == (1, 2)
    assert all(type(value) is float for vector in vectors for value in vector)


async def test_mixed_inputs_async(emulator):
    inputs, expected = _mixed_inputs()
    vectors = await make_embeddings(emulator).aembed_documents(inputs)
    assert vectors == expected
    assert _route_counts(emulator) == (1, 2)


def test_query_and_document_input_types_are_sent(shared_emulator):
    embeddings = make_embeddings(shared_emulator)
    assert embeddings.embed_query("red") == expected_text_vector(
        "red", model=MODEL, input_type="query"
    )
    assert embeddings.embed_documents(["red"]) == [
        expected_text_vector("red", model=MODEL, input_type="document")
    ]
    png = png_bytes()
    assert embeddings.embed_images([png], input_type="query") == [
        expected_image_vector(png, model=MODEL, input_type="query")
    ]


@pytest.fixture
def slow_emulator():
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, latency_ms=40) as emulator:
        yield emulator


def test_requests_per_image_and_the_in_flight_bound_sync(slow_emulator):
    images = [jpeg_bytes(seed=seed) for seed in range(37)]
    embeddings = make_embeddings(slow_emulator, max_concurrency=4, images_per_request=1)
    vectors = embeddings.embed_images(images)
    stats = slow_emulator.stats()
    assert stats["requests"]["/images/embeddings"] == 37
    assert stats["max_in_flight"] == 4
    assert vectors == [
        expected_image_vector(image, model=MODEL, input_type="document") for image in images
    ]


async def test_requests_per_image_and_the_in_flight_bound_async(slow_emulator):
    images = [jpeg_bytes(seed=seed) for seed in range(37)]
    embeddings = make_embeddings(slow_emulator, max_concurrency=4, images_per_request=1)
    vectors = await embeddings.aembed_images(iter(images))
    stats = slow_emulator.stats()
    assert stats["requests"]["/images/embeddings"] == 37
    assert stats["max_in_flight"] == 4
    assert vectors == [
        expected_image_vector(image, model=MODEL, input_type="document") for image in images
    ]


async def test_concurrent_async_calls_each_respect_their_bound(slow_emulator):
    embeddings = make_embeddings(slow_emulator, max_concurrency=2)
    images = [[jpeg_bytes(seed=call * 10 + i) for i in range(4)] for call in range(3)]
    results = await asyncio.gather(*(embeddings.aembed_images(batch) for batch in images))
    assert results == [
        [expected_image_vector(image, model=MODEL, input_type="document") for image in batch]
        for batch in images
    ]
    # Three calls at once, each within its own bound of 2: more than one call's bound in
    # flight, never more than all three bounds.
    assert 2 < slow_emulator.stats()["max_in_flight"] <= 6


@pytest.fixture
def rejecting_emulator():
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, reject_input_type=True) as emulator:
        yield emulator


def test_input_type_fallback_retries_once_warns_once_and_remembers(rejecting_emulator):
    embeddings = make_embeddings(rejecting_emulator)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = embeddings.embed_documents(["hello"])
        assert _route_counts(rejecting_emulator) == (2, 0)
        second = embeddings.embed_query("hello")
        assert _route_counts(rejecting_emulator) == (3, 0)
    assert [warning.category for warning in caught] == [InputTypeFallbackWarning]
    assert first == [expected_text_vector("hello", model=MODEL)]
    assert second == expected_text_vector("hello", model=MODEL)


async def test_input_type_fallback_async(rejecting_emulator):
    embeddings = make_embeddings(rejecting_emulator)
    with pytest.warns(InputTypeFallbackWarning):
        assert await embeddings.aembed_query("hi") == expected_text_vector("hi", model=MODEL)
    assert _route_counts(rejecting_emulator) == (2, 0)


def test_input_type_rejection_without_fallback_is_a_422_error(rejecting_emulator):
    embeddings = make_embeddings(rejecting_emulator, input_type_fallback=False)
    with pytest.raises(EmbeddingServiceError) as raised:
        embeddings.embed_query("hello")
    assert raised.value.status_code == 422
    assert "input_type" in str(raised.value)
    assert _route_counts(rejecting_emulator) == (1, 0)


def test_pickle_after_use_and_the_copy_embeds(shared_emulator):
    embeddings = make_embeddings(shared_emulator)
    before = embeddings.embed_query("pickle me")
    clone = pickle.loads(pickle.dumps(embeddings))
    assert clone.embed_query("pickle me") == before
    assert clone.embed_image([png_bytes()]) == embeddings.embed_image([png_bytes()])
    clone.close()
    embeddings.close()


def test_wrong_key_is_a_clear_401(shared_emulator):
    embeddings = make_embeddings(shared_emulator, credential="wrong-key")
    with pytest.raises(EmbeddingServiceError) as raised:
        embeddings.embed_query("x")
    assert raised.value.status_code == 401
    assert "AZURE_INFERENCE_CREDENTIAL" in str(raised.value)
    assert "wrong-key" not in str(raised.value)


def test_unknown_deployment_is_a_clear_error(shared_emulator):
    embeddings = make_embeddings(shared_emulator, model="no-such-deployment")
    with pytest.raises(EmbeddingServiceError) as raised:
        embeddings.embed_query("x")
    assert raised.value.status_code == 400  # the /models API's answer for an unknown model
    assert "Unknown model: no-such-deployment" in raised.value.message
    assert "`model`" in (raised.value.hint or "")


def test_wrong_endpoint_is_a_clear_connection_error():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    embeddings = AzureAIImageEmbeddings(
        endpoint=f"http://127.0.0.1:{port}/models", credential="k", max_retries=1
    )
    with pytest.raises(EmbeddingServiceError) as raised:
        embeddings.embed_query("x")
    assert raised.value.status_code is None
    assert "AZURE_INFERENCE_ENDPOINT" in str(raised.value)


def test_wrong_route_prefix_is_a_clear_404(shared_emulator):
    endpoint = shared_emulator.endpoint.replace("/models", "/nothing-here")
    embeddings = make_embeddings(shared_emulator, endpoint=endpoint, api="model-inference")
    with pytest.raises(EmbeddingServiceError) as raised:
        embeddings.embed_query("x")
    assert raised.value.status_code == 404
    assert "/models" in str(raised.value)
    assert "/providers/cohere" in str(raised.value)  # the live route is named


def test_an_endpoint_of_no_known_shape_names_the_api_field(shared_emulator):
    endpoint = shared_emulator.endpoint.replace("/models", "/nothing-here")
    with pytest.raises(ValidationError, match="api='cohere'") as raised:
        make_embeddings(shared_emulator, endpoint=endpoint)
    assert "api='model-inference'" in str(raised.value)


@pytest.mark.parametrize("bad", ["many", "1.5", -3, 0])
def test_bad_dimensions_fail_at_construction(bad):
    with pytest.raises(ValidationError, match="dimensions"):
        AzureAIImageEmbeddings(endpoint="http://127.0.0.1:1/models", credential="k", dimensions=bad)


def test_missing_endpoint_names_the_variable(monkeypatch):
    monkeypatch.delenv("AZURE_INFERENCE_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_AI_INFERENCE_ENDPOINT", raising=False)
    with pytest.raises(ValidationError, match="AZURE_INFERENCE_ENDPOINT"):
        AzureAIImageEmbeddings(credential="k")


def test_usage_is_counted_per_instance_and_per_block(shared_emulator):
    embeddings = make_embeddings(shared_emulator)
    with embeddings.track_usage() as usage:
        embeddings.embed_documents(["one two three"])
        embeddings.embed_image([png_bytes()])
    assert usage.calls == 2
    assert usage.total_tokens >= 1000 + 3
    assert embeddings.usage.total_tokens == usage.total_tokens


def test_repr_and_str_never_show_the_key(shared_emulator):
    embeddings = make_embeddings(shared_emulator)
    assert EMULATOR_KEY not in repr(embeddings)
    assert EMULATOR_KEY not in str(embeddings)


def test_empty_input_sends_nothing(emulator):
    assert make_embeddings(emulator).embed_documents([]) == []
    assert _route_counts(emulator) == (0, 0)
