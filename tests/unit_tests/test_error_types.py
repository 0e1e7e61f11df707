"""Every error of a call shares one base class; each keeps the built-in type it is."""

from __future__ import annotations

import pickle

from langchain_azure_image_embeddings import (
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageEmbeddingsError,
    ImageInputError,
)


def test_one_base_class_catches_every_error_of_a_call() -> None:
    input_error = ImageInputError("not an image", position=1)
    service_error = EmbeddingServiceError("refused", status_code=400, request_id="r-1")
    batch_error = EmbeddingBatchError({0: input_error, 1: service_error}, [None, None])
    for error in (input_error, service_error, batch_error):
        assert isinstance(error, ImageEmbeddingsError)
    assert isinstance(input_error, ValueError)
    assert isinstance(service_error, RuntimeError)
    assert not isinstance(batch_error, ValueError)  # it may carry service errors


def test_the_request_id_survives_pickling() -> None:
    error = EmbeddingServiceError("refused", status_code=404, request_id="abc")
    assert pickle.loads(pickle.dumps(error)).request_id == "abc"
