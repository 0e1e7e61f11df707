"""The HTTP server: an aiohttp application on its own event loop in a background thread.

Request handling order: latency; route (404) and method (405); body (413 over the profile's
request limit); authentication (401); `api-version` (400; not on Cohere's `/v2/embed`, see
`cohere_route`); then, on the embeddings routes only,
the `rpm` limit (429) and the fault schedule; then validation and embedding, which run in a
thread pool so that decoding images never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hmac
import json
import logging
import shutil
import socket
import ssl
import struct
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web
from multidict import CIMultiDictProxy

from langchain_azure_image_embeddings.emulator.cohere_route import (
    COHERE_BASE_PATH,
    COHERE_PATHS,
    as_cohere_error,
)
from langchain_azure_image_embeddings.emulator.connections import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    FLOODED_LOGGERS,
    ConnectionGuard,
    ConnectionLimits,
    FloodGate,
)
from langchain_azure_image_embeddings.emulator.errors import (
    ApiError,
    azure_error,
    method_not_allowed,
    not_found,
    serverless_unauthorized,
    too_large,
    unauthorized,
)
from langchain_azure_image_embeddings.emulator.extra import INSTALL_HINT, has_module
from langchain_azure_image_embeddings.emulator.faults import (
    DEFAULT_FAULTS,
    Fault,
    FaultPlan,
    FaultSchedule,
    ForcedOutcome,
    fault_error,
)
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile, get_profile
from langchain_azure_image_embeddings.emulator.ratelimit import RpmLimiter
from langchain_azure_image_embeddings.emulator.responses import (
    FOUNDRY,
    Flavour,
    common_headers,
    flavour_of_path,
    model_info,
)
from langchain_azure_image_embeddings.emulator.stats import COHERE_ROUTE, ROUTES, Stats
from langchain_azure_image_embeddings.emulator.tls import (
    DEFAULT_HOSTS,
    TlsFiles,
    generate_certificates,
)
from langchain_azure_image_embeddings.emulator.tls import server_ssl_context as _ssl_context
from langchain_azure_image_embeddings.emulator.validation import (
    Policy,
    check_model,
)
from langchain_azure_image_embeddings.emulator.work import embed_cohere, embed_request
from langchain_azure_image_embeddings.emulator.workers import (
    check_workers,
    start_executor,
    stop_executor,
)

logger = logging.getLogger(__name__)

API_VERSIONS = ("2024-05-01-preview", "2024-08-01-preview", "2025-04-01")
ROUTE_PREFIXES = ("/models", "")
IMAGES_ROUTE, TEXTS_ROUTE, INFO_ROUTE = ROUTES
OTHER_ROUTE = "other"
_DRAIN_FACTOR = 4
_SHUTDOWN_GRACE_S = 0.5
_BACKLOG = 1024
_START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class _Settings:
    profile: ModelProfile
    key: str
    tokens: frozenset[str]
    latency_s: float
    retry_after: float
    reject_input_type: bool


class _Service:
    """Per-request logic; lives on the server's event loop."""

    def __init__(
        self,
        settings: _Settings,
        stats: Stats,
        schedule: FaultSchedule,
        limiter: RpmLimiter | None,
        executor: concurrent.futures.Executor,
        guard: ConnectionGuard | None = None,
    ) -> None:
        self._settings = settings
        self._guard = guard or ConnectionGuard(ConnectionLimits())
        self._policy = Policy(settings.profile, settings.reject_input_type)
        self._stats = stats
        self._schedule = schedule
        self._limiter = limiter
        self._executor = executor
        self._key = _header_bytes(settings.key)
        self._bearers = [_header_bytes(key) for key in (settings.key, *settings.tokens)]
        self.stopping = asyncio.Event()

    def application(self) -> web.Application:
        app = web.Application()
        for prefix in ROUTE_PREFIXES:
            for route in (IMAGES_ROUTE, TEXTS_ROUTE, INFO_ROUTE):
                app.router.add_route("*", prefix + route, functools.partial(self._api, route))
        for path in COHERE_PATHS:
            app.router.add_route("*", path, functools.partial(self._api, COHERE_ROUTE))
        app.router.add_get("/_emulator/stats", self._stats_handler)
        app.router.add_post("/_emulator/reset", self._reset_handler)
        app.router.add_route("*", "/{tail:.*}", functools.partial(self._api, OTHER_ROUTE))
        return app

    async def _stats_handler(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({**self._stats.snapshot(), "connections": self._guard.snapshot()})

    async def _reset_handler(self, request: web.Request) -> web.StreamResponse:
        self._stats.reset()
        self._guard.reset()
        return web.json_response({**self._stats.snapshot(), "connections": self._guard.snapshot()})

    async def _api(self, route: str, request: web.Request) -> web.StreamResponse:
        self._stats.request(route)
        with self._stats.in_flight():
            try:
                response = await self._answer(route, request)
            except ApiError as error:
                response = _error_response(error, route, request)
                if error.status == 408:  # the body stalled: close at once, no lingering read
                    request.content.feed_eof()
                    response.force_close()
            except Exception:
                logger.exception("emulator bug while answering %s", request.path)
                response = _error_response(
                    azure_error(500, "InternalServerError", "The emulator failed unexpectedly."),
                    route,
                    request,
                )
            return self._finish(request, response)

    async def _answer(self, route: str, request: web.Request) -> web.StreamResponse:
        if self._settings.latency_s:
            await asyncio.sleep(self._settings.latency_s)
        if route == OTHER_ROUTE:
            raise not_found()
        allowed = "GET" if route == INFO_ROUTE else "POST"
        if request.method != allowed:
            raise method_not_allowed(request.method, allowed)
        body = await self._read_body(request)
        flavour = flavour_of_path(request.path)
        self._authorize(request.headers, flavour)
        if route != COHERE_ROUTE:  # Cohere's API has no api-version
            _check_api_version(request.query.get("api-version"))
        if route == INFO_ROUTE:
            check_model(request.query.get("model"), self._settings.profile)
            # Sent indented by 4, as recorded (Content-Length 209 for Cohere-embed-v3-english).
            return _json_response(model_info(self._settings.profile), indent=4)
        if self._limiter is not None:
            self._limiter.check()
        fault = self._schedule.next()
        if fault is not None:
            return await self._inject(request, fault)
        if route == COHERE_ROUTE:
            work = functools.partial(embed_cohere, self._settings.profile, body)
        else:
            extra_parameters = request.headers.get("extra-parameters")
            work = functools.partial(
                embed_request, self._policy, route, body, extra_parameters, flavour
            )
        outcome = await asyncio.get_running_loop().run_in_executor(self._executor, work)
        for record in outcome.records:
            self._stats.record_image(record)
        embedded = outcome.result()
        self._stats.embedded(images=embedded.images, texts=embedded.texts)
        response = web.Response(
            body=embedded.body, content_type="application/json", headers=embedded.headers
        )
        if flavour != FOUNDRY:  # streamed, as recorded (Transfer-Encoding: chunked)
            response.enable_chunked_encoding()
        return response

    async def _read_body(self, request: web.Request) -> bytes:
        """Read the whole body; past the limit, keep draining (up to a bound) and answer 413."""
        limit = self._settings.profile.max_request_bytes
        chunks: list[bytes] = []
        seconds = self._guard.limits.body_timeout

        async def drain() -> int:
            size = 0
            while chunk := await request.content.readany():
                size += len(chunk)
                if size <= limit:
                    chunks.append(chunk)
                elif size > limit * _DRAIN_FACTOR:
                    break
            return size

        try:  # asyncio.wait_for, not asyncio.timeout: the emulator runs on Python 3.10 too
            size = await asyncio.wait_for(drain(), seconds)
        except asyncio.TimeoutError:
            self._guard.body_timed_out()
            raise azure_error(
                408,
                "Timeout",
                f"The request body did not arrive within {seconds:g} seconds.",
                headers={"Connection": "close"},
            ) from None
        self._guard.request_read(request.transport)
        if size > limit:
            raise too_large(
                "request_too_large",
                f"The request body is larger than the {limit} bytes "
                f"{self._settings.profile.name} accepts.",
            )
        return b"".join(chunks)

    def _authorize(self, headers: CIMultiDictProxy[str], flavour: Flavour) -> None:
        api_key = headers.get("api-key")
        if api_key is not None:
            accepted = hmac.compare_digest(_header_bytes(api_key), self._key)
        else:
            scheme, _, credential = headers.get("Authorization", "").partition(" ")
            presented = _header_bytes(credential.strip())
            accepted = scheme.lower() == "bearer" and any(
                hmac.compare_digest(presented, bearer) for bearer in self._bearers
            )
        if not accepted:
            raise unauthorized() if flavour == FOUNDRY else serverless_unauthorized()

    async def _inject(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        self._stats.fault(fault.kind)
        if fault.kind == "reset":
            _abort(request, reset=True)
            await self.stopping.wait()  # The lost connection cancels this handler first.
        elif fault.kind == "stall":
            await self.stopping.wait()  # Ends when the client goes away or the server stops.
            _abort(request, reset=False)
        else:
            raise fault_error(fault, self._settings.retry_after)
        raise asyncio.CancelledError  # No answer: the connection is gone.

    def _finish(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        # Answered (its body read or not): the connection's next bytes start a new request,
        # whose headers are timed.
        self._guard.request_read(request.transport)
        flavour = flavour_of_path(request.path)
        # A 401 comes from the gateway, before any model session (as recorded).
        reached_model = response.status != 401
        response.headers.update(common_headers(flavour, self._settings.profile, reached_model))
        client_request_id = request.headers.get("x-ms-client-request-id")
        if client_request_id is not None:
            response.headers["x-ms-client-request-id"] = client_request_id
        self._stats.response(response.status)
        return response


def _header_bytes(value: str) -> bytes:
    """Bytes of a header value; aiohttp keeps undecodable bytes as surrogate escapes."""
    return value.encode("utf-8", "surrogateescape")


def _error_response(error: ApiError, route: str, request: web.Request) -> web.Response:
    if route == COHERE_ROUTE:
        error = as_cohere_error(error, request.headers)
    if error.encoded is not None:
        return web.Response(
            body=error.encoded,
            status=error.status,
            headers=error.headers,
            content_type="application/json",
        )
    return _json_response(error.body, status=error.status, headers=error.headers)


def _json_response(
    document: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    indent: int | None = None,
) -> web.Response:
    """A JSON answer with `Content-Type: application/json`, no charset, as the service sends."""
    return web.Response(
        body=json.dumps(document, indent=indent).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


def _check_api_version(version: str | None) -> None:
    if not version:
        raise azure_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
            target="api-version",
        )
    if version not in API_VERSIONS:
        raise azure_error(
            400,
            "UnsupportedApiVersionValue",
            f"Unsupported api-version '{version}'. "
            f"The supported api-versions are '{', '.join(API_VERSIONS)}'.",
            target="api-version",
        )


def _drop_connections(runner: web.AppRunner) -> None:
    """Abort every open connection, so that stopping waits for no client (nor TLS close_notify)."""
    server = runner.server
    for connection in server.connections if server is not None else []:
        if connection.transport is not None:
            connection.transport.abort()


def _abort(request: web.Request, *, reset: bool) -> None:
    transport = request.transport
    if transport is None:
        return
    raw = transport.get_extra_info("socket")
    if reset and raw is not None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class FoundryEmulator:
    """A local Azure AI Foundry model-inference endpoint (`/models`), served in the background.

    Use it as a context manager, or call `start()` and `stop()`:

        with FoundryEmulator(model="Cohere-embed-v3-english", key="k") as emu:
            client = ImageEmbeddingsClient(emu.endpoint, AzureKeyCredential(emu.key))
    """

    def __init__(
        self,
        *,
        model: str = "Cohere-embed-v3-english",
        key: str = "emulator-key",
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        fault_rate: float = 0.0,
        faults: Iterable[str] = DEFAULT_FAULTS,
        seed: int = 0,
        retry_after: float = 1.0,
        rpm: int | None = None,
        reject_input_type: bool = False,
        tls: bool = False,
        tokens: Iterable[str] = (),
        header_timeout: float = DEFAULT_HEADER_TIMEOUT_S,
        body_timeout: float = DEFAULT_BODY_TIMEOUT_S,
        max_connections: int | None = None,
        workers: int = 1,
    ) -> None:
        """Configure the emulator (nothing is started yet).

        Args:
            model: The served deployment, a key of `MODEL_PROFILES`.
            key: The API key accepted in `api-key` or `Authorization: Bearer`.
            host: Address to listen on.
            port: Port to listen on; 0 picks a free one.
            latency_ms: Delay added to every answer.
            fault_rate: Share of embeddings requests that fail (0 to 1), per the seeded plan.
            faults: Kinds the plan draws from (see `FAULT_KINDS`).
            seed: Seed of the fault plan.
            retry_after: Seconds sent in `Retry-After` with the `429` fault.
            rpm: Requests per minute allowed on the embeddings routes, also enforced over
                10 s windows (`ceil(rpm / 6)` each, see `ratelimit`); None for no limit.
            reject_input_type: Answer 422 whenever `input_type` is sent.
            tls: Serve HTTPS with a certificate generated at start.
            tokens: Bearer tokens accepted besides the key (e.g. for a TokenCredential).
            header_timeout: Seconds a connection has to send a request's headers (and for a
                TLS handshake); then it is closed.
            body_timeout: Seconds a request has to send its body once its headers are in;
                then it gets a 408 and the connection is closed.
            max_connections: Connections open at once; more are answered 503 and closed.
                None: half the process's file-descriptor limit, between 64 and 4096.
            workers: Processes computing the answers (validation, decoding, vectors); 1 for
                threads of this process. Counters, the rate limit and the fault plan stay in
                this process, global and exact (see `workers`).

        Raises:
            ValueError: An unknown model or fault kind, or a value out of range.
        """
        if not key:
            raise ValueError("key must not be empty")
        if latency_ms < 0 or retry_after < 0:
            raise ValueError("latency_ms and retry_after must not be negative")
        self.profile = get_profile(model)
        self.host = host
        self._requested_port = port
        self._tls = tls
        self._settings = _Settings(
            profile=self.profile,
            key=key,
            tokens=frozenset(tokens),
            latency_s=latency_ms / 1000.0,
            retry_after=retry_after,
            reject_input_type=reject_input_type,
        )
        self._schedule = FaultSchedule(FaultPlan(seed, fault_rate, tuple(faults)))
        self._limiter = RpmLimiter(rpm) if rpm is not None else None
        check_workers(workers)
        self._workers = workers
        self._stats = Stats()
        self._guard = ConnectionGuard(
            ConnectionLimits(
                header_timeout=header_timeout,
                body_timeout=body_timeout,
                **({} if max_connections is None else {"max_connections": max_connections}),
            )
        )
        self._port: int | None = None
        self._tls_dir: Path | None = None
        self._tls_files: TlsFiles | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._service: _Service | None = None
        self._executor: concurrent.futures.Executor | None = None

    @property
    def key(self) -> str:
        """The API key."""
        return self._settings.key

    @property
    def model(self) -> str:
        """The served model / deployment name."""
        return self.profile.name

    @property
    def port(self) -> int:
        """The port being served (after `start()`)."""
        if self._port is None:
            raise RuntimeError("the emulator is not running; call start() or use `with`")
        return self._port

    @property
    def endpoint(self) -> str:
        """The endpoint to give a client, e.g. `http://127.0.0.1:PORT/models`."""
        scheme = "https" if self._tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/models"

    @property
    def cohere_endpoint(self) -> str:
        """The base URL of Cohere's API, e.g. `http://127.0.0.1:PORT/providers/cohere`.

        Give it to `cohere.ClientV2(base_url=...)`, which posts to `<base>/v2/embed`; the
        serverless form, `POST /v2/embed` at the root, is served too.
        """
        return self.endpoint.removesuffix("/models") + COHERE_BASE_PATH

    @property
    def ca_cert_path(self) -> str | None:
        """With `tls=True`, a PEM file of the CA to trust; else None."""
        return str(self._tls_files.ca_cert) if self._tls_files else None

    @property
    def received_images(self) -> list[dict[str, Any]]:
        """One record per image received (most recent 10,000), oldest first."""
        return self._stats.received_images()

    def stats(self) -> dict[str, Any]:
        """Return the counters, as `GET /_emulator/stats` does."""
        return {**self._stats.snapshot(), "connections": self._guard.snapshot()}

    def reset_stats(self) -> None:
        """Zero the counters and forget the received images."""
        self._stats.reset()
        self._guard.reset()

    def enqueue(self, *outcomes: ForcedOutcome) -> None:
        """Force the outcomes of the next embeddings requests, in order, before the plan.

        Args:
            *outcomes: Fault kinds (`FORCED_KINDS`: the plan's kinds plus `408`, `413`,
                `429-retry-after-ms`), or `(kind, extra_headers)` tuples.

        Raises:
            ValueError: An unknown kind.
        """
        self._schedule.enqueue(*outcomes)

    def start(self) -> FoundryEmulator:
        """Start serving; returns once the socket accepts connections.

        Returns:
            This emulator.

        Raises:
            RuntimeError: Already running, or the server failed to start.
            OSError: The address cannot be bound.
        """
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        if not has_module("numpy"):
            logger.warning(
                "numpy is not installed: the emulator computes vectors in plain Python, several "
                "times slower; %s",
                INSTALL_HINT,
            )
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self._requested_port), family=family, backlog=512)
        self._port = sock.getsockname()[1]
        try:
            ssl_context = self._make_tls() if self._tls else None
            self._executor = start_executor(self._workers)
        except BaseException:  # nothing serves yet: free the socket and the TLS files
            sock.close()
            if self._tls_dir is not None:
                shutil.rmtree(self._tls_dir, ignore_errors=True)
                self._tls_dir = None
            raise
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=asyncio.run,
            args=(self._serve(sock, ssl_context, ready, failure),),
            name=f"foundry-emulator-{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(_START_TIMEOUT_S) or failure:
            self.stop()
            cause = failure[0] if failure else None
            raise RuntimeError("the emulator failed to start") from cause
        return self

    def _make_tls(self) -> ssl.SSLContext:
        self._tls_dir = Path(tempfile.mkdtemp(prefix="foundry-emulator-tls-"))
        hosts = tuple(dict.fromkeys((self.host, *DEFAULT_HOSTS)))
        self._tls_files = generate_certificates(self._tls_dir, hosts)
        return _ssl_context(self._tls_files)

    async def _serve(
        self,
        sock: socket.socket,
        ssl_context: ssl.SSLContext | None,
        ready: threading.Event,
        failure: list[BaseException],
    ) -> None:
        assert self._executor is not None
        service = _Service(
            self._settings,
            self._stats,
            self._schedule,
            self._limiter,
            self._executor,
            self._guard,
        )
        limits = self._guard.limits
        runner = web.AppRunner(
            service.application(),
            handler_cancellation=True,
            access_log=None,
            shutdown_timeout=_SHUTDOWN_GRACE_S,
            keepalive_timeout=limits.idle_timeout,
        )
        loop = asyncio.get_running_loop()
        with FloodGate().guarding((*FLOODED_LOGGERS, __name__)):
            try:
                await runner.setup()
                assert runner.server is not None
                server = await loop.create_server(
                    self._guard.protocol_factory(runner.server),
                    sock=sock,
                    ssl=ssl_context,
                    ssl_handshake_timeout=limits.header_timeout if ssl_context else None,
                    backlog=_BACKLOG,
                )
            except BaseException as error:
                failure.append(error)
                sock.close()
                ready.set()
                raise
            self._loop = loop
            self._service = service
            ready.set()
            try:
                await service.stopping.wait()
            finally:
                server.close()
                _drop_connections(runner)
                await runner.cleanup()

    def stop(self) -> None:
        """Stop serving: stalled requests are dropped, the thread joined, TLS files removed."""
        thread, loop, service = self._thread, self._loop, self._service
        if thread is not None:
            if loop is not None and service is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # The loop closed meanwhile.
                    loop.call_soon_threadsafe(service.stopping.set)
            thread.join(timeout=10.0)
        if self._executor is not None:
            stop_executor(self._executor)
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
        self._thread = self._loop = self._service = self._executor = None
        self._tls_dir = self._tls_files = None
        self._port = None

    def __enter__(self) -> FoundryEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
