"""The command line: start as a subprocess, read the endpoint, call it with the SDK, SIGTERM."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from azure.ai.inference import EmbeddingsClient, ImageEmbeddingsClient
from azure.ai.inference.models import ImageEmbeddingInput
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from langchain_azure_image_embeddings.emulator import expected_image_vector
from langchain_azure_image_embeddings.emulator.__main__ import build_parser, main

from ...conftest import png_bytes
from .conftest import API_VERSION, V4, data_url

MODULE = "langchain_azure_image_embeddings.emulator"


class Cli:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--host", "127.0.0.1", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "0"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def line(self, timeout: float = 20.0) -> str:
        return self.lines.get(timeout=timeout)

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._pump_thread.join(timeout=5)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def cli() -> Iterator[list[Cli]]:
    started: list[Cli] = []
    yield started
    for process in started:
        process.close()


def test_cli_serves_the_sdk_and_exits_0_on_sigterm(cli):
    process = Cli(
        "--key", "cli-key", "--model", V4, "--latency-ms", "1", "--rpm", "100", "--seed", "3"
    )
    cli.append(process)
    first = process.line()
    assert first.startswith("endpoint: http://127.0.0.1:")
    endpoint = first.removeprefix("endpoint: ")
    assert endpoint.endswith("/models")
    cohere_line = process.line()
    root = endpoint.removesuffix("/models")
    assert cohere_line == f"cohere endpoint: {root}/providers/cohere"
    png = png_bytes()
    with ImageEmbeddingsClient(
        endpoint, AzureKeyCredential("cli-key"), api_version=API_VERSION
    ) as client:
        result = client.embed(input=[ImageEmbeddingInput(image=data_url(png))], dimensions=512)
    assert result.data[0].embedding == expected_image_vector(png, model=V4, dimensions=512)
    started = time.perf_counter()
    assert process.stop(signal.SIGTERM) == 0
    assert time.perf_counter() - started < 5
    assert process.lines.empty()  # exactly two lines were printed


def test_cli_tls_and_fault_flags_and_sigint(cli):
    process = Cli(
        "--key",
        "k",
        "--tls",
        "--fault-rate",
        "1",
        "--faults",
        "429-no-retry-after",
        "--reject-input-type",
    )
    cli.append(process)
    endpoint = process.line().removeprefix("endpoint: ")
    cohere_line = process.line()
    ca_line = process.line()
    assert endpoint.startswith("https://127.0.0.1:")
    assert cohere_line.startswith("cohere endpoint: https://127.0.0.1:")
    assert ca_line.startswith("ca-cert: ")
    ca_path = ca_line.removeprefix("ca-cert: ")
    with EmbeddingsClient(
        endpoint, AzureKeyCredential("k"), api_version=API_VERSION, connection_verify=ca_path
    ) as client:
        assert client.get_model_info().model_name == "Cohere Embed v3 - English"  # no faults
        with pytest.raises(HttpResponseError) as caught:
            client.embed(input=["over TLS"])
    assert caught.value.status_code == 429
    assert process.stop(signal.SIGINT) == 0
    assert not os.path.exists(ca_path)  # the certificate files are removed at stop


def test_cli_flags_map_to_the_emulator():
    args = build_parser().parse_args(
        ["--faults", "429, stall,reset", "--fault-rate", "0.25", "--token", "a", "--token", "b"]
    )
    assert args.faults == ("429", "stall", "reset")
    assert args.fault_rate == 0.25
    assert args.token == ["a", "b"]
    defaults = build_parser().parse_args([])
    assert (defaults.host, defaults.port, defaults.model) == (
        "127.0.0.1",
        0,
        "Cohere-embed-v3-english",
    )


@pytest.mark.parametrize(
    "args", [["--faults", "429,teapot"], ["--fault-rate", "2"], ["--model", "gpt-4o"]]
)
def test_cli_refuses_bad_flags(args, capsys):
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err
