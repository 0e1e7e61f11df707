"""What every call of an instance shares, built once per change of its fields (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_image_embeddings._engine.cache import CacheScope
from langchain_azure_image_embeddings._images.preparation import ImageLimits
from langchain_azure_image_embeddings._images.sources import ImagePolicy
from langchain_azure_image_embeddings._protocols import (
    RequestLimits,
    ResolvedEndpoint,
    WireProtocol,
)
from langchain_azure_image_embeddings._transport.clients import TransportSettings
from langchain_azure_image_embeddings._transport.retry import RetrySettings

__all__ = ["CallConfig"]


@dataclass(frozen=True)
class CallConfig:
    """The settings objects a call needs, derived from an instance's fields.

    Built on the first call after a field changed (the image roots' real
    paths, the protocol, the transport settings ...), so that a cache hit
    costs a look-up, not the rebuilding of eight objects.

    Attributes:
        endpoint: The protocol and base URL the endpoint resolves to.
        protocol: The wire protocol's codec.
        limits: The deployment's request limits on that protocol.
        transport: How to reach the endpoint.
        image_policy: What images may be read, and from where.
        image_limits: What an image sent must fit.
        retry: When and how long to retry.
        model_kwargs: The extra body fields, as they were when the config was built
            (the body and the cache key use this same copy).
        cache_scope: Everything but the input type that keys a cached vector.
        rng: The random source of back-off jitter (shared: ``random()`` is atomic).
    """

    endpoint: ResolvedEndpoint
    protocol: WireProtocol
    limits: RequestLimits
    transport: TransportSettings
    image_policy: ImagePolicy
    image_limits: ImageLimits
    retry: RetrySettings
    model_kwargs: dict[str, Any]
    cache_scope: dict[str, Any]
    rng: random.Random = field(default_factory=random.Random)
    _scopes: dict[str | None, CacheScope] = field(default_factory=dict, repr=False)

    def scope(self, input_type: str | None) -> CacheScope:
        """The cache scope of one input type (its digests computed once)."""
        found = self._scopes.get(input_type)
        if found is None:
            found = self._scopes[input_type] = CacheScope(input_type=input_type, **self.cache_scope)
        return found
