"""What every workload needs: the emulator in its own process, byte counting, timers, the machine.

The emulator is started through its command line (``python -m
langchain_azure_image_embeddings.emulator --host 127.0.0.1 --port 0 ...``), so
its CPU time never counts as the client's, and it listens on loopback only.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

MODEL = "Cohere-embed-v3-english"
KEY = "benchmark-key"
MiB = 1024 * 1024
LIMIT_5MB = 5 * MiB  # the Cohere v3 image limit, as the emulator's profile counts it

# Loopback only: never go through a proxy, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


class EmulatorProcess:
    """The emulator CLI in a child process on 127.0.0.1, stopped on exit."""

    def __init__(
        self, *, latency_ms: float = 0.0, model: str = MODEL, extra: Sequence[str] = ()
    ) -> None:
        self.latency_ms = latency_ms
        self.model = model
        self.key = KEY
        self.extra = tuple(extra)
        self.endpoint = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> EmulatorProcess:
        command = [
            sys.executable,
            "-m",
            "langchain_azure_image_embeddings.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--key",
            self.key,
            "--model",
            self.model,
            "--latency-ms",
            str(self.latency_ms),
            *self.extra,
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            if line.startswith("endpoint: "):
                self.endpoint = line.split(" ", 1)[1].strip()
                break
            if not line and self._process.poll() is not None:
                break
        if not self.endpoint:
            self.__exit__(None, None, None)
            raise RuntimeError("the emulator did not start")
        host = urlsplit(self.endpoint).hostname
        assert host == "127.0.0.1", self.endpoint
        return self

    def __exit__(self, *exc_info: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    @property
    def _root(self) -> str:
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``."""
        with _OPENER.open(self._root + "/_emulator/stats", timeout=10) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def reset(self) -> None:
        """``POST /_emulator/reset``."""
        request = urllib.request.Request(self._root + "/_emulator/reset", data=b"", method="POST")
        with _OPENER.open(request, timeout=10) as response:
            response.read()

    def requests(self, route: str) -> int:
        """How many requests the route received since the last reset."""
        return int(self.stats()["requests"].get(route, 0))


@dataclass
class UploadCounter:
    """Counts request bodies as the SDK pipeline sends them (``raw_request_hook``)."""

    sizes: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Any) -> None:
        content = request.http_request.content
        size = len(content) if isinstance(content, (bytes, bytearray, str)) else 0
        with self._lock:
            self.sizes.append(size)

    def reset(self) -> None:
        with self._lock:
            self.sizes.clear()

    @property
    def total(self) -> int:
        return sum(self.sizes)

    @property
    def largest(self) -> int:
        return max(self.sizes, default=0)

    def over(self, limit: int) -> int:
        return sum(1 for size in self.sizes if size > limit)


class CpuTimer:
    """Wraps a function to add up the CPU time spent in it, in every thread."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.seconds = 0.0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return self.function(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            with self._lock:
                self.seconds += spent


@dataclass
class Timing:
    """Wall-clock and client CPU time (every thread of this process) of a block."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield timing
    finally:
        timing.wall = time.perf_counter() - wall
        timing.cpu = time.process_time() - cpu


def run_child(module: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh process; return the JSON of its last line."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def peak_rss_bytes() -> int:
    """This process's peak resident set size.

    On Linux, ``VmHWM`` from ``/proc/self/status``: unlike ``ru_maxrss``, which Linux keeps
    across ``execve``, it starts afresh in a new program, so a child started from a large
    parent does not inherit the parent's peak. Elsewhere, ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def vectors_size(vectors: Sequence[Sequence[float]]) -> int:
    """The memory the returned vectors themselves occupy: lists and float objects."""
    total = sys.getsizeof(vectors)
    for vector in vectors:
        total += sys.getsizeof(vector) + sum(sys.getsizeof(value) for value in vector)
    return total


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    cpu_model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    packages = {}
    for name in (
        "langchain-azure-image-embeddings",
        "azure-ai-inference",
        "azure-core",
        "langchain-core",
        "langchain-azure-ai",
        "pillow",
        "requests",
        "aiohttp",
        "orjson",
        "numpy",
    ):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": packages,
    }


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def repeat(function: Callable[[], object], times: int) -> list[float]:
    """Call ``function`` ``times`` times; return each call's wall time in seconds."""
    durations = []
    for _ in range(times):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return durations


def ours(endpoint: str, key: str, **overrides: Any) -> Any:
    """Our embeddings pointed at the emulator."""
    from langchain_azure_image_embeddings import AzureAIImageEmbeddings

    params: dict[str, Any] = {"endpoint": endpoint, "credential": key, "model": MODEL}
    params.update(overrides)
    return AzureAIImageEmbeddings(**params)


def row(
    metric: str, value: float | int | None, unit: str, target: str = "", ok: bool | None = None
) -> dict[str, Any]:
    """One line of the results table."""
    if isinstance(value, float):
        value = round(value, 3 if abs(value) < 10 else 1)
    return {"metric": metric, "value": value, "unit": unit, "target": target, "ok": ok}
