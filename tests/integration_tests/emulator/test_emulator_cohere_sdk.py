"""The official `cohere` SDK (ClientV2, AsyncClientV2) against the emulator's Cohere routes.

Both forms of the route (a Foundry resource's `/providers/cohere`, a serverless endpoint's root),
texts, images and fused `inputs`, every `embedding_types` value, the SDK's error classes, and
the same vectors as the `/models` routes for the same inputs.
"""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import Callable, Iterator

import cohere
import pytest
from azure.ai.inference import EmbeddingsClient, ImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AzureKeyCredential
from cohere.core.api_error import ApiError as CohereApiError
from PIL import Image

from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_cohere_vector

from ...conftest import jpeg_bytes, png_bytes
from .conftest import API_VERSION, KEY, V3, V4, data_url

EMBEDDING_TYPES = ("float", "int8", "uint8", "binary", "ubinary", "base64")
NO_RETRY = {"max_retries": 0}


@pytest.fixture(scope="module", params=[V3, V4])
def served(request: pytest.FixtureRequest) -> Iterator[FoundryEmulator]:
    """One emulator per profile, for tests that only read vectors."""
    with FoundryEmulator(model=request.param, key=KEY) as emulator:
        yield emulator


@pytest.fixture
def client() -> Iterator[Callable[..., cohere.ClientV2]]:
    """Make `cohere.ClientV2`s for a base URL; each is closed after the test."""
    opened: list[cohere.ClientV2] = []

    def make(base_url: str, key: str = KEY) -> cohere.ClientV2:
        sdk = cohere.ClientV2(api_key=key, base_url=base_url, timeout=10)
        opened.append(sdk)
        return sdk

    yield make
    for sdk in opened:
        sdk.__exit__(None, None, None)


def bases(emulator: FoundryEmulator) -> list[str]:
    """The Foundry form and the serverless form of the same endpoint."""
    return [emulator.cohere_endpoint, emulator.cohere_endpoint.removesuffix("/providers/cohere")]


