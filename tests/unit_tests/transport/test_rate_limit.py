"""The client-side rate limit: requests and estimated tokens per minute (pure, fake clock)."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings._transport.rate_limit import (
    TOKENS_PER_IMAGE,
    Pace,
    RateLimit,
    estimate_tokens,
)
from tests.unit_tests.model_inference_wire import build_body

from .clock import Clock


def _body(inputs: list, *, images: bool):
    return build_body(
        route_inputs=inputs,
        images=images,
        model="m",
        input_type="document",
        dimensions=None,
        encoding_format=None,
        model_kwargs={},
    )


def _texts(*texts: str):
    return _body(list(texts), images=False)


def _images(*captions: str | None):
    image = "data:image/png;base64,AAAA"
    return _body(
        [{"image": image, **({"text": text} if text else {})} for text in captions], images=True
    )


def test_token_estimate_counts_a_thousand_per_image_and_text_by_length():
    assert estimate_tokens(_images(None)) == TOKENS_PER_IMAGE == 1000
    assert estimate_tokens(_images(None, "a cat on a mat")) == 2000 + 4  # 14 chars
    assert estimate_tokens(_texts("abcd", "abcde", "")) == 1 + 2 + 0


def test_requests_per_minute_paces_after_one_seconds_burst():
    clock = Clock()
    limit = RateLimit(600, None, clock=clock)  # 10 per second, 10 at once
    waits = [limit.reserve(_texts("x")) for _ in range(30)]
    assert waits[:10] == pytest.approx([0.0] * 10, abs=1e-9)
    assert waits[10:] == pytest.approx([0.1 * n for n in range(1, 21)])


def test_waiting_callers_queue_and_the_bucket_refills_while_idle():
    clock = Clock()
    limit = RateLimit(60, None, clock=clock)  # one per second
    assert limit.reserve(_texts("x")) == 0.0
    assert limit.reserve(_texts("x")) == pytest.approx(1.0)
    assert limit.reserve(_texts("x")) == pytest.approx(2.0)
    clock.now += 10
    assert limit.reserve(_texts("x")) == 0.0  # idle time refilled it, up to the burst
    assert limit.reserve(_texts("x")) == pytest.approx(1.0)


def test_tokens_per_minute_paces_images():
    clock = Clock()
    limit = RateLimit(None, 60_000, clock=clock)  # 1,000 tokens (one image) per second
    waits = [limit.reserve(_images(None)) for _ in range(4)]
    assert waits == pytest.approx([0.0, 1.0, 2.0, 3.0])


def test_a_request_larger_than_the_burst_waits_for_a_full_bucket_and_is_never_refused():
    clock = Clock()
    limit = RateLimit(None, 6_000, clock=clock)  # 100 tokens a second; an image is 1,000
    assert limit.reserve(_images(None)) == 0.0
    assert limit.reserve(_images(None)) == pytest.approx(10.0)


def test_both_limits_apply_and_the_slower_decides():
    clock = Clock()
    limit = RateLimit(60, 120_000, clock=clock)  # 1 request/s, 2 images/s
    assert limit.reserve(_images(None)) == 0.0
    assert limit.reserve(_images(None)) == pytest.approx(1.0)  # requests bind
    many = _images(*([None] * 10))  # 10,000 tokens
    assert limit.reserve(many) == pytest.approx(2.0)
    # Tokens bind: the 10,000 took 5 s of quota from t=2; one image more fits in the
    # one-second burst half a second before that quota is paid off.
    assert limit.reserve(_images(None)) == pytest.approx(2.0 + 5.0 - 0.5)


def test_no_limit_means_no_wait():
    limit = RateLimit(None, None)
    assert limit.reserve(_texts("x")) == 0.0


def test_pace_due_time():
    pace = Pace(rate=2.0, burst=2.0)
    assert pace.earliest(1, now=0.0) == 0.0
    pace.take(1, 0.0)
    pace.take(1, 0.0)
    assert pace.earliest(1, now=0.0) == pytest.approx(0.5)
