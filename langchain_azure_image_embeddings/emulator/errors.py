"""Error answers: their status codes, bodies and headers.

Every error except 422 uses the spec's `Azure.Core.Foundations.ErrorResponse` body,
`{"error": {"code", "message", "target"?}}`, with the code repeated in `x-ms-error-code`.
A 422 uses the flat body that the service documents for unsupported parameters:
`{"status": 422, "code": "parameter_not_supported", "detail": {"loc": [...], "input": ...},
"message": "One of the parameters contain invalid values."}`.
Cohere's `/v2/embed` route answers every error with Cohere's body `{"id", "message"}`
(`cohere_error`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

UNAUTHORIZED_MESSAGE = "Access denied due to invalid subscription key or wrong API endpoint."
PARAMETER_NOT_SUPPORTED_MESSAGE = "One of the parameters contain invalid values."


class ApiError(Exception):
    """An answer other than 200, raised anywhere while a request is handled.

    Attributes:
        status: The HTTP status.
        code: The error code (also sent as `x-ms-error-code`).
        body: The JSON body.
        headers: Extra response headers (e.g. `Retry-After`).
        encoded: The exact bytes to send as the body, when the service's spacing matters;
            None to send `body` as JSON.
    """

    encoded: bytes | None = None

    def __init__(
        self, status: int, code: str, body: dict[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.body = body
        self.headers: dict[str, str] = {"x-ms-error-code": code, **(headers or {})}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as it is (worker processes send errors back), headers and bytes included."""
        return (_rebuilt, (self.status, self.code, self.body, self.headers, self.encoded))


def _rebuilt(
    status: int, code: str, body: dict[str, Any], headers: dict[str, str], encoded: bytes | None
) -> ApiError:
    error = ApiError(status, code, body)
    error.headers = dict(headers)
    error.encoded = encoded
    return error


def azure_error(
    status: int,
    code: str,
    message: str,
    *,
    target: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """Build an error with the spec's `ErrorResponse` body."""
    error: dict[str, Any] = {"code": code, "message": message}
    if target is not None:
        error["target"] = target
    return ApiError(status, code, {"error": error}, headers)


def bad_request(code: str, message: str, *, target: str | None = None) -> ApiError:
    """Build a 400 error."""
    return azure_error(400, code, message, target=target)


def parameter_not_supported(parameter: str, value: object) -> ApiError:
    """Build the documented 422 for a parameter or value the model does not support."""
    body = {
        "status": 422,
        "code": "parameter_not_supported",
        "detail": {"loc": ["body", parameter], "input": value},
        "message": PARAMETER_NOT_SUPPORTED_MESSAGE,
    }
    return ApiError(422, "parameter_not_supported", body)


def unauthorized() -> ApiError:
    """Build the 401 for a missing or wrong key or token."""
    return azure_error(401, "401", UNAUTHORIZED_MESSAGE)


SERVERLESS_UNAUTHORIZED_MESSAGE = (
    "Auth token validation failed. Please provide a valid key or a valid AAD token"
)


def serverless_unauthorized() -> ApiError:
    """Build the 401 of a serverless host, as recorded: `{"statusCode", "message"}`.

    The service sends `x-ms-error-reason` and no `x-ms-error-code`.
    """
    body = {"statusCode": 401, "message": SERVERLESS_UNAUTHORIZED_MESSAGE}
    error = ApiError(401, "401", body, {"x-ms-error-reason": "Invalid JWT."})
    error.headers.pop("x-ms-error-code", None)
    # The gateway writes `{ "statusCode": 401, "message": "..." }` (113 bytes, recorded).
    error.encoded = b"{ " + json.dumps(body).encode()[1:-1] + b" }"
    return error


def not_found() -> ApiError:
    """Build the 404 for a route the endpoint does not serve."""
    return azure_error(404, "404", "Resource not found")


def method_not_allowed(method: str, allowed: str) -> ApiError:
    """Build the 405 for a known route called with the wrong method."""
    return azure_error(
        405,
        "405",
        f"Method {method} is not allowed on this route; use {allowed}.",
        headers={"Allow": allowed},
    )


def too_large(code: str, message: str, *, target: str | None = None) -> ApiError:
    """Build a 413."""
    return azure_error(413, code, message, target=target)


def cohere_error(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> ApiError:
    """Build an error of Cohere's `/v2/embed` route: body `{"id", "message"}`, no error code header.

    Args:
        status: The HTTP status.
        message: The `message` of the body.
        headers: Extra response headers (e.g. `Retry-After`).

    Returns:
        The error to raise.
    """
    error = ApiError(status, str(status), {"id": str(uuid.uuid4()), "message": message}, headers)
    error.headers.pop("x-ms-error-code", None)
    return error


def rate_limited(retry_after_s: float, headers: Mapping[str, str]) -> ApiError:
    """Build a 429 with the service's message; `headers` say what to send of Retry-After."""
    seconds = max(1, math.ceil(retry_after_s))
    return azure_error(
        429, "429", f"Rate limit is exceeded. Try again in {seconds} seconds.", headers=headers
    )
