"""One mixed call through ``/models`` and through Cohere's route gives the same vectors.

Real HTTP to the emulator on 127.0.0.1; its stats show which routes were called.
"""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings import ImageInput

from ...conftest import png_bytes
from .conftest import (
    COHERE_ROUTE,
    V3,
    V4,
    cohere_embeddings,
    data_url,
    expected,
    mixed_inputs,
    models_embeddings,
    route_requests,
)

# mixed_inputs: 3 texts (one request on either route) and 6 images or pairs
TEXTS, IMAGES = 3, 6
COHERE_REQUESTS = {V3: 1 + IMAGES, V4: 1 + 1}  # v3: one image per request; v4: one request


async def _embed_documents(embeddings, inputs, mode):
    if mode == "sync":
        return embeddings.embed_documents(inputs)
    return await embeddings.aembed_documents(inputs)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_mixed_call_gives_the_same_vectors_on_both_routes(served, tmp_path, mode):
    inputs = mixed_inputs(tmp_path)
    model = served.model

    through_models = await _embed_documents(models_embeddings(served), inputs, mode)
    assert route_requests(served) == {"/embeddings": 1, "/images/embeddings": IMAGES}

    served.reset_stats()
    through_cohere = await _embed_documents(cohere_embeddings(served), inputs, mode)
    assert route_requests(served) == {COHERE_ROUTE: COHERE_REQUESTS[model]}
    assert served.stats()["status_counts"] == {"200": COHERE_REQUESTS[model]}
    assert (served.stats()["texts"], served.stats()["images"]) == (TEXTS, IMAGES)

    assert through_cohere == through_models
    assert through_cohere == [expected(value, model) for value in inputs]
    assert len(through_cohere[0]) == {V3: 1024, V4: 1536}[model]


async def _queries(embeddings, image, mode):
    """A text query, an image query (a data URL), and an image and a pair as queries."""
    pair = ImageInput(image=image, text="bar")
    if mode == "sync":
        return [
            embeddings.embed_query("find the purple bar"),
            embeddings.embed_query(data_url(image)),
            *embeddings.embed_images([image, pair], input_type="query"),
        ]
    return [
        await embeddings.aembed_query("find the purple bar"),
        await embeddings.aembed_query(data_url(image)),
        *await embeddings.aembed_images([image, pair], input_type="query"),
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_queries_match_except_a_v3_image_alone(served, mode):
    """Cohere v3 takes an image alone only with ``input_type="image"``: a document vector.

    Texts and pairs as queries match ``/models``; on v4 images alone do too.
    """
    image = png_bytes((12, 40), color=(90, 10, 200))
    ours = await _queries(cohere_embeddings(served), image, mode)
    theirs = await _queries(models_embeddings(served), image, mode)
    model = served.model
    image_type = "image" if model == V3 else "query"
    assert ours == [
        expected("find the purple bar", model, "query"),
        expected(image, model, image_type),
        expected(image, model, image_type),
        expected(ImageInput(image=image, text="bar"), model, "query"),
    ]
    same = [0, 3] if model == V3 else [0, 1, 2, 3]
    assert [ours[i] for i in same] == [theirs[i] for i in same]
    if model == V3:
        assert ours[1] != theirs[1]


@pytest.mark.parametrize("input_type", ["classification", "clustering"])
def test_other_input_types_are_sent_as_given(served, input_type):
    image = png_bytes()
    vectors = cohere_embeddings(served).embed_images(
        [ImageInput(image=image, text="t"), image], input_type=input_type
    )
    if served.model == V3:
        # a v3 image alone travels in `images` with input_type "image" (a document vector)
        assert vectors[1] == expected(image, V3, "image")
    else:
        assert vectors[1] == expected(image, V4, input_type)
    assert vectors[0] == expected(ImageInput(image=image, text="t"), served.model, input_type)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_the_serverless_shape_posts_to_the_root(served, tmp_path, mode, body_sizes):
    root = served.cohere_endpoint.removesuffix("/providers/cohere")
    inputs = mixed_inputs(tmp_path)
    embeddings = cohere_embeddings(
        served, endpoint=root, api="cohere", client_kwargs={"logging_enable": True}
    )
    vectors = await _embed_documents(embeddings, inputs, mode)
    assert vectors == [expected(value, served.model) for value in inputs]
    assert route_requests(served) == {COHERE_ROUTE: COHERE_REQUESTS[served.model]}
    assert set(body_sizes.urls) == {root + "/v2/embed"}  # no api-version, no /providers/cohere


def test_the_foundry_shape_posts_under_providers_cohere(v3, body_sizes):
    cohere_embeddings(v3, client_kwargs={"logging_enable": True}).embed_query("q")
    assert body_sizes.urls == [v3.cohere_endpoint + "/v2/embed"]


def test_a_full_target_uri_is_accepted(v4):
    embeddings = cohere_embeddings(v4, endpoint=v4.cohere_endpoint + "/v2/embed")
    assert embeddings.embed_query("q") == expected("q", V4, "query")
    assert route_requests(v4) == {COHERE_ROUTE: 1}