def rgba_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 10), (10, 200, 30, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_cohere_endpoint_is_beside_the_models_endpoint(served: FoundryEmulator):
    assert served.endpoint.endswith("/models")
    assert served.cohere_endpoint == served.endpoint[: -len("/models")] + "/providers/cohere"


def test_texts_on_both_route_forms(client, served: FoundryEmulator):
    model = served.model
    texts = ["a red bicycle", "Ünïcode, punctuation!"]
    for base in bases(served):
        answer = client(base).embed(
            model=model, input_type="search_query", texts=texts, embedding_types=["float"]
        )
        assert answer.embeddings.float_ == [
            expected_cohere_vector(model=model, input_type="search_query", text=text)
            for text in texts
        ]
        assert answer.texts == texts
        assert answer.images is None
        assert answer.embeddings.int8 is None  # only the requested types
        assert answer.meta is not None and answer.meta.api_version is not None
        assert answer.meta.api_version.version == "2"
        assert answer.meta.billed_units is not None
        assert answer.meta.billed_units.input_tokens == 3 + 4  # words and punctuation marks
        assert answer.meta.billed_units.images is None
        assert answer.response_type == "embeddings_by_type"
    assert served.stats()["requests"]["/v2/embed"] >= 2


def test_images_with_their_metadata(client, served: FoundryEmulator):
    model = served.model
    jpeg = jpeg_bytes((64, 48))
    answer = client(served.cohere_endpoint).embed(
        model=model,
        input_type="image",
        images=[data_url(jpeg, "image/jpeg")],
        embedding_types=["float"],
    )
    assert answer.embeddings.float_ == [
        expected_cohere_vector(model=model, input_type="image", image=jpeg)
    ]
    assert answer.texts == []
    assert answer.images is not None
    image = answer.images[0]
    assert (image.width, image.height, image.format, image.bit_depth) == (64, 48, "jpeg", 24)
    assert answer.meta is not None and answer.meta.billed_units is not None
    assert answer.meta.billed_units.images == 1
    assert answer.meta.billed_units.image_tokens == 1000
    assert answer.meta.billed_units.input_tokens is None


def test_bit_depth_follows_the_stored_mode(client, served: FoundryEmulator):
    answer = client(served.cohere_endpoint).embed(
        model=served.model,
        input_type="image",
        images=[data_url(rgba_png())],
        embedding_types=["float"],
    )
    assert answer.images is not None
    assert (answer.images[0].format, answer.images[0].bit_depth) == ("png", 32)


def test_fused_inputs_give_pair_image_and_text_vectors(client, served: FoundryEmulator):
    model = served.model
    png = png_bytes()
    url = data_url(png)
    pair = cohere.EmbedInput(
        content=[
            cohere.TextEmbedContent(text="a red"),
            cohere.ImageUrlEmbedContent(image_url=cohere.EmbedImageUrl(url=url)),
            cohere.TextEmbedContent(text="square"),
        ]
    )
    image_only = cohere.EmbedInput(
        content=[cohere.ImageUrlEmbedContent(image_url=cohere.EmbedImageUrl(url=url))]
    )
    text_only = cohere.EmbedInput(content=[cohere.TextEmbedContent(text="just words")])
    sdk = client(served.cohere_endpoint)
    answers = [
        sdk.embed(
            model=model, input_type="search_document", inputs=[item], embedding_types=["float"]
        )
        for item in (pair, image_only)  # one image per request: the v3 limit
    ]
    answers.append(
        sdk.embed(
            model=model, input_type="search_document", inputs=[text_only], embedding_types=["float"]
        )
    )
    expected = [
        expected_cohere_vector(
            model=model, input_type="search_document", image=png, text="a red square"
        ),
        expected_cohere_vector(model=model, input_type="search_document", image=png),
        expected_cohere_vector(model=model, input_type="search_document", text="just words"),
    ]
    assert [answer.embeddings.float_ for answer in answers] == [[vector] for vector in expected]
    assert [answer.texts for answer in answers] == [["a red square"], [], ["just words"]]
    billed = [answer.meta.billed_units for answer in answers if answer.meta]
    assert [(units.input_tokens, units.images) for units in billed if units] == [
        (3, 1),
        (None, 1),
        (2, None),
    ]


@pytest.mark.parametrize("kind", EMBEDDING_TYPES)
def test_every_embedding_type_parses_and_matches_the_float_vector(
    client, served: FoundryEmulator, kind: str
):
    model = served.model
    texts = ["first text", "second text"]
    answer = client(served.cohere_endpoint).embed(
        model=model, input_type="classification", texts=texts, embedding_types=[kind, "float"]
    )
    floats = answer.embeddings.float_
    assert floats == [
        expected_cohere_vector(model=model, input_type="classification", text=text)
        for text in texts
    ]
    values = getattr(answer.embeddings, "float_" if kind == "float" else kind)
    assert len(values) == len(texts)
    dims = served.profile.dimensions
    for value, vector in zip(values, floats, strict=True):
        if kind == "base64":
            assert base64.b64decode(value) == struct.pack(f"<{dims}f", *vector)
        elif kind in ("binary", "ubinary"):
            low, high = (-128, 127) if kind == "binary" else (0, 255)
            assert len(value) == dims // 8
            assert all(low <= byte <= high for byte in value)
            unsigned = [byte + 128 if kind == "binary" else byte for byte in value]
            bits = [(byte >> (7 - shift)) & 1 for byte in unsigned for shift in range(8)]
            assert bits == [1 if v > 0 else 0 for v in vector]
        elif kind in ("int8", "uint8"):
            assert len(value) == dims
            offset = 0 if kind == "int8" else 128
            assert all(-128 <= v - offset <= 127 for v in value)
            peak = max(abs(v) for v in vector)
            assert [v - offset for v in value] == [round(v * 127 / peak) for v in vector]
        else:
            assert value == vector


def test_output_dimension_on_v4(client, served: FoundryEmulator):
    if served.profile.generation < 4:
        pytest.skip("output_dimension is an Embed v4 parameter")
    for dims in (256, 512, 1024, 1536):
        answer = client(served.cohere_endpoint).embed(
            model=served.model,
            input_type="search_query",
            texts=["short"],
            output_dimension=dims,
            embedding_types=["float", "ubinary"],
        )
        assert answer.embeddings.float_ == [
            expected_cohere_vector(
                model=served.model, input_type="search_query", text="short", output_dimension=dims
            )
        ]
        assert answer.embeddings.ubinary is not None
        assert len(answer.embeddings.ubinary[0]) == dims // 8


def test_v4_reads_input_type_image_as_search_document(client):
    png = png_bytes()
    with FoundryEmulator(model=V4, key=KEY) as emulator:
        sdk = client(emulator.cohere_endpoint)
        as_image, as_document = (
            sdk.embed(
                model=V4, input_type=input_type, images=[data_url(png)], embedding_types=["float"]
            ).embeddings.float_
            for input_type in ("image", "search_document")
        )
        several = sdk.embed(
            model=V4,
            input_type="search_query",
            images=[data_url(png), data_url(jpeg_bytes())],
            embedding_types=["float"],
        )
    assert as_image == as_document
    assert several.embeddings.float_ == [
        expected_cohere_vector(model=V4, input_type="search_query", image=image)
        for image in (png, jpeg_bytes())
    ]


@pytest.mark.parametrize("model", [V3, V4])
def test_same_vectors_through_both_protocols(client, model: str):
    """An index built through /models is searched through Cohere's route, and back."""
    png = png_bytes((40, 30), (10, 120, 200))
    with FoundryEmulator(model=model, key=KEY) as emulator:
        credential = AzureKeyCredential(KEY)
        with (
            EmbeddingsClient(emulator.endpoint, credential, api_version=API_VERSION) as texts,
            ImageEmbeddingsClient(emulator.endpoint, credential, api_version=API_VERSION) as images,
        ):
            azure_text = texts.embed(input=["a blue square"], input_type="document")
            azure_query = texts.embed(input=["a blue square"], input_type="query")
            azure_plain = texts.embed(input=["a blue square"])
            azure_image = images.embed(
                input=[ImageEmbeddingInput(image=data_url(png))], input_type="document"
            )
            azure_pair = images.embed(
                input=[ImageEmbeddingInput(image=data_url(png), text="blue")], input_type="query"
            )
        sdk = client(emulator.cohere_endpoint)

        def cohere_float(input_type: str, **inputs: object) -> list[float]:
            answer = sdk.embed(
                model=model, input_type=input_type, embedding_types=["float"], **inputs
            )
            assert answer.embeddings.float_ is not None
            return answer.embeddings.float_[0]

        url = data_url(png)
        fused = cohere.EmbedInput(
            content=[
                cohere.ImageUrlEmbedContent(image_url=cohere.EmbedImageUrl(url=url)),
                cohere.TextEmbedContent(text="blue"),
            ]
        )
        assert azure_text.data[0].embedding == cohere_float(
            "search_document", texts=["a blue square"]
        )
        assert azure_query.data[0].embedding == cohere_float(
            "search_query", texts=["a blue square"]
        )
        for untyped in ("classification", "clustering"):
            assert azure_plain.data[0].embedding == cohere_float(untyped, texts=["a blue square"])
        assert azure_image.data[0].embedding == cohere_float("image", images=[url])
        image_only = cohere.EmbedInput(
            content=[cohere.ImageUrlEmbedContent(image_url=cohere.EmbedImageUrl(url=url))]
        )
        assert azure_image.data[0].embedding == cohere_float("search_document", inputs=[image_only])
        assert azure_pair.data[0].embedding == cohere_float("search_query", inputs=[fused])
        requests = emulator.stats()["requests"]
    assert requests == {"/images/embeddings": 2, "/embeddings": 3, "/info": 0, "/v2/embed": 7}


async def test_async_client_on_the_serverless_route():
    png = png_bytes()
    with FoundryEmulator(model=V4, key=KEY) as emulator:
        serverless = emulator.cohere_endpoint.removesuffix("/providers/cohere")
        async with cohere.AsyncClientV2(api_key=KEY, base_url=serverless) as sdk:
            answer = await sdk.embed(
                model=V4,
                input_type="search_document",
                inputs=[
                    cohere.EmbedInput(
                        content=[
                            cohere.TextEmbedContent(text="caption"),
                            cohere.ImageUrlEmbedContent(
                                image_url=cohere.EmbedImageUrl(url=data_url(png))
                            ),
                        ]
                    ),
                    cohere.EmbedInput(content=[cohere.TextEmbedContent(text="text alone")]),
                ],
                output_dimension=512,
                embedding_types=["float", "int8"],
            )
            with pytest.raises(cohere.BadRequestError):
                await sdk.embed(
                    model=V4, input_type="search_query", texts=[], embedding_types=["float"]
                )
        stats = emulator.stats()
    assert answer.embeddings.float_ == [
        expected_cohere_vector(
            model=V4, input_type="search_document", image=png, text="caption", output_dimension=512
        ),
        expected_cohere_vector(
            model=V4, input_type="search_document", text="text alone", output_dimension=512
        ),
    ]
    assert answer.embeddings.int8 is not None and len(answer.embeddings.int8[1]) == 512
    assert (stats["images"], stats["texts"]) == (1, 1)
    assert stats["requests"]["/v2/embed"] == 2
    assert stats["status_counts"] == {"200": 1, "400": 1}


def test_sdk_error_classes_and_cohere_bodies(client):
    with FoundryEmulator(model=V3, key=KEY) as emulator:
        sdk = client(emulator.cohere_endpoint)
        with pytest.raises(cohere.BadRequestError) as bad:
            sdk.embed(
                model=V3,
                input_type="search_query",
                images=[data_url(png_bytes())],
                embedding_types=["float"],
            )
        with pytest.raises(cohere.UnauthorizedError) as unauthorized:
            client(emulator.cohere_endpoint, key="wrong-key").embed(
                model=V3, input_type="search_query", texts=["x"], embedding_types=["float"]
            )
        with pytest.raises(cohere.NotFoundError) as not_found:
            sdk.embed(
                model="embed-v-4-0",
                input_type="search_query",
                texts=["x"],
                embedding_types=["float"],
            )
        emulator.enqueue("429")
        with pytest.raises(cohere.TooManyRequestsError) as limited:
            sdk.embed(
                model=V3,
                input_type="search_query",
                texts=["x"],
                embedding_types=["float"],
                request_options=NO_RETRY,
            )
        emulator.enqueue("503")
        with pytest.raises(cohere.ServiceUnavailableError) as unavailable:
            sdk.embed(
                model=V3,
                input_type="search_query",
                texts=["x"],
                embedding_types=["float"],
                request_options=NO_RETRY,
            )
        emulator.enqueue("502")
        with pytest.raises(CohereApiError) as bad_gateway:
            sdk.embed(
                model=V3,
                input_type="search_query",
                texts=["x"],
                embedding_types=["float"],
                request_options=NO_RETRY,
            )
    assert bad.value.body["message"] == "invalid request: images must be used with input_type=image"
    assert unauthorized.value.body["message"] == "invalid api token"
    assert not_found.value.body["message"] == (
        "model 'embed-v-4-0' not found, make sure the correct model ID was used and that you "
        "have access to the model."
    )
    assert limited.value.body["message"] == (
        "You are past the per minute request limit, please wait and try again later."
    )
    assert limited.value.headers is not None and limited.value.headers["retry-after"] == "1"
    assert unavailable.value.status_code == 503
    assert bad_gateway.value.status_code == 502
    for caught in (bad, unauthorized, not_found, limited, unavailable, bad_gateway):
        body = caught.value.body
        assert isinstance(body, dict) and set(body) == {"id", "message"}
        assert caught.value.headers is not None
        assert "x-ms-error-code" not in caught.value.headers
