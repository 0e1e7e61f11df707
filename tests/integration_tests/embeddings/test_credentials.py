"""Key and Entra ID authentication end to end, and the scope chosen by host."""

from __future__ import annotations

import socket
import time

import pytest
from azure.core.credentials import AccessToken, AzureKeyCredential
from pydantic import SecretStr

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, EmbeddingServiceError
from langchain_azure_image_embeddings._protocols.model_inference import (
    COGNITIVE_SERVICES_SCOPE,
    ModelInference,
)
from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_text_vector

from ...conftest import EMULATOR_KEY, MODEL, png_bytes

TOKEN = "entra-token-for-tests"
SDK_DEFAULT_SCOPE = "https://ml.azure.com/.default"


class RecordingCredential:
    """A sync TokenCredential that records the scopes it is asked for."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


class RecordingAsyncCredential(RecordingCredential):
    """An async TokenCredential (azure.identity.aio style)."""

    async def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:  # type: ignore[override]
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def tls_emulator():
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, tls=True, tokens=(TOKEN,)) as emulator:
        assert emulator.endpoint.startswith("https://127.0.0.1:")
        yield emulator


def _over_tls(
    emulator: FoundryEmulator, credential: object, **extra: object
) -> AzureAIImageEmbeddings:
    return AzureAIImageEmbeddings(
        endpoint=emulator.endpoint,
        credential=credential,
        model=MODEL,
        client_kwargs={"connection_verify": emulator.ca_cert_path},
        **extra,
    )


@pytest.mark.parametrize(
    "key",
    [EMULATOR_KEY, SecretStr(EMULATOR_KEY), AzureKeyCredential(EMULATOR_KEY)],
    ids=["str", "SecretStr", "AzureKeyCredential"],
)
def test_every_key_form_authenticates(tls_emulator, key):
    embeddings = _over_tls(tls_emulator, key)
    assert embeddings.embed_query("k") == expected_text_vector("k", model=MODEL, input_type="query")
    embeddings.close()


def test_sync_token_credential_over_https_uses_the_sdk_default_scope_for_this_host(tls_emulator):
    credential = RecordingCredential()
    embeddings = _over_tls(tls_emulator, credential)
    assert embeddings.embed_query("entra") == expected_text_vector(
        "entra", model=MODEL, input_type="query"
    )
    assert embeddings.embed_image([png_bytes()])
    assert credential.scopes and set(credential.scopes) == {(SDK_DEFAULT_SCOPE,)}
    embeddings.close()


async def test_async_token_credential_over_https(tls_emulator):
    credential = RecordingAsyncCredential()
    embeddings = _over_tls(tls_emulator, credential)
    assert await embeddings.aembed_query("entra") == expected_text_vector(
        "entra", model=MODEL, input_type="query"
    )
    assert set(credential.scopes) == {(SDK_DEFAULT_SCOPE,)}


async def test_a_sync_token_credential_also_serves_the_async_methods(tls_emulator):
    credential = RecordingCredential()
    embeddings = _over_tls(tls_emulator, credential)
    assert await embeddings.aembed_documents(["a"]) == [
        expected_text_vector("a", model=MODEL, input_type="document")
    ]


def test_an_async_credential_in_sync_code_is_a_clear_error(tls_emulator):
    embeddings = _over_tls(tls_emulator, RecordingAsyncCredential())
    with pytest.raises(TypeError, match="async"):
        embeddings.embed_query("x")


def test_explicit_scopes_win(tls_emulator):
    credential = RecordingCredential()
    embeddings = _over_tls(tls_emulator, credential, credential_scopes=["api://custom/.default"])
    embeddings.embed_query("x")
    assert set(credential.scopes) == {("api://custom/.default",)}


def test_a_wrong_token_is_a_401(tls_emulator):
    embeddings = _over_tls(tls_emulator, RecordingCredential(token="not-accepted"))
    with pytest.raises(EmbeddingServiceError) as raised:
        embeddings.embed_query("x")
    assert raised.value.status_code == 401
    assert "not-accepted" not in str(raised.value)


def test_a_token_over_plain_http_is_refused_with_a_clear_error(shared_emulator):
    embeddings = AzureAIImageEmbeddings(
        endpoint=shared_emulator.endpoint, credential=RecordingCredential(), model=MODEL
    )
    with pytest.raises(EmbeddingServiceError, match="https|TLS"):
        embeddings.embed_query("x")


@pytest.mark.parametrize(
    ("endpoint", "scopes"),
    [
        ("https://res.services.ai.azure.com/models", [COGNITIVE_SERVICES_SCOPE]),
        ("https://RES.cognitiveservices.azure.com/models", [COGNITIVE_SERVICES_SCOPE]),
        ("https://name.westus.models.ai.azure.com", None),
        ("https://host.inference.ai.azure.com", None),
        ("http://127.0.0.1:1234/models", None),
    ],
)
def test_default_scopes_by_host(endpoint, scopes):
    assert ModelInference().default_scopes(endpoint) == scopes


def test_an_untrusted_certificate_fails_at_once_with_a_hint(tls_emulator):
    embeddings = AzureAIImageEmbeddings(
        endpoint=tls_emulator.endpoint, credential=EMULATOR_KEY, model=MODEL
    )
    with pytest.raises(EmbeddingServiceError, match="connection_verify") as raised:
        embeddings.embed_query("x")
    assert raised.value.attempts == 1


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_foundry_host_requests_the_cognitive_services_scope_end_to_end(tls_emulator, monkeypatch):
    """A *.services.ai.azure.com name resolved to the emulator on 127.0.0.1.

    Nothing leaves loopback: the name is resolved by a patched getaddrinfo.
    """
    host = "testresource.services.ai.azure.com"
    port = int(tls_emulator.endpoint.rsplit(":", 1)[1].split("/")[0])
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(name, *args, **kwargs):
        if name == host:
            return real_getaddrinfo("127.0.0.1", *args, **kwargs)
        return real_getaddrinfo(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    credential = RecordingCredential()
    embeddings = AzureAIImageEmbeddings(
        endpoint=f"https://{host}:{port}/models",
        credential=credential,
        model=MODEL,
        client_kwargs={"connection_verify": False},
    )
    assert embeddings.embed_query("scoped") == expected_text_vector(
        "scoped", model=MODEL, input_type="query"
    )
    assert set(credential.scopes) == {(COGNITIVE_SERVICES_SCOPE,)}
