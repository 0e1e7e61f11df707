"""Service answers and transport failures become the EmbeddingServiceError a user reads."""

from __future__ import annotations

import json

import pytest

from langchain_azure_image_embeddings._engine.error_mapping import (
    names_input_type,
    parse_error_body,
    service_error,
)
from langchain_azure_image_embeddings._transport.outcomes import HttpOutcome


@pytest.mark.parametrize(
    ("body", "code", "message", "request_id"),
    [
        ({"error": {"code": "Bad", "message": "nested"}}, "Bad", "nested", None),
        ({"code": "Flat", "message": "flat"}, "Flat", "flat", None),
        ({"id": "req-1", "message": "cohere"}, None, "cohere", "req-1"),
        ({"detail": [{"loc": ["input_type"]}]}, None, '[{"loc": ["input_type"]}]', None),
    ],
)
def test_every_documented_error_body_shape_is_read(body, code, message, request_id):
    parsed = parse_error_body(json.dumps(body).encode())
    assert (parsed.code, parsed.message, parsed.request_id) == (code, message, request_id)


def test_plain_text_and_empty_bodies_are_read_too():
    assert parse_error_body(b"upstream failed\n").message == "upstream failed"
    assert parse_error_body(b"").message is None
    assert parse_error_body(b"[1, 2]").message is None


def test_a_long_message_is_cut():
    parsed = parse_error_body(json.dumps({"message": "x" * 10_000}).encode())
    assert parsed.message is not None and len(parsed.message) == 500


def test_the_error_carries_status_code_request_id_retry_after_and_a_hint():
    outcome = HttpOutcome(
        429,
        {"retry-after": "7", "x-request-id": "hdr-9"},
        json.dumps({"message": "slow down"}).encode(),
    )
    error = service_error(outcome, attempts=3)
    assert (error.status_code, error.message, error.retry_after) == (429, "slow down", 7.0)
    assert error.request_id == "hdr-9" and error.attempts == 3
    assert "requests_per_minute" in (error.hint or "")


def test_a_protocol_hint_wins_over_the_common_one():
    error = service_error(HttpOutcome(404), attempts=1, hints={404: "the Target URI"})
    assert error.hint == "the Target URI"
    assert error.message == "the service answered HTTP 404 with no message"


def test_a_transport_failure_says_what_to_check():
    error = service_error(
        HttpOutcome(None, failure="configuration", detail="refused header"), attempts=1
    )
    assert error.status_code is None and error.message == "refused header"
    assert "client_kwargs" in (error.hint or "")


def test_only_a_422_naming_input_type_is_an_input_type_refusal():
    assert names_input_type(HttpOutcome(422, body=b'{"detail": "input_type not allowed"}'))
    assert not names_input_type(HttpOutcome(400, body=b'{"detail": "input_type"}'))
    assert not names_input_type(HttpOutcome(422, body=b'{"detail": "dimensions"}'))
