"""The wire protocols the package speaks, and which one an endpoint wants (pure, no I/O).

- :mod:`.model_inference`: the Azure AI Model Inference API (``/models``), retired
  by Azure on 2026-08-26;
- :mod:`.cohere`: Cohere's v2 embed API as Azure serves it for Cohere deployments
  (``/providers/cohere/v2/embed`` on a Foundry resource, ``/v2/embed`` on a
  serverless endpoint).

Everything above them (classification, preparation, batching, retries, cache,
results) is shared; a protocol only says what a request looks like, how its
answer reads, and its models' limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from langchain_azure_image_embeddings._protocols.base import (
    ApiName,
    Entry,
    RequestLimits,
    RequestSpec,
    WireProtocol,
)
from langchain_azure_image_embeddings._protocols.cohere import (
    EMBED_PATH,
    SERVERLESS_HOST_SUFFIX,
    Cohere,
)
from langchain_azure_image_embeddings._protocols.model_inference import ModelInference

__all__ = [
    "ApiName",
    "Entry",
    "RequestLimits",
    "RequestSpec",
    "ResolvedEndpoint",
    "WireProtocol",
    "protocol_for",
    "resolve_endpoint",
]

_COHERE_BASE = "/providers/cohere"


@dataclass(frozen=True, slots=True)
class ResolvedEndpoint:
    """The protocol chosen for an endpoint, and the base URL its routes are joined to.

    Attributes:
        api: The protocol.
        base_url: The endpoint without a trailing slash or a query, and for Cohere
            without a trailing ``/v2/embed`` (a full Target URI is accepted).
        query: The endpoint's own query parameters, sent with every request.
    """

    api: ApiName
    base_url: str
    query: tuple[tuple[str, str], ...] = ()


def resolve_endpoint(endpoint: str, api: str = "auto") -> ResolvedEndpoint:
    """Choose the protocol for an endpoint, unless ``api`` names it.

    With ``api="auto"``: a path ending in ``/models`` is model inference; a
    path that is, or ends with, ``/providers/cohere``, a full Target URI
    ending in ``/v2/embed``, or a ``*.models.ai.azure.com`` host whose path
    does not end in ``/models`` is Cohere.

    Args:
        endpoint: The endpoint URL (already checked to be http(s) with a host).
        api: ``"auto"``, ``"model-inference"`` or ``"cohere"``.

    Returns:
        The protocol and the base URL.

    Raises:
        ValueError: ``api="auto"`` and the endpoint fits neither shape; the
            message names the field to set.
    """
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    lowered = path.lower()
    if lowered.endswith(EMBED_PATH):
        path = path[: -len(EMBED_PATH)]
        lowered = path.lower()
        if api == "auto":
            api = "cohere"
    base_url = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    if api in ("model-inference", "cohere"):
        return ResolvedEndpoint(api, base_url, query)  # type: ignore[arg-type]
    host = (parts.hostname or "").lower()
    if lowered.endswith("/models"):
        return ResolvedEndpoint("model-inference", base_url, query)
    if lowered.endswith(_COHERE_BASE) or host.endswith(SERVERLESS_HOST_SUFFIX):
        return ResolvedEndpoint("cohere", base_url, query)
    raise ValueError(
        f"cannot tell which API the endpoint {endpoint!r} speaks: set api='cohere' for a "
        "Cohere deployment's Target URI (https://<resource>.services.ai.azure.com/providers/"
        "cohere, or a serverless https://<name>.<region>.models.ai.azure.com), or "
        "api='model-inference' for the Azure AI Model Inference API (an endpoint ending in "
        "/models)"
    )


def protocol_for(api: ApiName, model_family: str = "auto") -> WireProtocol:
    """The codec of a protocol.

    Args:
        api: The protocol.
        model_family: For Cohere, ``"auto"``, ``"cohere-v3"`` or ``"cohere-v4"``.

    Returns:
        The protocol's codec.
    """
    if api == "cohere":
        return Cohere(model_family)
    return ModelInference()
