"""A clock that tests move by hand."""

from __future__ import annotations


class Clock:
    """Callable like ``time.monotonic``; set ``now`` to move it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
