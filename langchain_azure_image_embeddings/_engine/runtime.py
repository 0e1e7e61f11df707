"""The live state behind an embeddings instance: clients, credentials, memory, usage.

None of it is pickled: a copy of the instance in another process starts with a
fresh runtime and opens its own clients on first use.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_image_embeddings._engine.call_config import CallConfig
from langchain_azure_image_embeddings._engine.exchange import InputTypeMemory
from langchain_azure_image_embeddings._transport.clients import (
    AsyncTransport,
    SyncTransport,
    TransportSettings,
)
from langchain_azure_image_embeddings._transport.concurrency import Pressure
from langchain_azure_image_embeddings._transport.credentials import (
    default_async_credential,
    default_sync_credential,
    is_key,
    key_credential,
)
from langchain_azure_image_embeddings._transport.rate_limit import RateLimit
from langchain_azure_image_embeddings.usage import UsageTotals

__all__ = ["Runtime"]


def _is_async_credential(credential: object) -> bool:
    return inspect.iscoroutinefunction(getattr(credential, "get_token", None))


@dataclass
class _LoopTransport:
    """The async transport of one event loop, and what it was made from.

    ``retired`` keeps the closers of transports made with earlier settings on
    this loop: a call may still be using one, so it is closed with the loop's
    clients (by :meth:`Runtime.aclose` or the loop's shutdown), not at once.
    """

    settings: TransportSettings
    credential: Any
    transport: AsyncTransport
    closer: AsyncIterator[None]
    retired: list[AsyncIterator[None]] = field(default_factory=list)


async def _close_at_loop_shutdown(
    transport: AsyncTransport, on_closed: Callable[[], None]
) -> AsyncIterator[None]:
    """Close ``transport`` when the loop shuts down, then forget the loop (``on_closed``).

    An async generator left suspended: the loop's shutdown (the end of
    ``asyncio.run``, ``loop.shutdown_asyncgens()``) closes it, and so the
    transport, on its own loop.
    """
    try:
        yield
    finally:
        await transport.aclose()
        on_closed()


class Runtime:
    """Clients and counters of one embeddings instance, created lazily.

    A client is made from the settings of the call that needs it and made
    again when they change, so a setting changed on a live instance is used
    by the next call, sync or async. Async calls share one client (one HTTP
    session and, without a credential, one ``DefaultAzureCredential``) per
    event loop, closed by :meth:`aclose` or when the loop shuts down.
    """

    def __init__(self) -> None:
        self.memory = InputTypeMemory()
        self.usage = UsageTotals()
        self._sync_transport: SyncTransport | None = None
        self._sync_made_from: tuple[TransportSettings, Any] | None = None
        self._sync_default_credential: Any = None
        self._loop_transports: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, _LoopTransport
        ] = weakref.WeakKeyDictionary()
        self._rate_limit: RateLimit | None = None
        self._pressure: Pressure | None = None
        self._config: tuple[weakref.ref[object], CallConfig] | None = None
        self._retired: list[SyncTransport] = []
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Runtime, ())

    def sync_transport(self, settings: TransportSettings, credential: Any) -> SyncTransport:
        """Return the sync transport for these settings, made again when they changed."""
        with self._lock:
            made_from = self._sync_made_from
            if (
                self._sync_transport is not None
                and made_from is not None
                and (made_from[0] is settings or made_from[0] == settings)
                and made_from[1] is credential
            ):
                return self._sync_transport
            transport = SyncTransport(settings, self._sync_credential(credential))
            if self._sync_transport is not None:  # a call may still use it: closed by close()
                self._retired.append(self._sync_transport)
            self._sync_transport = transport
            self._sync_made_from = (settings, credential)
            return transport

    def config(self, owner: object, build: Callable[[], CallConfig]) -> CallConfig:
        """The owner's call configuration, built on first use and after :meth:`forget_config`.

        Kept for the owner it was built for (a weak reference: an instance that
        shares this runtime, even at a freed instance's address, builds its own).
        """
        current = self._config
        if current is None or current[0]() is not owner:
            current = self._config = (weakref.ref(owner), build())
        return current[1]

    def forget_config(self) -> None:
        """A field changed: build the configuration again at the next call."""
        self._config = None

    def pressure(self, max_concurrency: int) -> Pressure:
        """The back-pressure shared by every call (429 pause, adaptive concurrency)."""
        with self._lock:
            if self._pressure is None or self._pressure.maximum != max_concurrency:
                self._pressure = Pressure(max_concurrency)
            return self._pressure

    def _sync_credential(self, credential: Any) -> Any:
        if credential is None:
            if self._sync_default_credential is None:
                self._sync_default_credential = default_sync_credential()
            return self._sync_default_credential
        if is_key(credential):
            return key_credential(credential)
        if _is_async_credential(credential):
            raise TypeError(
                "the credential is an async TokenCredential (azure.identity.aio); the sync "
                "methods need a sync one (azure.identity): pass a sync credential, or use the "
                "async methods (aembed_documents, aembed_query, aembed_image, aembed_images)"
            )
        return credential

    def rate_limit(
        self, requests_per_minute: int | None, tokens_per_minute: int | None
    ) -> RateLimit | None:
        """Return the client-side rate limit shared by every call, or ``None`` without one.

        Args:
            requests_per_minute: Requests allowed per minute, or ``None``.
            tokens_per_minute: Estimated tokens allowed per minute, or ``None``.

        Returns:
            The same :class:`RateLimit` for as long as the settings stay the same.
        """
        if requests_per_minute is None and tokens_per_minute is None:
            return None
        with self._lock:
            current = self._rate_limit
            if current is None or (current.requests_per_minute, current.tokens_per_minute) != (
                requests_per_minute,
                tokens_per_minute,
            ):
                current = self._rate_limit = RateLimit(requests_per_minute, tokens_per_minute)
            return current

    async def async_transport(self, settings: TransportSettings, credential: Any) -> AsyncTransport:
        """Return the running loop's async transport for these settings.

        Made on first use in a loop, made again when the settings changed;
        closed by :meth:`aclose` or when the loop shuts down.
        """
        loop = asyncio.get_running_loop()
        current = self._loop_transports.get(loop)
        if (
            current is not None
            and current.settings == settings
            and current.credential is credential
        ):
            return current.transport
        if credential is None:
            transport = AsyncTransport(settings, default_async_credential(), owns_credential=True)
        elif is_key(credential):
            transport = AsyncTransport(settings, key_credential(credential))
        else:
            transport = AsyncTransport(settings, credential)
        closer = _close_at_loop_shutdown(transport, lambda: self._forget_loop(loop, transport))
        await closer.__anext__()
        entry = _LoopTransport(settings, credential, transport, closer)
        if current is not None:  # a call may still use the old one: closed with the loop
            entry.retired = [*current.retired, current.closer]
        self._loop_transports[loop] = entry
        return transport

    def _forget_loop(self, loop: asyncio.AbstractEventLoop, transport: AsyncTransport) -> None:
        """The loop's shutdown closed ``transport``: drop the loop's entry (it refers to it)."""
        current = self._loop_transports.get(loop)
        if current is not None and current.transport is transport:
            del self._loop_transports[loop]

    async def aclose(self) -> None:
        """Close the running loop's async transports (and the default credential they own)."""
        current = self._loop_transports.pop(asyncio.get_running_loop(), None)
        if current is not None:
            for closer in (*current.retired, current.closer):
                await closer.aclose()  # type: ignore[attr-defined]

    def close(self) -> None:
        """Close the sync client and the default credential this runtime created."""
        with self._lock:
            transports = [*self._retired, self._sync_transport]
            self._retired, self._sync_transport = [], None
            credential, self._sync_default_credential = self._sync_default_credential, None
            self._sync_made_from = None
        for transport in transports:
            if transport is not None:
                transport.close()
        if credential is not None:
            credential.close()
