"""Concurrency, cancelled clients, stopping with stalled requests, the stats endpoints."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from azure.ai.inference.aio import ImageEmbeddingsClient as AsyncImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AzureKeyCredential

from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_image_vector

from ...conftest import jpeg_bytes
from .conftest import API_VERSION, KEY, V3, data_url, send, wait_for_in_flight


async def test_64_concurrent_requests_are_served_concurrently():
    images = [jpeg_bytes((64, 48), seed) for seed in range(64)]
    with FoundryEmulator(model=V3, key=KEY, latency_ms=400) as emulator:
        async with AsyncImageEmbeddingsClient(
            emulator.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
        ) as client:
            started = time.perf_counter()
            results = await asyncio.gather(
                *(
                    client.embed(input=[ImageEmbeddingInput(image=data_url(image, "image/jpeg"))])
                    for image in images
                )
            )
            elapsed = time.perf_counter() - started
        stats = emulator.stats()
    assert [r.data[0].embedding for r in results] == [
        expected_image_vector(image, model=V3) for image in images
    ]
    assert stats["max_in_flight"] >= 64
    assert stats["in_flight"] == 0
    assert stats["images"] == 64
    assert elapsed < 3.0  # 64 x 0.4 s would take 25 s one at a time


@pytest.mark.parametrize("slow", ["latency", "stall"])
async def test_a_cancelled_client_leaves_nothing_in_flight(slow):
    options = {"latency_ms": 5000} if slow == "latency" else {}
    with FoundryEmulator(model=V3, key=KEY, **options) as emulator:
        if slow == "stall":
            emulator.enqueue("stall")
        async with AsyncImageEmbeddingsClient(
            emulator.endpoint, AzureKeyCredential(KEY), api_version=API_VERSION
        ) as client:
            call = asyncio.ensure_future(
                client.embed(input=[ImageEmbeddingInput(image=data_url(jpeg_bytes()))])
            )
            assert await asyncio.to_thread(wait_for_in_flight, emulator, 1) == 1
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
        assert await asyncio.to_thread(wait_for_in_flight, emulator, 0) == 0
        assert emulator.stats()["max_in_flight"] == 1


def test_stop_does_not_wait_for_stalled_requests():
    emulator = FoundryEmulator(model=V3, key=KEY).start()
    emulator.enqueue("stall", "stall")
    outcomes: list[str] = []

    def client() -> None:
        try:
            outcomes.append(str(send(emulator, "/embeddings", {"input": ["x"]}, timeout=30).status))
        except OSError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert wait_for_in_flight(emulator, 2) == 2
    endpoint = urlsplit(emulator.endpoint)
    started = time.perf_counter()
    emulator.stop()
    assert time.perf_counter() - started < 2.0
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive()
    assert len(outcomes) == 2
    assert "200" not in outcomes
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((endpoint.hostname, endpoint.port), timeout=2)


def test_start_twice_fails_and_restart_after_stop_works():
    emulator = FoundryEmulator(model=V3, key=KEY)
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.endpoint
    with emulator, pytest.raises(RuntimeError, match="already running"):
        emulator.start()
    with emulator:
        assert send(emulator, "/embeddings", {"input": ["again"]}).status == 200
    emulator.stop()  # stopping twice is harmless


def test_stats_and_reset_endpoints(emu):
    assert send(emu, "/embeddings", {"input": ["a", "b"]}).status == 200
    assert send(emu, "/embeddings", {"input": ["a"]}, key="wrong").status == 401
    stats = send(emu, "/_emulator/stats", method="GET", query=None, prefix="").json()
    # Open connections are counted while they are open (this request's own among them).
    assert stats.pop("connections")["open"] >= 1
    assert stats == {k: v for k, v in emu.stats().items() if k != "connections"}
    assert stats["requests"] == {
        "/images/embeddings": 0,
        "/embeddings": 2,
        "/info": 0,
        "/v2/embed": 0,
    }
    assert stats["status_counts"] == {"200": 1, "401": 1}
    assert stats["texts"] == 2
    assert stats["images"] == 0
    assert stats["faults_injected"] == {}
    assert stats["in_flight"] == 0
    assert stats["max_in_flight"] == 1
    reset = send(emu, "/_emulator/reset", method="POST", query=None, prefix="").json()
    assert reset["requests"] == {
        "/images/embeddings": 0,
        "/embeddings": 0,
        "/info": 0,
        "/v2/embed": 0,
    }
    assert reset["status_counts"] == {}
    assert reset["texts"] == 0
    send(emu, "/images/embeddings", {"input": [{"image": data_url(jpeg_bytes(), "image/jpeg")}]})
    assert len(emu.received_images) == 1
    emu.reset_stats()
    assert emu.received_images == []
    assert emu.stats()["images"] == 0


def test_constructor_refuses_bad_configuration():
    with pytest.raises(ValueError, match="unknown model"):
        FoundryEmulator(model="gpt-4o")
    with pytest.raises(ValueError, match="fault"):
        FoundryEmulator(fault_rate=0.5, faults=("418",))
    with pytest.raises(ValueError, match="between 0 and 1"):
        FoundryEmulator(fault_rate=2.0)
    with pytest.raises(ValueError, match="rpm"):
        FoundryEmulator(rpm=0)
    with pytest.raises(ValueError, match="key"):
        FoundryEmulator(key="")


def test_stopping_with_an_idle_tls_client_leaves_no_open_socket():
    import gc
    import warnings

    from azure.ai.inference import EmbeddingsClient

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        emulator = FoundryEmulator(model=V3, key=KEY, tls=True).start()
        client = EmbeddingsClient(
            emulator.endpoint, AzureKeyCredential(KEY), connection_verify=emulator.ca_cert_path
        )
        client.embed(input=["x"])  # leaves an idle keep-alive TLS connection open
        emulator.stop()
        gc.collect()
        leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
        client.close()
    assert leaks == []
