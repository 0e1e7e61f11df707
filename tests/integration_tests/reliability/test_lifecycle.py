"""An instance's life: settings changed on the fly, one client per event loop, shared
back-pressure, and a deadline for a whole call."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from collections.abc import Callable

import pytest
from langchain_core.stores import InMemoryByteStore

from langchain_azure_image_embeddings import EmbeddingServiceError
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import EMULATOR_KEY, MODEL, make_embeddings, png_bytes
from ..embeddings.test_credentials import TOKEN, RecordingAsyncCredential
from .conftest import embed_images, settle_in_flight

TEXTS = "/embeddings"


def _texts_sent(emulator: FoundryEmulator) -> int:
    return int(emulator.stats()["requests"][TEXTS])


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_setting_changed_after_first_use_is_used_and_the_cache_follows_it(mode):
    with (
        FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as first,
        FoundryEmulator(model=MODEL, key=EMULATOR_KEY) as second,
    ):
        embeddings = make_embeddings(first, cache=InMemoryByteStore())

        async def query(text: str) -> list[float]:
            if mode == "sync":
                return embeddings.embed_query(text)
            return await embeddings.aembed_query(text)

        assert await query("q") == expected_text_vector("q", model=MODEL, input_type="query")
        embeddings.endpoint = second.endpoint
        # The same text again: not a cache hit (the cache is scoped to the endpoint
        # actually used), and sent to the new endpoint, not the first one.
        assert await query("q") == expected_text_vector("q", model=MODEL, input_type="query")
        assert (_texts_sent(first), _texts_sent(second)) == (1, 1)
        embeddings.credential = "a-wrong-key"
        with pytest.raises(EmbeddingServiceError) as refused:
            await query("another")
        assert refused.value.status_code == 401  # the new credential was used
        await embeddings.aclose()


class _CountingProxy:
    """A TCP forwarder on 127.0.0.1 that counts the connections made through it."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


def _fifty_async_queries(embeddings_for: Callable[[], object]) -> list[list[float]]:
    async def fifty() -> list[list[float]]:
        embeddings = await embeddings_for()  # type: ignore[misc]
        return [await embeddings.aembed_query(f"q{index}") for index in range(50)]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectors = asyncio.run(fifty())  # no aclose: the loop's shutdown closes the client
        gc.collect()
    # aiohttp's own words for a session or connector left open (the test proxy's
    # sockets, cut when the loop ends, are not the client's)
    unclosed = ("Unclosed client session", "Unclosed connector")
    assert not [str(item.message) for item in caught if str(item.message).startswith(unclosed)]
    assert vectors == [
        expected_text_vector(f"q{index}", model=MODEL, input_type="query") for index in range(50)
    ]
    return vectors


def test_sequential_async_calls_share_one_http_session(shared_emulator):
    port = int(shared_emulator.endpoint.split(":")[2].split("/")[0])
    proxy = _CountingProxy(port)

    async def through_the_proxy() -> object:
        proxied = shared_emulator.endpoint.replace(f":{port}/", f":{await proxy.start()}/")
        return make_embeddings(shared_emulator, endpoint=proxied)

    _fifty_async_queries(through_the_proxy)
    assert proxy.connections == 1


def test_sequential_async_calls_fetch_one_token():
    credential = RecordingAsyncCredential()
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, tls=True, tokens=(TOKEN,)) as emulator:

        async def over_tls() -> object:
            return make_embeddings(
                emulator,
                credential=credential,
                client_kwargs={"connection_verify": emulator.ca_cert_path},
            )

        _fifty_async_queries(over_tls)
    assert len(credential.scopes) == 1


def _throttled(emulator: FoundryEmulator) -> bool:
    return "429" in emulator.stats()["status_counts"]


