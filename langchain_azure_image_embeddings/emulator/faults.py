"""Injected faults: a seeded, reproducible plan, plus outcomes forced by a test.

Every request that reaches an embeddings route and passes authentication, the `api-version`
check and the `rpm` limit takes the next request number n (0, 1, 2, ...). Its outcome is the
next forced outcome if any is queued, else `FaultPlan.outcome(n)`: with `u` and `k` read from
`blake2b("fault-plan:{seed}:{n}")`, request n fails iff `u < rate`, with kind `kinds[k % len]`.
The plan is therefore a pure function of (seed, rate, kinds, n).
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from langchain_azure_image_embeddings.emulator.errors import ApiError, azure_error, rate_limited

FAULT_KINDS = ("429", "429-no-retry-after", "500", "502", "503", "504", "reset", "stall")
"""Kinds the random plan can draw (`faults=` / `--faults`)."""

FORCED_KINDS = (*FAULT_KINDS, "408", "413", "429-retry-after-ms")
"""Kinds `FoundryEmulator.enqueue` accepts."""

DEFAULT_FAULTS = ("429", "500", "502", "503", "504")
"""Kinds drawn when `fault_rate` is set and `faults` is not."""

ForcedOutcome = str | tuple[str, Mapping[str, str]]

_STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "408": (408, "Timeout", "The operation timed out."),
    "413": (413, "request_too_large", "The request body is too large."),
    "500": (500, "InternalServerError", "The server had an error processing your request."),
    "502": (502, "BadGateway", "Bad gateway."),
    "503": (503, "ServiceUnavailable", "The service is temporarily unavailable."),
    "504": (504, "GatewayTimeout", "The gateway timed out waiting for the model."),
}


@dataclass(frozen=True)
class Fault:
    """One injected outcome.

    Attributes:
        kind: A kind of `FORCED_KINDS`.
        headers: Extra response headers, overriding the kind's own (e.g. `Retry-After`).
    """

    kind: str
    headers: Mapping[str, str] = field(default_factory=dict)


def check_kinds(kinds: Sequence[str], allowed: Sequence[str] = FAULT_KINDS) -> None:
    """Refuse fault kinds not in ``allowed``.

    Raises:
        ValueError: Naming the unknown kinds and the allowed ones.
    """
    unknown = [kind for kind in kinds if kind not in allowed]
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; choose from {', '.join(allowed)}")


class FaultPlan:
    """A reproducible plan: which request numbers fail, and how."""

    def __init__(self, seed: int, rate: float, kinds: Sequence[str] = DEFAULT_FAULTS) -> None:
        """Create the plan.

        Args:
            seed: The seed; the same seed gives the same plan.
            rate: Share of requests that fail, 0 to 1.
            kinds: Kinds to draw from (a subset of `FAULT_KINDS`).

        Raises:
            ValueError: Rate outside 0..1, or unknown or no kinds with a positive rate.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {rate}")
        check_kinds(kinds)
        if rate > 0 and not kinds:
            raise ValueError("a positive fault rate needs at least one fault kind")
        self.seed = seed
        self.rate = rate
        self.kinds = tuple(kinds)

    def outcome(self, n: int) -> str | None:
        """Return the fault kind of request number `n`, or None when it succeeds."""
        if self.rate <= 0.0:
            return None
        digest = hashlib.blake2b(f"fault-plan:{self.seed}:{n}".encode(), digest_size=16).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 >= self.rate:
            return None
        return self.kinds[int.from_bytes(digest[8:], "big") % len(self.kinds)]


class FaultSchedule:
    """The plan plus a queue of forced outcomes; safe to use from several threads."""

    def __init__(self, plan: FaultPlan) -> None:
        """Create a schedule that starts at request number 0."""
        self.plan = plan
        self._forced: deque[Fault] = deque()
        self._next_number = 0
        self._lock = threading.Lock()

    def enqueue(self, *outcomes: ForcedOutcome) -> None:
        """Force the outcomes of the next requests, in order.

        Args:
            *outcomes: Kinds of `FORCED_KINDS`, or `(kind, extra_headers)` tuples.

        Raises:
            ValueError: An unknown kind.
        """
        faults = [
            Fault(outcome) if isinstance(outcome, str) else Fault(outcome[0], dict(outcome[1]))
            for outcome in outcomes
        ]
        check_kinds([fault.kind for fault in faults], FORCED_KINDS)
        with self._lock:
            self._forced.extend(faults)

    def next(self) -> Fault | None:
        """Take the next request number and return its fault, if any."""
        with self._lock:
            number = self._next_number
            self._next_number += 1
            if self._forced:
                return self._forced.popleft()
        kind = self.plan.outcome(number)
        return None if kind is None else Fault(kind)


def format_seconds(seconds: float) -> str:
    """Format a delay for `Retry-After`: an integer when whole, else a decimal."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def fault_error(fault: Fault, retry_after: float) -> ApiError:
    """Build the answer of a fault kind that answers with a status (not `reset` / `stall`).

    Args:
        fault: The fault.
        retry_after: Seconds sent with the `429` kinds.

    Returns:
        The error to send.
    """
    if fault.kind.startswith("429"):
        headers = {
            "429": {"Retry-After": format_seconds(retry_after)},
            "429-retry-after-ms": {"retry-after-ms": str(round(retry_after * 1000))},
        }.get(fault.kind, {})
        return rate_limited(retry_after, {**headers, **fault.headers})
    status, code, message = _STATUS_FAULTS[fault.kind]
    return azure_error(status, code, message, headers=fault.headers)
