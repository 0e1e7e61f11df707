"""The emulator's rpm limit is enforced over 10 s windows too, as Azure does (fake clock)."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings.emulator.errors import ApiError
from langchain_azure_image_embeddings.emulator.ratelimit import RpmLimiter

from ..transport.clock import Clock


def test_a_burst_of_500_against_600_rpm_is_throttled_after_a_sixth():
    clock = Clock()
    limiter = RpmLimiter(600, clock=clock)
    admitted = sum(limiter.acquire() is None for _ in range(500))
    assert admitted == 100
    clock.now += 9.5
    assert limiter.acquire() == pytest.approx(0.5)
    clock.now += 0.5
    assert sum(limiter.acquire() is None for _ in range(500)) == 100


def test_the_minute_still_bounds_steady_traffic():
    clock = Clock()
    limiter = RpmLimiter(600, clock=clock)
    admitted = 0
    for _ in range(120):  # 20 requests a second for a minute: the 10 s windows bind
        for _ in range(10):
            admitted += limiter.acquire() is None
        clock.now += 0.5
    assert admitted == 600


def test_small_limits_use_the_minute_only():
    clock = Clock()
    limiter = RpmLimiter(2, clock=clock)
    assert limiter.acquire() is None and limiter.acquire() is None
    assert limiter.acquire() == pytest.approx(60.0)


def test_check_answers_429_with_the_wait_of_the_binding_window():
    clock = Clock()
    limiter = RpmLimiter(60, clock=clock)  # 10 per 10 s
    for _ in range(10):
        limiter.check()
    clock.now += 2.25
    with pytest.raises(ApiError) as caught:
        limiter.check()
    assert caught.value.status == 429
    assert caught.value.headers["retry-after-ms"] == "7750"
    assert caught.value.headers["Retry-After"] == "8"
