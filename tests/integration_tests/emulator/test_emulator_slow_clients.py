"""Slow and stalled clients: timeouts for headers and bodies, a cap on open connections with a
clean refusal, logs that cannot flood, and good requests answered throughout."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import resource
import time

import aiohttp
import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator
from langchain_azure_image_embeddings.emulator.connections import FLOODED_LOGGERS

KEY = "slow-clients-key"
HEADER_TIMEOUT = 2.0  # a good client on a loaded machine must not be taken for a stall
BODY_TIMEOUT = 2.5
SLACK = 2.0  # scheduling on a loaded 2-core machine
GIVE_UP_S = 10.0
GOOD_CLIENTS = 200
STALLED = 1000
HALF_REQUEST = (
    b"POST /models/embeddings?api-version=2025-04-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"api-key: " + KEY.encode() + b"\r\nContent-Type: application/json\r\n"
)
HALF_BODY = HALF_REQUEST + b'Content-Length: 100\r\n\r\n{"input": ["'


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _stall(host: str, port: int, payload: bytes) -> tuple[float, bytes]:
    """Open a connection, send `payload`, then wait; return (seconds until closed, answer)."""
    reader, writer = await asyncio.open_connection(host, port)
    start = time.monotonic()
    if payload:
        writer.write(payload)
        await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(), GIVE_UP_S)
    except ConnectionResetError:
        answer = b""
    except TimeoutError:  # never closed: fail the assertions, not the whole run
        answer = b"(still open)"
    elapsed = time.monotonic() - start
    writer.close()
    return elapsed, answer


async def _good_client(session: aiohttp.ClientSession, endpoint: str, index: int) -> int:
    body = {"input": [f"client {index} text"], "model": "Cohere-embed-v3-english"}
    async with session.post(
        f"{endpoint}/embeddings?api-version=2025-04-01", json=body, headers={"api-key": KEY}
    ) as response:
        answer = await response.json()
        assert len(answer["data"][0]["embedding"]) == 1024
        return response.status


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    names = (*FLOODED_LOGGERS, "langchain_azure_image_embeddings.emulator.server")
    loggers = [logging.getLogger(name) for name in names]
    for each in loggers:
        each.addHandler(handler)
    yield stream
    for each in loggers:
        each.removeHandler(handler)


def test_stalled_sockets_are_closed_while_200_clients_are_answered(captured_logs):
    rss_before = _rss_mib()
    with FoundryEmulator(
        key=KEY, header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT
    ) as emulator:
        host, port = "127.0.0.1", emulator.port

        async def scenario() -> tuple[list[tuple[float, bytes]], list[int]]:
            kinds = [b"", HALF_REQUEST, HALF_BODY]
            stalled = [
                asyncio.create_task(_stall(host, port, kinds[i % 3])) for i in range(STALLED)
            ]
            await asyncio.sleep(0.2)  # the stalled sockets are open before the good clients
            connector = aiohttp.TCPConnector(limit=GOOD_CLIENTS)
            async with aiohttp.ClientSession(connector=connector) as session:
                good = await asyncio.gather(
                    *(_good_client(session, emulator.endpoint, i) for i in range(GOOD_CLIENTS))
                )
            return await asyncio.gather(*stalled), good

        stalled, good = asyncio.run(scenario())
        stats = emulator.stats()

    assert good == [200] * GOOD_CLIENTS
    header_stalls = [s for i, s in enumerate(stalled) if i % 3 != 2]
    body_stalls = [s for i, s in enumerate(stalled) if i % 3 == 2]
    assert max(elapsed for elapsed, _ in header_stalls) < HEADER_TIMEOUT + SLACK
    assert all(answer == b"" for _, answer in header_stalls)  # closed without an answer
    assert max(elapsed for elapsed, _ in body_stalls) < BODY_TIMEOUT + SLACK
    assert all(answer.startswith(b"HTTP/1.1 408") for _, answer in body_stalls)
    connections = stats["connections"]
    assert connections["header_timeouts"] == len(header_stalls)
    assert connections["body_timeouts"] == len(body_stalls)
    assert connections["max_open"] >= STALLED
    assert connections["open"] == 0
    # Bounded: a thousand timeouts logged as a burst, then a trickle.
    assert len(captured_logs.getvalue()) < 16_384, captured_logs.getvalue()[-2000:]
    assert _rss_mib() - rss_before < 200


def test_connections_beyond_the_cap_are_refused_cleanly_and_others_still_served():
    with FoundryEmulator(key=KEY, header_timeout=HEADER_TIMEOUT, max_connections=8) as emulator:
        host, port = "127.0.0.1", emulator.port

        async def scenario() -> tuple[list[tuple[float, bytes]], tuple[float, bytes], int]:
            stalled = [asyncio.create_task(_stall(host, port, b"")) for _ in range(8)]
            await asyncio.sleep(0.3)
            refused = await _stall(host, port, HALF_REQUEST)
            results = await asyncio.gather(*stalled)
            async with aiohttp.ClientSession() as session:
                status = await _good_client(session, emulator.endpoint, 0)
            return results, refused, status

        stalled, (refused_after, refusal), status = asyncio.run(scenario())
        stats = emulator.stats()

    head, _, body = refusal.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503")
    assert b"Connection: close" in head
    assert json.loads(body)["error"]["code"] == "ServiceUnavailable"
    assert refused_after < 1.0  # at once, not after a timeout
    assert all(answer == b"" for _, answer in stalled)
    assert status == 200  # once the stalled ones timed out, the emulator serves again
    assert stats["connections"]["refused"] == 1


def test_a_tls_handshake_that_never_comes_is_cut_at_the_header_timeout():
    with FoundryEmulator(key=KEY, tls=True, header_timeout=HEADER_TIMEOUT) as emulator:
        host, port = "127.0.0.1", emulator.port

        async def scenario() -> list[tuple[float, bytes]]:
            # Silent, and half a ClientHello (a TLS record header announcing 512 bytes).
            payloads = [b"", b"\x16\x03\x01\x02\x00\x01"]
            return await asyncio.gather(*(_stall(host, port, p) for p in payloads))

        results = asyncio.run(scenario())
    assert all(answer == b"" for _, answer in results)
    assert max(elapsed for elapsed, _ in results) < HEADER_TIMEOUT + SLACK


def test_a_kept_alive_connection_stalling_after_an_early_error_is_closed_too():
    with FoundryEmulator(key=KEY, header_timeout=HEADER_TIMEOUT) as emulator:
        host, port = "127.0.0.1", emulator.port

        async def scenario() -> tuple[bytes, float, bytes]:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # 404, no body read
            first = await reader.readuntil(b"Resource not found")
            start = time.monotonic()
            writer.write(HALF_REQUEST)  # then half of a second request, and silence
            try:
                rest = await asyncio.wait_for(reader.read(), GIVE_UP_S)
            except ConnectionResetError:
                rest = b""
            writer.close()
            return first, time.monotonic() - start, rest

        first, elapsed, rest = asyncio.run(scenario())
    assert first.startswith(b"HTTP/1.1 404")
    assert elapsed < HEADER_TIMEOUT + SLACK
    assert b"HTTP/1.1" not in rest.split(b"Resource not found")[-1]
