"""``dimensions``, ``encoding_format`` and usage totals on Cohere's route."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInput
from langchain_azure_image_embeddings.emulator.responses import text_tokens

from ...conftest import png_bytes
from .conftest import V4, cohere_embeddings, expected, mixed_inputs


@pytest.mark.parametrize("dimensions", [256, 512, 1024, 1536])
async def test_dimensions_on_v4(v4, tmp_path, dimensions):
    inputs = mixed_inputs(tmp_path)
    embeddings = cohere_embeddings(v4, dimensions=dimensions)
    vectors = embeddings.embed_documents(inputs)
    assert {len(vector) for vector in vectors} == {dimensions}
    assert vectors == [expected(value, V4, output_dimension=dimensions) for value in inputs]
    assert await embeddings.aembed_query("q") == expected(
        "q", V4, "query", output_dimension=dimensions
    )


def test_256_dimensions_differ_from_the_default(v4):
    short = cohere_embeddings(v4, dimensions=256).embed_query("x")
    full = cohere_embeddings(v4).embed_query("x")
    assert (len(short), len(full)) == (256, 1536)


async def test_base64_gives_the_same_vectors_as_float(served, tmp_path):
    inputs = mixed_inputs(tmp_path)
    as_float = cohere_embeddings(served).embed_documents(inputs)
    as_base64 = cohere_embeddings(served, encoding_format="base64").embed_documents(inputs)
    async_base64 = await cohere_embeddings(served, encoding_format="base64").aembed_documents(
        inputs
    )
    # float32 on the wire: the float answer is float32 values too, so they are equal exactly
    assert as_base64 == as_float == async_base64
    assert all(type(value) is float for value in as_base64[0])


def _billed(inputs: list[object], model: str) -> tuple[int, int, int]:
    """What the emulator bills: input tokens of every text (a pair's too), images, image tokens."""
    texts = [value for value in inputs if isinstance(value, str) and not value.startswith("data:")]
    texts += [value.text for value in inputs if isinstance(value, ImageInput) and value.text]
    images = len(inputs) - len(
        [v for v in inputs if isinstance(v, str) and not v.startswith("data:")]
    )
    return sum(text_tokens(text) for text in texts), images, images * 1000


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_usage_totals_match_what_the_emulator_bills(served, tmp_path, mode):
    inputs = mixed_inputs(tmp_path)
    embeddings = cohere_embeddings(served)
    with AzureAIImageEmbeddings.track_usage() as tracked:
        if mode == "sync":
            embeddings.embed_documents(inputs)
            embeddings.embed_images([png_bytes()], input_type="query")
        else:
            await embeddings.aembed_documents(inputs)
            await embeddings.aembed_images([png_bytes()], input_type="query")
    tokens, images, image_tokens = _billed(inputs, served.model)
    images, image_tokens = images + 1, image_tokens + 1000
    assert tokens > 0 and images == 7
    usage = embeddings.usage
    assert (usage.prompt_tokens, usage.images, usage.image_tokens) == (tokens, images, image_tokens)
    assert usage.total_tokens == tokens + image_tokens
    assert (tracked.prompt_tokens, tracked.images, tracked.image_tokens) == (
        tokens,
        images,
        image_tokens,
    )
    assert served.stats()["images"] == images
