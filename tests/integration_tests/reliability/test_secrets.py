"""The key and bearer tokens appear in no log, exception, repr or dumps; no image payload is logged.

Every logger at DEBUG (the root logger with a capturing handler, so the SDK, urllib3, aiohttp,
asyncio and the emulator are all captured) and the SDK's network tracing switched on with
``client_kwargs={"logging_enable": True}``, over the emulator's TLS mode so that a
``TokenCredential`` may send its bearer token.
"""

from __future__ import annotations

import base64
import logging
import pickle
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AzureKeyCredential
from langchain_core.load import dumps

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import MODEL, jpeg_bytes

KEY = "key-SECRET-1b7e4d"
TOKEN = "token-SECRET-9f3a2c"
WRONG_KEY = "wrong-key-SECRET-55aa"
IMAGE = jpeg_bytes((24, 16), seed=3)
PAYLOAD = base64.b64encode(IMAGE).decode()


class Token:
    """A TokenCredential; the token lives in an attribute, as in real credentials."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)


class AsyncToken(Token):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    root = logging.getLogger()
    handler = Capture()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=MODEL, key=KEY, tls=True, tokens=(TOKEN,)) as emulator:
        yield emulator


def _embeddings(emulator: FoundryEmulator, credential: Any) -> AzureAIImageEmbeddings:
    return AzureAIImageEmbeddings(
        endpoint=emulator.endpoint,
        credential=credential,
        model=MODEL,
        max_retries=1,
        retry_backoff=0.01,
        client_kwargs={"logging_enable": True, "connection_verify": emulator.ca_cert_path},
    )


def _texts_of(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


def _assert_clean(text: str) -> None:
    for secret in (KEY, TOKEN, WRONG_KEY):
        assert secret not in text
    assert PAYLOAD[:64] not in text


async def _exercise(embeddings: AzureAIImageEmbeddings, emulator: FoundryEmulator, mode: str):
    """A successful call, then a call that fails (500 after the retry); return the error."""
    if mode == "sync":
        assert len(embeddings.embed_images([IMAGE])[0]) == 1024
        emulator.enqueue("500", "500")
        with pytest.raises(EmbeddingServiceError) as caught:
            embeddings.embed_images([IMAGE])
    else:
        async with embeddings:
            assert len((await embeddings.aembed_images([IMAGE]))[0]) == 1024
            emulator.enqueue("500", "500")
            with pytest.raises(EmbeddingServiceError) as caught:
                await embeddings.aembed_images([IMAGE])
    embeddings.close()
    return caught.value


CREDENTIALS = {
    "key": lambda mode: KEY,
    "azure-key-credential": lambda mode: AzureKeyCredential(KEY),
    "token": lambda mode: Token(TOKEN) if mode == "sync" else AsyncToken(TOKEN),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("credential", sorted(CREDENTIALS))
async def test_no_secret_or_payload_in_logs_errors_repr_or_dumps(
    tls_emulator, captured, credential, mode
):
    embeddings = _embeddings(tls_emulator, CREDENTIALS[credential](mode))
    error = await _exercise(embeddings, tls_emulator, mode)
    logs = "\n".join(captured.lines)
    # The tracing really ran: headers were logged, with the secrets replaced.
    assert "langchain_azure_image_embeddings.http DEBUG Request POST" in logs
    assert "'Authorization': 'REDACTED'" in logs
    assert "body=<" in logs
    _assert_clean(logs)
    assert error.status_code == 500
    _assert_clean(_texts_of(error))
    for shown in (
        repr(embeddings),
        str(embeddings),
        dumps(embeddings),
        dumps(embeddings, pretty=True),
    ):
        _assert_clean(shown)


def test_a_wrong_key_is_refused_without_being_shown(tls_emulator, captured):
    embeddings = _embeddings(tls_emulator, WRONG_KEY)
    with pytest.raises(EmbeddingServiceError) as caught:
        embeddings.embed_images([IMAGE])
    assert caught.value.status_code == 401
    _assert_clean(_texts_of(caught.value))
    _assert_clean("\n".join(captured.lines))


def test_a_pickle_carries_the_key_so_a_worker_can_use_it(tls_emulator):
    embeddings = _embeddings(tls_emulator, KEY)
    embeddings.embed_images([IMAGE])
    payload = pickle.dumps(embeddings)
    assert KEY.encode() in payload  # documented: treat pickles as secrets
    copy = pickle.loads(payload)
    assert copy.credential.get_secret_value() == KEY
    assert copy.embed_images([IMAGE]) == embeddings.embed_images([IMAGE])
    _assert_clean(repr(copy))
