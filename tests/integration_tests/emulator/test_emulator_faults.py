"""Each fault kind against the real SDK with its default retry policy (research §7.1), the
reproducible fault plan, the rpm limit and the added latency."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest
from azure.ai.inference import ImageEmbeddingsClient
from azure.ai.inference.aio import ImageEmbeddingsClient as AsyncImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import (
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)

from langchain_azure_image_embeddings.emulator import FAULT_KINDS, FaultPlan, FoundryEmulator

from ...conftest import png_bytes
from .conftest import API_VERSION, KEY, V3, data_url, send, wait_for_in_flight

IMAGE = [ImageEmbeddingInput(image=data_url(png_bytes()))]
RETRY_AFTER = 0.05  # seconds; small so that the SDK's honoured sleeps stay short
CLIENT_OPTIONS = {"api_version": API_VERSION, "retry_backoff_factor": 0.01}

# forced outcomes, HTTP attempts the SDK makes, what it raises (None: success; a pair: what the
# sync client raises, what the async client raises), status
SDK_BEHAVIOUR = {
    "429 with Retry-After, always": (["429"] * 4, 4, HttpResponseError, 429),
    "429 with Retry-After, once": (["429"], 2, None, None),
    "429 without Retry-After": (["429-no-retry-after"], 1, HttpResponseError, 429),
    "429 with only retry-after-ms": (["429-retry-after-ms"], 1, HttpResponseError, 429),
    "408": (["408"], 1, HttpResponseError, 408),
    "413": (["413"], 1, HttpResponseError, 413),
    "500, always": (["500"] * 4, 4, HttpResponseError, 500),
    "500, once": (["500"], 2, None, None),
    "502": (["502"], 1, HttpResponseError, 502),
    "503, always": (["503"] * 4, 4, HttpResponseError, 503),
    "504, always": (["504"] * 4, 4, HttpResponseError, 504),
    "reset": (["reset"], 1, (ServiceResponseError, ServiceRequestError), None),
    "stall (read_timeout=0.5)": (["stall"], 1, ServiceResponseTimeoutError, None),
}


@pytest.fixture
def faulty():
    with FoundryEmulator(model=V3, key=KEY, retry_after=RETRY_AFTER) as emulator:
        yield emulator


def attempts(emulator: FoundryEmulator) -> int:
    return emulator.stats()["requests"]["/images/embeddings"]


def check(emulator, error, expected_attempts, raised, status, forced, *, sync: bool) -> None:
    assert attempts(emulator) == expected_attempts
    if isinstance(raised, tuple):
        raised = raised[0] if sync else raised[1]
    if raised is None:
        assert error is None
    else:
        assert type(error) is raised, repr(error)
        if status is not None:
            assert error.status_code == status
    kinds = {kind: forced.count(kind) for kind in set(forced)}
    assert emulator.stats()["faults_injected"] == kinds
    assert wait_for_in_flight(emulator, 0) == 0  # the server noticed clients that gave up


@pytest.mark.parametrize(
    ("forced", "expected_attempts", "raised", "status"),
    SDK_BEHAVIOUR.values(),
    ids=SDK_BEHAVIOUR.keys(),
)
def test_sync_sdk_behaviour(faulty, forced, expected_attempts, raised, status):
    faulty.enqueue(*forced)
    error = None
    with ImageEmbeddingsClient(
        faulty.endpoint, AzureKeyCredential(KEY), **CLIENT_OPTIONS
    ) as client:
        try:
            client.embed(input=IMAGE, read_timeout=0.5)
        except Exception as caught:
            error = caught
    check(faulty, error, expected_attempts, raised, status, forced, sync=True)


@pytest.mark.parametrize(
    ("forced", "expected_attempts", "raised", "status"),
    SDK_BEHAVIOUR.values(),
    ids=SDK_BEHAVIOUR.keys(),
)
async def test_async_sdk_behaviour(faulty, forced, expected_attempts, raised, status):
    faulty.enqueue(*forced)
    error = None
    async with AsyncImageEmbeddingsClient(
        faulty.endpoint, AzureKeyCredential(KEY), **CLIENT_OPTIONS
    ) as client:
        try:
            await client.embed(input=IMAGE, read_timeout=0.5)
        except Exception as caught:
            error = caught
    check(faulty, error, expected_attempts, raised, status, forced, sync=False)


def test_429_retry_after_is_honoured_as_sent(faulty):
    faulty.enqueue(("429", {"Retry-After": "3600"}))
    with (
        ImageEmbeddingsClient(
            faulty.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
        ) as client,
        pytest.raises(HttpResponseError) as caught,
    ):
        client.embed(input=IMAGE, retry_total=0)
    assert caught.value.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "3600"
    assert caught.value.error.code == "429"


def raw_outcome(emulator: FoundryEmulator) -> str:
    """Status of one request as a string, 'reset' for a dropped connection."""
    parts = urlsplit(emulator.endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request(
            "POST",
            f"/models/embeddings?api-version={API_VERSION}",
            body=b'{"input": ["x"]}',
            headers={"api-key": KEY, "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        return str(response.status)
    except (ConnectionError, http.client.RemoteDisconnected):
        return "reset"
    finally:
        connection.close()


def test_fault_plan_is_reproducible_from_its_seed():
    kinds = ("429", "429-no-retry-after", "500", "502", "503", "504", "reset")
    runs = []
    for seed in (42, 42, 43):
        with FoundryEmulator(
            model=V3, key=KEY, fault_rate=0.5, faults=kinds, seed=seed
        ) as emulator:
            runs.append([raw_outcome(emulator) for _ in range(40)])
            assert sum(emulator.stats()["faults_injected"].values()) == sum(
                o != "200" for o in runs[-1]
            )
    plan = FaultPlan(42, 0.5, kinds)
    expected = [
        {None: "200", "429-no-retry-after": "429"}.get(k, k) for k in map(plan.outcome, range(40))
    ]
    assert runs[0] == runs[1] == expected
    assert runs[2] != runs[0]
    assert {"200", "429", "reset"} <= set(runs[0])


def test_every_plan_kind_is_reachable_from_the_cli_names():
    assert set(FAULT_KINDS) == {
        "429",
        "429-no-retry-after",
        "500",
        "502",
        "503",
        "504",
        "reset",
        "stall",
    }


def test_rpm_limit_answers_429_with_retry_after():
    with FoundryEmulator(model=V3, key=KEY, rpm=2) as emulator:
        assert send(emulator, "/embeddings", {"input": ["a"]}).status == 200
        assert send(emulator, "/embeddings", {"input": ["b"]}).status == 200
        refused = send(emulator, "/embeddings", {"input": ["c"]})
        assert refused.status == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert 0 < int(refused.headers["retry-after-ms"]) <= 60_000
        assert refused.json()["error"]["code"] == "429"
        assert send(emulator, "/info", method="GET").status == 200  # /info is not limited
        with (
            ImageEmbeddingsClient(
                emulator.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
            ) as client,
            pytest.raises(HttpResponseError) as caught,
        ):
            client.embed(input=IMAGE, retry_total=0)
        assert caught.value.status_code == 429
        assert int(caught.value.response.headers["Retry-After"]) >= 1
        assert emulator.stats()["status_counts"] == {"200": 3, "429": 2}


def test_latency_is_added_to_every_answer():
    with FoundryEmulator(model=V3, key=KEY, latency_ms=150) as emulator:
        for path, method in (("/embeddings", "POST"), ("/info", "GET")):
            started = time.perf_counter()
            reply = send(
                emulator, path, {"input": ["x"]} if method == "POST" else None, method=method
            )
            assert reply.status == 200
            assert time.perf_counter() - started >= 0.15
        started = time.perf_counter()
        assert send(emulator, "/embeddings", {"input": ["x"]}, key="wrong").status == 401
        assert time.perf_counter() - started >= 0.15
