"""What one HTTP attempt produced, in a form the rest of the package can decide on.

The transport turns every answer and every transport failure into an
:class:`HttpOutcome`, so that retry and error decisions need no SDK types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["FailureKind", "HttpOutcome"]

FailureKind = Literal["connect", "timeout", "connection", "credential", "tls", "configuration"]


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    """One attempt's result: an HTTP answer, or a transport failure.

    Attributes:
        status: The HTTP status, or ``None`` when no answer arrived.
        headers: Response headers with lower-case names.
        body: The response body.
        failure: What went wrong when no answer arrived.
        detail: A safe, human description of the failure (no secrets, no payloads).
    """

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    failure: FailureKind | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the attempt got a 200 answer."""
        return self.status == 200
