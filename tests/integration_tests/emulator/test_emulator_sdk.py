"""The real azure-ai-inference SDK against the emulator, sync and async, key and Entra token."""

from __future__ import annotations

import time

import pytest
from azure.ai.inference import EmbeddingsClient, ImageEmbeddingsClient
from azure.ai.inference.aio import EmbeddingsClient as AsyncEmbeddingsClient
from azure.ai.inference.aio import ImageEmbeddingsClient as AsyncImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AccessToken, AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError

from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import jpeg_bytes, png_bytes
from .conftest import API_VERSION, KEY, V3, V4, data_url

SCOPE = "https://cognitiveservices.azure.com/.default"
TOKEN = "entra-token-for-tests"


class StaticToken:
    """A TokenCredential that hands out one token and records the scopes it was asked for."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


class AsyncStaticToken(StaticToken):
    async def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:  # type: ignore[override]
        return super().get_token(*scopes, **kwargs)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncStaticToken:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


def test_sync_image_client_with_key(emu: FoundryEmulator):
    png, jpeg = png_bytes(), jpeg_bytes()
    with ImageEmbeddingsClient(
        emu.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION, model=V3
    ) as client:
        only = client.embed(input=[ImageEmbeddingInput(image=data_url(png))])
        pair = client.embed(
            input=[ImageEmbeddingInput(image=data_url(jpeg, "image/jpeg"), text="a gradient")]
        )
        query = client.embed(input=[ImageEmbeddingInput(image=data_url(png))], input_type="query")
        extras = client.embed(
            input=[ImageEmbeddingInput(image=data_url(png))], model_extras={"truncate": "END"}
        )
        info = client.get_model_info()
    assert only.data[0].embedding == expected_image_vector(png, model=V3)
    assert pair.data[0].embedding == expected_image_vector(jpeg, model=V3, text="a gradient")
    assert query.data[0].embedding == expected_image_vector(png, model=V3, input_type="query")
    assert extras.data[0].embedding == only.data[0].embedding
    assert only.model == V3
    assert only.usage.prompt_tokens == only.usage.total_tokens == 1000
    assert pair.usage.prompt_tokens == 1002
    assert only.as_dict()["object"] == "list"
    assert info.model_name == "Cohere Embed v3 - English"  # the service's display name
    assert info.model_type == "embedding"
    assert info.model_provider_name == "Cohere"
    received = emu.received_images
    assert [r["sniffed_format"] for r in received] == ["png", "jpeg", "png", "png"]
    assert received[1]["text"] == "a gradient"
    assert received[1]["declared_mime"] == "image/jpeg"
    assert emu.stats()["images"] == 4


def test_sync_dimensions_and_text_client(v4_emu: FoundryEmulator):
    png = png_bytes()
    with ImageEmbeddingsClient(
        v4_emu.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
    ) as client:
        result = client.embed(
            input=[ImageEmbeddingInput(image=data_url(png))] * 3,
            dimensions=256,
            input_type="document",
            model=V4,
        )
    assert [item.index for item in result.data] == [0, 1, 2]
    expected = expected_image_vector(png, model=V4, input_type="document", dimensions=256)
    assert all(item.embedding == expected for item in result.data)
    assert result.usage.prompt_tokens == 3000
    with EmbeddingsClient(
        v4_emu.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION, model=V4
    ) as texts:
        answer = texts.embed(input=["a red kite", "two words"], dimensions=512, input_type="query")
        info = texts.get_model_info()
    assert answer.data[1].embedding == expected_text_vector(
        "two words", model=V4, input_type="query", dimensions=512
    )
    assert answer.usage.prompt_tokens == 5
    assert info.model_name == "Cohere Embed v4"
    assert v4_emu.stats()["texts"] == 2


async def test_async_clients_with_key(emu: FoundryEmulator):
    png = png_bytes()
    async with AsyncImageEmbeddingsClient(
        emu.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION, model=V3
    ) as client:
        only = await client.embed(input=[ImageEmbeddingInput(image=data_url(png))])
        pair = await client.embed(
            input=[ImageEmbeddingInput(image=data_url(png), text="red")],
            input_type="query",
            dimensions=1024,
        )
        extras = await client.embed(
            input=[ImageEmbeddingInput(image=data_url(png))], model_extras={"truncate": "END"}
        )
        info = await client.get_model_info()
    async with AsyncEmbeddingsClient(
        emu.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
    ) as texts:
        answer = await texts.embed(input=["hello", "world"], input_type="document")
    assert only.data[0].embedding == expected_image_vector(png, model=V3)
    assert pair.data[0].embedding == expected_image_vector(
        png, model=V3, input_type="query", text="red"
    )
    assert extras.data[0].embedding == only.data[0].embedding
    assert info.model_name == "Cohere Embed v3 - English"
    assert answer.data[0].embedding == expected_text_vector(
        "hello", model=V3, input_type="document"
    )
    assert emu.stats()["requests"] == {
        "/images/embeddings": 3,
        "/embeddings": 1,
        "/info": 1,
        "/v2/embed": 0,
    }


@pytest.fixture
def tls_emu():
    with FoundryEmulator(model=V3, key=KEY, tls=True, tokens=(TOKEN,)) as emulator:
        yield emulator


def test_token_credential_over_https_sync(tls_emu: FoundryEmulator):
    assert tls_emu.endpoint.startswith("https://127.0.0.1:")
    credential = StaticToken(TOKEN)
    png = png_bytes()
    with ImageEmbeddingsClient(
        tls_emu.endpoint,
        credential,
        api_version=API_VERSION,
        credential_scopes=[SCOPE],
        connection_verify=tls_emu.ca_cert_path,
    ) as client:
        result = client.embed(input=[ImageEmbeddingInput(image=data_url(png))], model=V3)
    with EmbeddingsClient(
        tls_emu.endpoint,
        credential,
        api_version=API_VERSION,
        credential_scopes=[SCOPE],
        connection_verify=tls_emu.ca_cert_path,
    ) as texts:
        answer = texts.embed(input=["over https"])
    assert result.data[0].embedding == expected_image_vector(png, model=V3)
    assert answer.data[0].embedding == expected_text_vector("over https", model=V3)
    assert credential.scopes[0] == (SCOPE,)
    wrong = StaticToken("some-other-token")
    with (
        ImageEmbeddingsClient(
            tls_emu.endpoint,
            wrong,
            api_version=API_VERSION,
            connection_verify=tls_emu.ca_cert_path,
        ) as client,
        pytest.raises(ClientAuthenticationError) as caught,
    ):
        client.embed(input=[ImageEmbeddingInput(image=data_url(png))])
    assert caught.value.status_code == 401


async def test_token_credential_over_https_async(tls_emu: FoundryEmulator):
    png = png_bytes()
    async with (
        AsyncStaticToken(TOKEN) as credential,
        AsyncImageEmbeddingsClient(
            tls_emu.endpoint,
            credential,
            api_version=API_VERSION,
            credential_scopes=[SCOPE],
            connection_verify=tls_emu.ca_cert_path,
        ) as client,
    ):
        result = await client.embed(
            input=[ImageEmbeddingInput(image=data_url(png))], input_type="document"
        )
        info = await client.get_model_info()
    assert result.data[0].embedding == expected_image_vector(png, model=V3, input_type="document")
    assert info.model_name == "Cohere Embed v3 - English"
    assert credential.scopes == [(SCOPE,)]


def test_https_is_refused_without_trusting_the_ca(tls_emu: FoundryEmulator):
    from azure.core.exceptions import ServiceRequestError

    with (
        ImageEmbeddingsClient(tls_emu.endpoint, AzureKeyCredential(KEY)) as client,
        pytest.raises(ServiceRequestError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.embed(input=[ImageEmbeddingInput(image=data_url(png_bytes()))], retry_total=0)


def test_faults_over_https(tls_emu: FoundryEmulator):
    from azure.core.exceptions import ServiceResponseError, ServiceResponseTimeoutError

    tls_emu.enqueue("reset", "stall")
    with EmbeddingsClient(
        tls_emu.endpoint,
        AzureKeyCredential(KEY),
        api_version=API_VERSION,
        connection_verify=tls_emu.ca_cert_path,
    ) as client:
        with pytest.raises(ServiceResponseError):
            client.embed(input=["x"])
        with pytest.raises(ServiceResponseTimeoutError):
            client.embed(input=["x"], read_timeout=0.3)
        assert client.embed(input=["x"]).data[0].embedding == expected_text_vector("x", model=V3)
    assert tls_emu.stats()["faults_injected"] == {"reset": 1, "stall": 1}
