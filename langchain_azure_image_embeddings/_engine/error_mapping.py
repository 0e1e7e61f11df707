"""Turning failed attempts into :class:`EmbeddingServiceError` with a useful message (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_azure_image_embeddings._protocols.wire import ResponseFormatError, decode_json
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome
from langchain_azure_image_embeddings._transport.retry import retry_after_seconds
from langchain_azure_image_embeddings.errors import EmbeddingServiceError

__all__ = ["ServiceErrorBody", "names_input_type", "parse_error_body", "service_error"]

_MAX_MESSAGE_CHARS = 500
_MAX_ID_CHARS = 100
_REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-ms-request-id")

_HINTS: dict[int, str] = {
    400: "The request was refused as malformed; check `model`, `dimensions` and `model_kwargs`",
    401: "Check the key or token credential (AZURE_INFERENCE_CREDENTIAL) and that it belongs "
    "to this endpoint",
    403: "The credential is valid but has no access; an Entra ID principal needs the "
    "'Cognitive Services User' role on the resource",
    404: "Check the endpoint and the deployment name `model`",
    405: "The endpoint does not offer this route; check the endpoint URL",
    413: "The request is too large for the service; "
    "lower `max_image_bytes` or `images_per_request`",
    422: "The model does not support a parameter or value sent (see the message); "
    "check `dimensions`, `encoding_format` and the input types",
    429: "The deployment's rate limit was hit; lower `max_concurrency` or set "
    "`requests_per_minute`, or raise the deployment's quota",
}

_FAILURE_HINTS: dict[str, str] = {
    "connect": "Check the endpoint URL (AZURE_INFERENCE_ENDPOINT) and that it is reachable",
    "timeout": "The service did not answer in time; raise `timeout` if requests are large",
    "connection": "The connection was dropped; this is usually transient",
    "credential": "The credential could not produce a token; check the Azure identity "
    "configuration (for example `az login`, or a key in AZURE_INFERENCE_CREDENTIAL). "
    "Entra ID tokens are only sent over https",
    "configuration": "Check the key (no whitespace or control characters) and the headers in "
    "client_kwargs",
    "tls": "The server's TLS certificate could not be verified; for a private CA pass "
    "client_kwargs={'connection_verify': '/path/to/ca.pem'}",
}


@dataclass(frozen=True, slots=True)
class ServiceErrorBody:
    """The parts of an error body that matter to a user."""

    code: str | None
    message: str | None
    request_id: str | None = None


def parse_error_body(body: bytes) -> ServiceErrorBody:
    """Read an Azure error body in any of its documented shapes.

    Handles ``{"error": {"code", "message"}}``, the flat
    ``{"code", "message", "detail"}`` form, ``{"detail": [...]}``, Cohere's
    ``{"id", "message"}`` and plain text.

    Args:
        body: The response body.

    Returns:
        The code and message found (either may be ``None``).
    """
    try:  # the package's one JSON reader: orjson, depth-limited (no RecursionError)
        document: Any = decode_json(body) if body else None
    except ResponseFormatError:
        text = body.decode("utf-8", "replace").strip()
        return ServiceErrorBody(None, text[:_MAX_MESSAGE_CHARS] or None)
    if not isinstance(document, dict):
        return ServiceErrorBody(None, None)
    nested = document.get("error")
    source: dict[str, Any] = nested if isinstance(nested, dict) else document
    code = source.get("code")
    message = source.get("message")
    if message is None and "detail" in document:
        message = json.dumps(document["detail"])[:_MAX_MESSAGE_CHARS]
    request_id = document.get("id")
    return ServiceErrorBody(
        None if code is None else str(code),
        None if message is None else str(message)[:_MAX_MESSAGE_CHARS],
        request_id[:_MAX_ID_CHARS] if isinstance(request_id, str) and request_id else None,
    )


def names_input_type(outcome: HttpOutcome) -> bool:
    """Return whether a 422 answer is about the ``input_type`` parameter.

    Args:
        outcome: A failed attempt.

    Returns:
        ``True`` when the error's ``detail``/``loc``, code or message names ``input_type``.
    """
    return outcome.status == 422 and b"input_type" in outcome.body


def service_error(
    outcome: HttpOutcome,
    *,
    attempts: int,
    hint: str | None = None,
    hints: Mapping[int, str] | None = None,
) -> EmbeddingServiceError:
    """Build the error a user sees for a failed request.

    Args:
        outcome: The last attempt.
        attempts: How many attempts were made.
        hint: What to do about it, when the caller knows better than the status.
        hints: The protocol's own hints by status, before the common ones.

    Returns:
        An :class:`EmbeddingServiceError` with status, service code and message.
    """
    if outcome.status is None:
        return EmbeddingServiceError(
            outcome.detail or f"the request failed ({outcome.failure})",
            attempts=attempts,
            hint=hint or _FAILURE_HINTS.get(outcome.failure or ""),
        )
    parsed = parse_error_body(outcome.body)
    return EmbeddingServiceError(
        parsed.message or f"the service answered HTTP {outcome.status} with no message",
        status_code=outcome.status,
        error_code=parsed.code or outcome.headers.get("x-ms-error-code"),
        retry_after=retry_after_seconds(outcome.headers),
        attempts=attempts,
        hint=hint or (hints or {}).get(outcome.status) or _HINTS.get(outcome.status),
        request_id=parsed.request_id or _request_id(outcome.headers),
    )


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value[:_MAX_ID_CHARS]
    return None