def test_two_sync_calls_on_one_instance_both_slow_down_after_one_429(emulator):
    """Call A is throttled (Retry-After 1 s); call B, started after that answer, waits too."""
    emulator.enqueue(("429", {"Retry-After": "1"}))
    embeddings = make_embeddings(emulator, retry_backoff=0.01)
    started = time.monotonic()
    ended: dict[str, float] = {}

    def call(name: str, color: int) -> None:
        embeddings.embed_images([png_bytes(color=(color, 30, 40))])
        ended[name] = time.monotonic() - started

    first = threading.Thread(target=call, args=("a", 10))
    first.start()
    while not _throttled(emulator):
        time.sleep(0.005)
    call("b", 200)
    first.join()
    assert ended["a"] >= 0.95
    assert ended["b"] >= 0.9  # alone it takes milliseconds: it waited for the shared pause


async def test_two_async_calls_on_one_instance_both_slow_down_after_one_429(emulator):
    """The same with tasks on one event loop."""
    emulator.enqueue(("429", {"Retry-After": "1"}))
    embeddings = make_embeddings(emulator, retry_backoff=0.01)
    started = time.monotonic()
    first = asyncio.ensure_future(embeddings.aembed_images([png_bytes(color=(10, 30, 40))]))
    while not _throttled(emulator):  # noqa: ASYNC110 - the signal is the server's, polled
        await asyncio.sleep(0.005)
    await embeddings.aembed_images([png_bytes(color=(200, 30, 40))])
    second_ended = time.monotonic() - started
    await first
    assert time.monotonic() - started >= 0.95
    assert second_ended >= 0.9


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_deadline_ends_a_call_against_a_stalled_server_with_nothing_in_flight(
    emulator, mode
):
    emulator.enqueue(*["stall"] * 8)
    embeddings = make_embeddings(emulator, deadline=2, retry_backoff=0.01)
    started = time.monotonic()
    with pytest.raises(EmbeddingServiceError, match=r"deadline of 2 s passed") as caught:
        await embed_images(embeddings, mode, _images(3))
    elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 2.6
    assert "Raise `deadline`" in str(caught.value)
    settle_in_flight(emulator)
    assert emulator.stats()["in_flight"] == 0


def _images(count: int) -> list[bytes]:
    return [png_bytes(color=(40 * index, 30, 40)) for index in range(count)]


def test_a_deadline_keeps_the_vectors_obtained_before_it():
    images = _images(3)
    with FoundryEmulator(model=MODEL, key=EMULATOR_KEY, latency_ms=300) as emulator:
        embeddings = make_embeddings(emulator, deadline=2, max_concurrency=1, retry_backoff=0.01)
        outcomes: list[object] = []
        call = threading.Thread(
            target=lambda: outcomes.extend(embeddings.embed_images(images, errors="return"))
        )
        call.start()
        while emulator.stats()["status_counts"].get("200", 0) < 1:
            time.sleep(0.005)
        emulator.enqueue(*["stall"] * 8)  # the next request is still in its latency
        call.join()
        settle_in_flight(emulator)
        assert emulator.stats()["in_flight"] == 0
    assert outcomes[0] == expected_image_vector(images[0], model=MODEL, input_type="document")
    assert all(isinstance(outcome, EmbeddingServiceError) for outcome in outcomes[1:])
    assert "deadline of 2 s" in str(outcomes[1])


def test_a_deadline_that_cuts_the_last_attempt_is_reported_as_the_deadline(emulator):
    emulator.enqueue("stall")
    embeddings = make_embeddings(emulator, deadline=1.5, max_retries=0)
    with pytest.raises(EmbeddingServiceError, match=r"deadline of 1.5 s passed"):
        embeddings.embed_images(_images(1))


def test_an_endpoint_with_a_query_keeps_it_on_every_request(shared_emulator):
    embeddings = make_embeddings(
        shared_emulator, endpoint=shared_emulator.cohere_endpoint + "?tenant=a", model=MODEL
    )
    assert embeddings._transport_settings().endpoint == shared_emulator.cohere_endpoint
    assert embeddings._transport_settings().query_params == {"tenant": "a"}
    assert embeddings.embed_query("q") == expected_text_vector("q", model=MODEL, input_type="query")
