"""The live state behind an embeddings instance: clients, credentials, memory, usage.

None of it is pickled: a copy of the instance in another process starts with a
fresh runtime and opens its own clients on first use.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from langchain_azure_image_embeddings.credentials import (
    default_async_credential,
    default_sync_credential,
    is_key,
    key_credential,
)
from langchain_azure_image_embeddings.exchange import InputTypeMemory
from langchain_azure_image_embeddings.rate_limit import RateLimit
from langchain_azure_image_embeddings.transport import (
    AsyncTransport,
    SyncTransport,
    TransportSettings,
)
from langchain_azure_image_embeddings.usage import UsageTotals

__all__ = ["Runtime"]


def _is_async_credential(credential: object) -> bool:
    return inspect.iscoroutinefunction(getattr(credential, "get_token", None))


class Runtime:
    """Clients and counters of one embeddings instance, created lazily."""

    def __init__(self) -> None:
        self.memory = InputTypeMemory()
        self.usage = UsageTotals()
        self.session_transport: AsyncTransport | None = None
        self._sync_transport: SyncTransport | None = None
        self._sync_default_credential: Any = None
        self._rate_limit: RateLimit | None = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Runtime, ())

    def sync_transport(self, settings: TransportSettings, credential: Any) -> SyncTransport:
        """Return the sync transport, creating it (and a default credential) on first use."""
        with self._lock:
            if self._sync_transport is None:
                self._sync_transport = SyncTransport(settings, self._sync_credential(credential))
            return self._sync_transport

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

    def async_transport(self, settings: TransportSettings, credential: Any) -> AsyncTransport:
        """Return a new async transport bound to the running loop (closed by its user)."""
        if credential is None:
            return AsyncTransport(settings, default_async_credential(), owns_credential=True)
        if is_key(credential):
            return AsyncTransport(settings, key_credential(credential))
        return AsyncTransport(settings, credential)

    def close(self) -> None:
        """Close the sync client and the default credential this runtime created."""
        with self._lock:
            transport, self._sync_transport = self._sync_transport, None
            credential, self._sync_default_credential = self._sync_default_credential, None
        if transport is not None:
            transport.close()
        if credential is not None:
            credential.close()
