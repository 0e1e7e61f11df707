"""The transport seam: the only module that imports ``azure.ai.inference``.

It builds the clients (sync on ``requests``, async on ``aiohttp``): the SDK's
``ImageEmbeddingsClient`` for the model-inference protocol, an azure-core
``PipelineClient`` for Cohere's route (the same transports and policies, no
new dependency). Their own retries are switched off (retries are decided in :mod:`.exchange`),
bounded timeouts, connection pools sized to the concurrency and a network
trace that never logs secrets or image payloads, and it sends requests through
the SDK pipeline with ``send_request``, returning plain
:class:`~langchain_azure_image_embeddings._transport.outcomes.HttpOutcome` values.

Responses are requested with ``stream=True`` and read whole with ``read()``:
without it, azure-core's ``ContentDecodePolicy`` JSON-decodes every body
(result unused) before :func:`.wire.parse_embeddings` reads it again, which
doubled the cost of a float response (see ``docs/performance.md``).

Microsoft retired ``azure-ai-inference`` and the ``/models`` API on
2026-08-26; the Cohere route needs neither.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import (
    AsyncBearerTokenCredentialPolicy,
    AsyncRetryPolicy,
    BearerTokenCredentialPolicy,
    HeadersPolicy,
    RetryPolicy,
    SansIOHTTPPolicy,
    UserAgentPolicy,
)
from azure.core.rest import HttpRequest

from langchain_azure_image_embeddings._protocols import ApiName
from langchain_azure_image_embeddings._protocols.wire import EmbeddingsBody
from langchain_azure_image_embeddings._transport.outcomes import FailureKind, HttpOutcome
from langchain_azure_image_embeddings._version import __version__

__all__ = ["AsyncTransport", "SyncTransport", "TransportSettings"]

_trace_logger = logging.getLogger("langchain_azure_image_embeddings.http")
_SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "ocp-apim-subscription-key", "x-ms-authorization-auxiliary"}
)
_MAX_DETAIL_CHARS = 300
# Options that configure the HTTP transport itself rather than the SDK client.
_READ_BLOCK_BYTES = 64 * 1024
_TRANSPORT_OPTIONS = frozenset(
    {"connection_verify", "connection_cert", "connection_data_block_size", "proxies"}
)


@dataclass(frozen=True)
class TransportSettings:
    """How to reach the endpoint.

    Attributes:
        endpoint: The base URL, e.g. ``https://<resource>.services.ai.azure.com/models``
            or ``https://<resource>.services.ai.azure.com/providers/cohere``.
        api_version: The model-inference API version (the SDK client's setting).
        pool_size: Connections kept per client (the concurrency bound).
        connect_timeout: Seconds to establish a connection.
        read_timeout: Seconds to wait for data of an answer.
        credential_scopes: Entra ID scopes, or ``None`` for the SDK default.
        client_kwargs: Extra keyword arguments for the SDK client.
    """

    endpoint: str
    api_version: str
    pool_size: int
    connect_timeout: float
    read_timeout: float
    credential_scopes: list[str] | None = None
    client_kwargs: Mapping[str, Any] = field(default_factory=dict)
    api: ApiName = "model-inference"
    query_params: Mapping[str, str] = field(default_factory=dict)

    def client_options(self) -> dict[str, Any]:
        """Return the keyword arguments shared by the sync and async SDK clients."""
        options: dict[str, Any] = {
            "api_version": self.api_version,
            "user_agent": f"langchain-azure-image-embeddings/{__version__}",
        }
        if self.credential_scopes is not None:
            options["credential_scopes"] = list(self.credential_scopes)
        options.update(
            (name, value)
            for name, value in self.client_kwargs.items()
            if name not in _TRANSPORT_OPTIONS
        )
        options["logging_policy"] = RedactedNetworkTrace(
            logging_enable=bool(options.pop("logging_enable", False))
        )
        return options

    def timeouts(self, deadline: float | None) -> dict[str, float]:
        """Per-attempt timeouts shortened to what is left before ``deadline``."""
        if deadline is None:
            return {}
        left = max(0.001, deadline - time.monotonic())
        return {
            "connection_timeout": min(self.connect_timeout, left),
            "read_timeout": min(self.read_timeout, left),
        }

    def transport_options(self) -> dict[str, Any]:
        """Return the keyword arguments of the HTTP transport (timeouts, TLS, proxies)."""
        options: dict[str, Any] = {
            "connection_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            # Responses are read in blocks of this size; azure-core's 4 KiB default means
            # ~530 Python-level reads for a 96-vector float response (35% of its cost).
            "connection_data_block_size": _READ_BLOCK_BYTES,
        }
        options.update(
            (name, value)
            for name, value in self.client_kwargs.items()
            if name in _TRANSPORT_OPTIONS
        )
        return options


class RedactedNetworkTrace(SansIOHTTPPolicy[Any, Any]):
    """Network tracing (``logging_enable=True``) that hides secrets and payloads.

    It replaces azure-core's ``NetworkTraceLoggingPolicy``, which logs the key
    and whole base64 images at DEBUG level.
    """

    def __init__(self, logging_enable: bool = False):
        self._enabled = logging_enable

    def on_request(self, request: PipelineRequest[Any]) -> None:
        enabled = bool(request.context.options.pop("logging_enable", self._enabled))
        request.context["logging_enable"] = enabled
        if enabled and _trace_logger.isEnabledFor(logging.DEBUG):
            http_request = request.http_request
            _trace_logger.debug(
                "Request %s %s headers=%s body=<%d bytes>",
                http_request.method,
                http_request.url,
                _redacted(http_request.headers),
                len(http_request.content or b""),
            )

    def on_response(
        self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]
    ) -> None:
        if request.context.get("logging_enable") and _trace_logger.isEnabledFor(logging.DEBUG):
            http_response = response.http_response
            _trace_logger.debug(
                "Response %s headers=%s",
                http_response.status_code,
                _redacted(http_response.headers),
            )


def _redacted(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: ("REDACTED" if name.lower() in _SECRET_HEADERS else value)
        for name, value in headers.items()
    }


class KeyHeaders(SansIOHTTPPolicy[Any, Any]):
    """Sends a key as ``api-key`` and as ``Authorization: Bearer`` (Cohere's route).

    Foundry resources read ``api-key``; serverless endpoints want the bearer
    form. The key is read at each request, so ``AzureKeyCredential.update``
    rotates it.
    """

    def __init__(self, credential: AzureKeyCredential):
        self._credential = credential

    def on_request(self, request: PipelineRequest[Any]) -> None:
        key = self._credential.key
        request.http_request.headers["api-key"] = key
        request.http_request.headers["Authorization"] = f"Bearer {key}"


def _http_request(request: EmbeddingsBody, settings: TransportSettings) -> HttpRequest:
    return HttpRequest(
        "POST",
        settings.endpoint.rstrip("/") + request.path,
        params=dict(settings.query_params),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **request.headers,
        },
        content=request.content,
    )


def _pipeline_policies(settings: TransportSettings, auth: Any) -> list[Any]:
    """The policies of a Cohere-route client, in the order the SDK clients use."""
    options = settings.client_options()
    return [
        HeadersPolicy(**options),
        UserAgentPolicy(**options),
        auth,
        options["logging_policy"],
    ]


def _sync_auth(settings: TransportSettings, credential: Any) -> Any:
    if isinstance(credential, AzureKeyCredential):
        return KeyHeaders(credential)
    return BearerTokenCredentialPolicy(credential, *(settings.credential_scopes or []))


def _async_auth(settings: TransportSettings, credential: Any) -> Any:
    if isinstance(credential, AzureKeyCredential):
        return KeyHeaders(credential)
    return AsyncBearerTokenCredentialPolicy(credential, *(settings.credential_scopes or []))


def _answer(status: int, headers: Mapping[str, str], body: bytes) -> HttpOutcome:
    return HttpOutcome(status, {name.lower(): value for name, value in headers.items()}, body)


def _refused(error: ValueError) -> HttpOutcome:
    """A request the HTTP library would not send: a configuration error, never retried."""
    return HttpOutcome(
        None,
        failure="configuration",
        detail=f"the HTTP library refused the request ({type(error).__name__}); a header "
        "value (the key, or client_kwargs headers) holds a character HTTP cannot carry",
    )


def _failure(error: AzureError, settings: TransportSettings) -> HttpOutcome:
    inner = getattr(error, "inner_exception", None)
    if isinstance(inner, ValueError):
        return _refused(inner)
    detail = (error.message or type(error).__name__)[:_MAX_DETAIL_CHARS]
    described = f"{type(error).__name__}: {detail}"
    kind: FailureKind
    if isinstance(error, ClientAuthenticationError) or "non-TLS" in detail:
        kind = "credential"
    elif "CERTIFICATE_VERIFY_FAILED" in detail or "SSLError" in detail:
        kind = "tls"
    elif isinstance(error, ServiceResponseTimeoutError) or "timed out" in detail.lower():
        kind = "timeout"
        if isinstance(error, ServiceRequestError):
            limit = f"no connection within the connect timeout of {settings.connect_timeout:g} s"
        else:
            limit = f"no answer within the read timeout of {settings.read_timeout:g} s"
        described = f"{limit} ({described})"
    elif isinstance(error, ServiceRequestError):
        kind = "connect"
    else:
        kind = "connection"
    return HttpOutcome(None, failure=kind, detail=described)


class SyncTransport:
    """Sends requests with the SDK's sync client; the client is created on first use."""

    def __init__(self, settings: TransportSettings, credential: Any):
        self._settings = settings
        self._credential = credential
        self._client: Any = None
        self._lock = threading.Lock()

    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                import requests
                from azure.ai.inference import ImageEmbeddingsClient
                from azure.core.pipeline.transport import RequestsTransport

                session = requests.Session()
                adapter = requests.adapters.HTTPAdapter(
                    pool_connections=1, pool_maxsize=self._settings.pool_size
                )
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                transport = RequestsTransport(
                    session=session, session_owner=True, **self._settings.transport_options()
                )
                if self._settings.api == "cohere":
                    from azure.core import PipelineClient

                    self._client = PipelineClient(
                        self._settings.endpoint,
                        policies=_pipeline_policies(
                            self._settings, _sync_auth(self._settings, self._credential)
                        ),
                        transport=transport,
                    )
                else:
                    self._client = ImageEmbeddingsClient(
                        self._settings.endpoint,
                        self._credential,
                        retry_policy=RetryPolicy.no_retries(),
                        transport=transport,
                        **self._settings.client_options(),
                    )
            return self._client

    def send(self, request: EmbeddingsBody, *, deadline: float | None = None) -> HttpOutcome:
        """Make one HTTP attempt.

        Args:
            request: What to send.
            deadline: When the call must end (``time.monotonic()``): the attempt's
                timeouts are shortened to it.

        Returns:
            The answer, or the transport failure.
        """
        client = self._get_client()
        try:
            response = client.send_request(
                _http_request(request, self._settings),
                stream=True,
                **self._settings.timeouts(deadline),
            )
            return _answer(response.status_code, response.headers, response.read())
        except AzureError as error:
            return _failure(error, self._settings)
        except ValueError as error:  # a header the HTTP library refuses
            return _refused(error)

    def close(self) -> None:
        """Close the client and its connections (it is re-created if used again)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class AsyncTransport:
    """Sends requests with the SDK's async client, bound to the running event loop."""

    def __init__(
        self, settings: TransportSettings, credential: Any, *, owns_credential: bool = False
    ):
        self._settings = settings
        self._credential = credential
        self._owns_credential = owns_credential
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            import aiohttp
            from azure.ai.inference.aio import ImageEmbeddingsClient
            from azure.core.pipeline.transport import AioHttpTransport

            # No connection limit of its own: the session serves every async call of the
            # instance on this loop, and each call's gate bounds its requests in flight
            # (max_concurrency per call, as the sync client's pool does).
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
            transport = AioHttpTransport(
                session=session, session_owner=True, **self._settings.transport_options()
            )
            if self._settings.api == "cohere":
                from azure.core import AsyncPipelineClient

                self._client = AsyncPipelineClient(
                    self._settings.endpoint,
                    policies=_pipeline_policies(
                        self._settings, _async_auth(self._settings, self._credential)
                    ),
                    transport=transport,
                )
            else:
                self._client = ImageEmbeddingsClient(
                    self._settings.endpoint,
                    self._credential,
                    retry_policy=AsyncRetryPolicy.no_retries(),
                    transport=transport,
                    **self._settings.client_options(),
                )
        return self._client

    async def send(self, request: EmbeddingsBody, *, deadline: float | None = None) -> HttpOutcome:
        """Async twin of :meth:`SyncTransport.send`."""
        client = self._get_client()
        try:
            response = await client.send_request(
                _http_request(request, self._settings),
                stream=True,
                **self._settings.timeouts(deadline),
            )
            return _answer(response.status_code, response.headers, await response.read())
        except AzureError as error:
            return _failure(error, self._settings)
        except ValueError as error:  # a header the HTTP library refuses
            return _refused(error)

    async def aclose(self) -> None:
        """Close the client, its session and connections."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        if self._owns_credential:
            await self._credential.close()
