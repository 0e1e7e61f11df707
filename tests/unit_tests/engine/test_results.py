"""A call's answers back in input order, and the one error that reports its failures."""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInputError,
)
from langchain_azure_image_embeddings._engine.results import CallResults
from langchain_azure_image_embeddings.usage import Usage


def _results(count: int) -> CallResults:
    results = CallResults()
    results.expect(count)
    return results


def test_vectors_come_back_in_input_order_whatever_order_they_arrive_in():
    results = _results(4)
    results.add_vectors([3, 1], [[3.0], [1.0]])
    results.add_found({0: [0.0]})
    results.add_vectors([2], [[2.0]])
    results.add_usage(Usage(prompt_tokens=2, total_tokens=2))
    results.add_usage(Usage(prompt_tokens=1, total_tokens=3, images=1))
    assert results.vectors_or_raise() == [[0.0], [1.0], [2.0], [3.0]]
    assert results.usage == Usage(prompt_tokens=3, total_tokens=5, images=1)


def test_one_failure_is_raised_as_itself_with_every_vector_obtained():
    results = _results(3)
    results.add_vectors([0, 2], [[0.0], [2.0]])
    results.add_failures({1: ImageInputError("not an image", position=1)})
    with pytest.raises(ImageInputError) as raised:
        results.vectors_or_raise()
    assert raised.value.position == 1
    assert raised.value.embeddings == [[0.0], None, [2.0]]


def test_failures_of_both_kinds_are_one_batch_error_keeping_the_rest():
    results = _results(3)
    results.add_vectors([0], [[0.0]])
    results.add_failures(
        {
            1: ImageInputError("not an image", position=1),
            2: EmbeddingServiceError("refused", status_code=400),
        }
    )
    with pytest.raises(EmbeddingBatchError) as raised:
        results.vectors_or_raise()
    assert raised.value.positions == [1, 2]
    assert raised.value.embeddings == [[0.0], None, None]
    assert results.in_order()[0] == [0.0]


def test_service_failures_alone_keep_the_service_error_type_and_its_status():
    results = _results(2)
    error = EmbeddingServiceError("busy", status_code=503, attempts=7)
    results.add_failures({0: error, 1: error})
    with pytest.raises(EmbeddingServiceError) as raised:
        results.vectors_or_raise()
    assert raised.value.status_code == 503 and raised.value.attempts == 7
    assert sorted(raised.value.failures) == [0, 1]
