"""Connection limits' parts: the log flood gate and the limits' validation."""

from __future__ import annotations

import logging

import pytest

from langchain_azure_image_embeddings.emulator.connections import (
    REFUSAL,
    ConnectionLimits,
    FloodGate,
    default_max_connections,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("emulator", logging.WARNING, __file__, 1, message, None, None)


def test_the_flood_gate_lets_a_burst_through_then_one_per_interval_and_counts_the_rest():
    clock = Clock()
    gate = FloodGate(burst=3, interval=2.0, clock=clock)
    assert [gate.filter(_record(f"m{i}")) for i in range(10)] == [True] * 3 + [False] * 7
    assert gate.suppressed == 7
    clock.now = 1.0
    assert not gate.filter(_record("too soon"))
    clock.now = 2.5
    record = _record("later")
    assert gate.filter(record)
    assert record.getMessage() == "later [8 similar log records suppressed]"
    assert gate.suppressed == 0
    clock.now = 1000.0  # tokens refill up to the burst, not beyond
    assert [gate.filter(_record("x")) for _ in range(4)] == [True, True, True, False]


def test_the_gate_is_attached_only_while_guarding():
    gate = FloodGate(burst=1, interval=60.0)
    logger = logging.getLogger("test-flood-gate")
    with gate.guarding(("test-flood-gate",)):
        assert gate in logger.filters
    assert gate not in logger.filters


@pytest.mark.parametrize(
    "kwargs",
    [{"header_timeout": 0}, {"body_timeout": -1}, {"idle_timeout": 0}, {"max_connections": 0}],
)
def test_limits_that_would_disable_the_protection_are_refused(kwargs):
    with pytest.raises(ValueError, match="timeouts|max_connections"):
        ConnectionLimits(**kwargs)


def test_defaults_and_the_refusal_answer():
    assert 64 <= default_max_connections() <= 4096
    head, _, body = REFUSAL.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert f"Content-Length: {len(body)}".encode() in head
