"""The request state machine: retries, waits, the input_type fallback and 413 splits."""

from __future__ import annotations

import json
import random
import warnings

import pytest

from langchain_azure_image_embeddings._engine.exchange import (
    ExchangePolicy,
    InputTypeFallbackWarning,
    InputTypeMemory,
    Send,
    Sleep,
    exchange,
)
from langchain_azure_image_embeddings._protocols.wire import ParsedEmbeddings
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome
from langchain_azure_image_embeddings._transport.retry import RetrySettings
from langchain_azure_image_embeddings.errors import EmbeddingServiceError
from tests.unit_tests.model_inference_wire import build_body


def _request(n: int = 1, input_type: str | None = "document"):
    return build_body(
        route_inputs=[{"image": f"data:image/png;base64,{i}"} for i in range(n)],
        images=True,
        model="m",
        input_type=input_type,
        dimensions=None,
        encoding_format=None,
        model_kwargs={},
    )


def _ok(n: int) -> HttpOutcome:
    data = [{"index": i, "embedding": [float(i), 1.0]} for i in reversed(range(n))]
    body = {"data": data, "usage": {"prompt_tokens": 10 * n, "total_tokens": 10 * n}}
    return HttpOutcome(200, {}, json.dumps(body).encode())


def _policy(**retry) -> ExchangePolicy:
    return ExchangePolicy(
        retry=RetrySettings(**retry),
        input_type_fallback=True,
        memory=InputTypeMemory(),
        model="m",
        rng=random.Random(0),
    )


def _play(generator, replies):
    """Drive the generator with scripted outcomes; return (steps, result or error)."""
    steps = []
    replies = list(replies)
    reply = None
    try:
        while True:
            step = generator.send(reply)
            steps.append(step)
            reply = replies.pop(0)(step) if isinstance(step, Send) else None
    except StopIteration as done:
        return steps, done.value
    except EmbeddingServiceError as error:
        return steps, error


def test_success_sorts_by_index_and_sums_usage():
    steps, result = _play(exchange(_request(3), _policy()), [lambda s: _ok(3)])
    assert isinstance(result, ParsedEmbeddings)
    assert result.vectors == [[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]
    assert result.usage.total_tokens == 30
    assert len(steps) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_with_backoff(status):
    steps, result = _play(
        exchange(_request(), _policy(backoff_base=0.5)),
        [lambda s: HttpOutcome(status), lambda s: HttpOutcome(status), lambda s: _ok(1)],
    )
    assert isinstance(result, ParsedEmbeddings)
    sleeps = [step for step in steps if isinstance(step, Sleep)]
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0].seconds <= 0.5 and 0.5 <= sleeps[1].seconds <= 1.0
    assert all(sleep.throttled == (status == 429) for sleep in sleeps)


@pytest.mark.parametrize("failure", ["connect", "timeout", "connection"])
def test_transport_failures_are_retried(failure):
    _, result = _play(
        exchange(_request(), _policy()),
        [lambda s: HttpOutcome(None, failure=failure), lambda s: _ok(1)],
    )
    assert isinstance(result, ParsedEmbeddings)


def test_credential_failure_is_not_retried():
    steps, error = _play(
        exchange(_request(), _policy()),
        [lambda s: HttpOutcome(None, failure="credential", detail="no token")],
    )
    assert isinstance(error, EmbeddingServiceError) and len(steps) == 1
    assert "token" in str(error) and error.status_code is None


def test_retries_are_bounded_and_the_error_counts_attempts():
    steps, error = _play(
        exchange(_request(), _policy(max_retries=2)), [lambda s: HttpOutcome(503)] * 3
    )
    assert isinstance(error, EmbeddingServiceError)
    assert error.status_code == 503 and error.attempts == 3
    assert sum(isinstance(step, Send) for step in steps) == 3


def test_retry_after_is_honoured_and_ms_wins():
    steps, _ = _play(
        exchange(_request(), _policy()),
        [
            lambda s: HttpOutcome(429, {"retry-after": "2"}),
            lambda s: HttpOutcome(429, {"retry-after": "9", "retry-after-ms": "1500"}),
            lambda s: _ok(1),
        ],
    )
    assert [step.seconds for step in steps if isinstance(step, Sleep)] == [2.0, 1.5]


def test_retry_after_beyond_the_cap_fails_at_once_and_says_so():
    steps, error = _play(
        exchange(_request(), _policy(max_retry_after=30)),
        [
            lambda s: HttpOutcome(
                429, {"retry-after": "3600"}, b'{"error":{"code":"429","message":"slow down"}}'
            )
        ],
    )
    assert isinstance(error, EmbeddingServiceError)
    assert error.status_code == 429 and error.retry_after == 3600
    assert "3600" in str(error) and "max_retry_after" in str(error)
    assert not any(isinstance(step, Sleep) for step in steps)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(status):
    steps, error = _play(
        exchange(_request(input_type=None), _policy()), [lambda s: HttpOutcome(status)]
    )
    assert isinstance(error, EmbeddingServiceError) and error.status_code == status
    assert len(steps) == 1


def test_input_type_rejection_falls_back_once_and_is_remembered():
    policy = _policy()
    rejection = HttpOutcome(
        422,
        {},
        b'{"status":422,"code":"parameter_not_supported","detail":{"loc":["body","input_type"]},'
        b'"message":"One of the parameters contain invalid values."}',
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps, result = _play(exchange(_request(), policy), [lambda s: rejection, lambda s: _ok(1)])
        sent = [step.request.body for step in steps if isinstance(step, Send)]
        assert "input_type" in sent[0] and "input_type" not in sent[1]
        assert isinstance(result, ParsedEmbeddings)
        steps, _ = _play(exchange(_request(), policy), [lambda s: _ok(1)])
        assert "input_type" not in steps[0].request.body
    assert [w.category for w in caught] == [InputTypeFallbackWarning]


def test_input_type_rejection_without_fallback_is_an_error():
    policy = ExchangePolicy(RetrySettings(), False, InputTypeMemory(), "m")
    rejection = HttpOutcome(
        422,
        {},
        b'{"code":"parameter_not_supported","message":"bad input_type",'
        b'"detail":{"loc":["body","input_type"]}}',
    )
    _, error = _play(exchange(_request(), policy), [lambda s: rejection])
    assert isinstance(error, EmbeddingServiceError)
    assert error.status_code == 422 and error.error_code == "parameter_not_supported"
    assert "bad input_type" in str(error)


def test_413_splits_a_multi_input_request():
    def answer(step: Send) -> HttpOutcome:
        size = step.request.size
        return HttpOutcome(413) if size > 1 else _ok(1)

    steps, result = _play(exchange(_request(4), _policy()), [answer] * 7)
    sizes = [step.request.size for step in steps if isinstance(step, Send)]
    assert sizes == [4, 2, 1, 1, 2, 1, 1]
    assert isinstance(result, ParsedEmbeddings) and len(result.vectors) == 4


def test_413_on_a_single_input_is_a_clear_error():
    _, error = _play(exchange(_request(1), _policy()), [lambda s: HttpOutcome(413)])
    assert isinstance(error, EmbeddingServiceError) and error.status_code == 413
    assert "max_image_bytes" in str(error)


def test_incomplete_response_is_an_error():
    _, error = _play(exchange(_request(2), _policy()), [lambda s: _ok(1)])
    assert isinstance(error, EmbeddingServiceError)
    assert "1 embeddings for 2 inputs" in str(error)
