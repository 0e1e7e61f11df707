"""The requests-per-minute limit below 6 rpm: one sliding 60-second window."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings.emulator.errors import ApiError
from langchain_azure_image_embeddings.emulator.ratelimit import RpmLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_admits_up_to_the_limit_then_says_when_a_slot_frees():
    clock = Clock()
    limiter = RpmLimiter(3, clock=clock)
    for moment in (1000.0, 1010.0, 1030.0):
        clock.now = moment
        assert limiter.acquire() is None
    clock.now = 1040.0
    assert limiter.acquire() == pytest.approx(20.0)
    clock.now = 1059.5
    assert limiter.acquire() == pytest.approx(0.5)
    clock.now = 1060.0
    assert limiter.acquire() is None  # the request of t=1000 left the window
    assert limiter.acquire() == pytest.approx(10.0)  # next to leave: t=1010


def test_refusals_do_not_count():
    clock = Clock()
    limiter = RpmLimiter(1, clock=clock)
    assert limiter.acquire() is None
    for _ in range(5):
        clock.now += 1
        assert limiter.acquire() is not None
    clock.now = 1060.0
    assert limiter.acquire() is None


def test_check_raises_429_with_whole_seconds_and_milliseconds():
    clock = Clock()
    limiter = RpmLimiter(1, clock=clock)
    limiter.check()
    clock.now += 58.7
    with pytest.raises(ApiError) as caught:
        limiter.check()
    error = caught.value
    assert error.status == 429
    assert error.headers["Retry-After"] == "2"
    assert error.headers["retry-after-ms"] == "1300"
    assert error.body["error"]["message"] == "Rate limit is exceeded. Try again in 2 seconds."


def test_retry_after_is_at_least_one_second():
    clock = Clock()
    limiter = RpmLimiter(1, clock=clock)
    limiter.check()
    clock.now += 59.99
    with pytest.raises(ApiError) as caught:
        limiter.check()
    assert caught.value.headers["Retry-After"] == "1"


def test_limit_must_be_positive():
    with pytest.raises(ValueError, match="rpm"):
        RpmLimiter(0)
