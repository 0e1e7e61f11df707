"""`workers=N`: answers computed by N worker processes, with the same vectors, and counters,
faults, the rate limit and received images still global and exact."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from langchain_azure_image_embeddings.emulator import (
    FaultPlan,
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)
from langchain_azure_image_embeddings.emulator.cohere_vectors import expected_cohere_vector

from ...conftest import png_bytes
from .conftest import data_url, send

KEY = "workers-key"
MODULE = "langchain_azure_image_embeddings.emulator"
V3 = "Cohere-embed-v3-english"


@pytest.fixture(scope="module")
def two_workers():
    before = set(multiprocessing.active_children())
    with FoundryEmulator(key=KEY, workers=2) as emulator:
        children = set(multiprocessing.active_children()) - before
        assert len(children) == 2  # started and warmed up before serving
        yield emulator
    assert not children & set(multiprocessing.active_children())  # joined at stop()


def test_answers_from_worker_processes_are_exact_and_counted_globally(two_workers):
    two_workers.reset_stats()
    texts = [f"text number {i}" for i in range(40)]

    def one(text: str) -> list[float]:
        reply = send(two_workers, "/embeddings", {"input": [text]}, key=KEY)
        assert reply.status == 200
        return reply.json()["data"][0]["embedding"]

    with ThreadPoolExecutor(8) as pool:
        vectors = list(pool.map(one, texts))
    assert vectors == [expected_text_vector(t, model=V3) for t in texts]
    png = png_bytes()
    image = send(two_workers, "/images/embeddings", {"input": [{"image": data_url(png)}]}, key=KEY)
    assert image.json()["data"][0]["embedding"] == expected_image_vector(png, model=V3)
    stats = two_workers.stats()
    assert stats["requests"]["/embeddings"] == 40
    assert stats["texts"] == 40
    assert stats["images"] == 1
    assert stats["status_counts"] == {"200": 41}
    assert stats["max_in_flight"] >= 2
    assert [r["sha256"] for r in two_workers.received_images][-1:] != []


def test_errors_and_image_records_come_back_from_the_workers(two_workers):
    two_workers.reset_stats()
    broken = data_url(png_bytes()[:40])
    reply = send(two_workers, "/images/embeddings", {"input": [{"image": broken}]}, key=KEY)
    assert reply.status == 400
    assert reply.json()["error"]["code"] == "invalid_image"
    assert reply.headers["x-ms-error-code"] == "invalid_image"
    assert two_workers.received_images[-1]["sniffed_format"] is None  # recorded, not decoded
    bad = send(two_workers, "/embeddings", {"input": ["x"], "dimensions": 7}, key=KEY)
    assert bad.status == 422
    assert bad.json()["code"] == "parameter_not_supported"


def test_the_cohere_route_runs_in_the_workers_too(two_workers):
    body = {
        "model": V3,
        "input_type": "search_query",
        "texts": ["hi"],
        "embedding_types": ["float"],
    }
    reply = send(two_workers, "/v2/embed", body, prefix="/providers/cohere", query=None, key=KEY)
    assert reply.status == 200, reply.body
    expected = expected_cohere_vector(model=V3, input_type="search_query", text="hi")
    assert reply.json()["embeddings"]["float"][0] == expected


def test_faults_and_rate_limit_stay_global_and_exact():
    plan = FaultPlan(seed=7, rate=0.5, kinds=("500", "503"))
    expected = [plan.outcome(n) for n in range(30)]
    with FoundryEmulator(key=KEY, workers=2, fault_rate=0.5, faults=("500", "503"), seed=7) as emu:
        lock = threading.Lock()
        statuses: list[int] = []

        def one(_: int) -> None:
            status = send(emu, "/embeddings", {"input": ["x"]}, key=KEY).status
            with lock:
                statuses.append(status)

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(one, range(30)))
        faults = emu.stats()["faults_injected"]
    assert faults == {k: expected.count(k) for k in ("500", "503") if expected.count(k)}
    assert statuses.count(200) == expected.count(None)

    with FoundryEmulator(key=KEY, workers=2, rpm=6) as emu, ThreadPoolExecutor(4) as pool:
        # at most 1 request in any 10 s
        replies = list(
            pool.map(lambda _: send(emu, "/embeddings", {"input": ["x"]}, key=KEY), range(8))
        )
    assert sorted(r.status for r in replies) == [200] + [429] * 7
    assert all(json.loads(r.body) for r in replies)


def test_workers_out_of_range_are_refused():
    with pytest.raises(ValueError, match="workers"):
        FoundryEmulator(workers=0)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_cli_workers_stop_cleanly_when_ctrl_c_reaches_the_whole_group():
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--key", KEY, "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as in a terminal
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip().removeprefix("endpoint: ")
        assert endpoint.startswith("http://127.0.0.1:")
        # The server, its two workers (and multiprocessing's resource tracker).
        assert len(_group_members(process.pid)) >= 3
        host, port = endpoint.removeprefix("http://").removesuffix("/models").split(":")
        assert _send_to(host, int(port)) == 200
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        assert process.wait(timeout=20) == 0
        _, stderr = process.communicate(timeout=5)
        assert "Traceback" not in stderr, stderr
        assert _group_members(process.pid) == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _send_to(host: str, port: int) -> int:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(
            "POST",
            "/models/embeddings?api-version=2025-04-01",
            body=json.dumps({"input": ["x"]}),
            headers={"api-key": KEY, "Content-Type": "application/json"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_cli_flags_for_workers_and_connection_limits():
    from langchain_azure_image_embeddings.emulator.__main__ import build_parser

    flags = "--workers 3 --header-timeout 2.5 --body-timeout 9 --max-connections 100"
    args = build_parser().parse_args(flags.split())
    assert (args.workers, args.header_timeout, args.body_timeout) == (3, 2.5, 9.0)
    assert args.max_connections == 100
    bad_flags = (
        ["--workers", "0"],
        ["--header-timeout", "0"],
        ["--body-timeout", "-1"],
        ["--max-connections", "0"],
    )
    for bad in bad_flags:
        with pytest.raises(SystemExit):
            build_parser().parse_args(bad)
