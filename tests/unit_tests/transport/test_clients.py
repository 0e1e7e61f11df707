"""The transport's own decisions: headers, timeouts under a deadline, and failure kinds."""

from __future__ import annotations

import time

import pytest
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest

from langchain_azure_image_embeddings._transport.clients import (
    KeyHeaders,
    TransportSettings,
    _failure,
    _redacted,
)

SETTINGS = TransportSettings(
    endpoint="https://res.services.ai.azure.com/providers/cohere",
    api_version="2025-04-01",
    pool_size=4,
    connect_timeout=10.0,
    read_timeout=60.0,
    api="cohere",
)


def test_a_key_goes_as_api_key_and_as_bearer_and_a_rotated_key_is_used():
    credential = AzureKeyCredential("first")
    policy = KeyHeaders(credential)
    request = PipelineRequest(HttpRequest("POST", "https://x/v2/embed"), PipelineContext(None))
    policy.on_request(request)
    assert request.http_request.headers["api-key"] == "first"
    assert request.http_request.headers["Authorization"] == "Bearer first"
    credential.update("second")
    policy.on_request(request)
    assert request.http_request.headers["Authorization"] == "Bearer second"


def test_secret_headers_are_redacted_in_traces():
    shown = _redacted({"Authorization": "Bearer k", "api-key": "k", "Content-Type": "x"})
    assert shown == {"Authorization": "REDACTED", "api-key": "REDACTED", "Content-Type": "x"}


def test_timeouts_are_cut_to_the_deadline_and_untouched_without_one():
    assert SETTINGS.timeouts(None) == {}
    cut = SETTINGS.timeouts(time.monotonic() + 2.0)
    assert 1.5 < cut["read_timeout"] <= 2.0 and 1.5 < cut["connection_timeout"] <= 2.0
    late = SETTINGS.timeouts(time.monotonic() - 5)
    assert late["read_timeout"] == pytest.approx(0.001)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ClientAuthenticationError("no token"), "credential"),
        (
            ServiceRequestError("Bearer token authentication is not permitted for non-TLS"),
            "credential",
        ),
        (ServiceRequestError("[SSL: CERTIFICATE_VERIFY_FAILED]"), "tls"),
        (ServiceResponseTimeoutError("read timed out"), "timeout"),
        (ServiceRequestError("Connection refused"), "connect"),
        (ServiceResponseError("Connection reset by peer"), "connection"),
    ],
)
def test_each_transport_failure_gets_its_kind(error, kind):
    assert _failure(error, SETTINGS).failure == kind


def test_a_header_the_http_library_refuses_is_a_configuration_failure():
    wrapped = ServiceRequestError("Invalid header value", error=ValueError("bad header"))
    outcome = _failure(wrapped, SETTINGS)
    assert outcome.failure == "configuration" and "header" in outcome.detail


def test_a_timeout_names_the_limit_that_ran_out():
    outcome = _failure(ServiceResponseTimeoutError("read timed out"), SETTINGS)
    assert outcome.detail.startswith("no answer within the read timeout of 60 s")
