"""A scripted HTTP(S) test server on 127.0.0.1, and a guard that keeps tests on loopback.

Routes: ``/cat.png``, ``/file?name=`` (bytes put in ``Server.files``),
``/redirect?to=&status=``, ``/loop``, ``/status?code=``, ``/gzip``, ``/big-declared``,
``/big-stream?chunked=0|1``, ``/stall`` (never answers), ``/trickle`` (a byte every 50 ms).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from PIL import Image

from .image_corpus import encode

CAT_PNG = encode(Image.new("RGB", (12, 9), (250, 120, 0)), "PNG")
MiB = 1024 * 1024


@dataclass
class Server:
    """What a running test server saw and did; ``files`` are served at ``/file?name=``."""

    port: int
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=dict)
    sni: list[str | None] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        state = self.server.state  # type: ignore[attr-defined]
        state.requests.append((self.path, dict(self.headers)))
        path, _, query = self.path.partition("?")
        params = {key: values[0] for key, values in parse_qs(query).items()}
        route: Callable[[Handler, dict[str, str]], None] = ROUTES.get(path, Handler.not_found)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
            route(self, params)

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def not_found(self, params: dict[str, str]) -> None:
        self.send(404, b"no such thing")

    def image(self, params: dict[str, str]) -> None:
        self.send(200, CAT_PNG, Content_Type="image/png")

    def file(self, params: dict[str, str]) -> None:
        files = self.server.state.files  # type: ignore[attr-defined]
        if params.get("name") not in files:
            self.not_found(params)
            return
        self.send(200, files[params["name"]], Content_Type=params.get("type", "image/jpeg"))

    def redirect(self, params: dict[str, str]) -> None:
        self.send(int(params.get("status", "302")), Location=params["to"])

    def loop(self, params: dict[str, str]) -> None:
        self.send(302, Location="/loop")

    def status(self, params: dict[str, str]) -> None:
        self.send(int(params["code"]), b"error")

    def gzip(self, params: dict[str, str]) -> None:
        self.send(200, b"\x1f\x8b\x08\x00" + b"\x00" * 20, Content_Encoding="gzip")

    def big_declared(self, params: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(10 * MiB))
        self.end_headers()
        self.wfile.write(b"\x00" * 1024)

    def big_stream(self, params: dict[str, str]) -> None:
        chunked = params.get("chunked") == "1"
        self.send_response(200)
        self.send_header(
            "Transfer-Encoding" if chunked else "Connection", "chunked" if chunked else "close"
        )
        self.end_headers()
        block = b"\x89" * 65536
        state = self.server.state  # type: ignore[attr-defined]
        sent = 0
        try:
            while sent < 40 * MiB and not state.stop.is_set():
                self.wfile.write(b"10000\r\n" + block + b"\r\n" if chunked else block)
                sent += len(block)
        finally:
            state.bytes_sent[self.path] = sent

    def stall(self, params: dict[str, str]) -> None:
        self.server.state.stop.wait(10)  # type: ignore[attr-defined]

    def trickle(self, params: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(100):
            if self.server.state.stop.wait(0.05):  # type: ignore[attr-defined]
                return
            self.wfile.write(b"\x89")
            self.wfile.flush()


ROUTES: dict[str, Callable[[Handler, dict[str, str]], None]] = {
    "/cat.png": Handler.image,
    "/file": Handler.file,
    "/redirect": Handler.redirect,
    "/loop": Handler.loop,
    "/status": Handler.status,
    "/gzip": Handler.gzip,
    "/big-declared": Handler.big_declared,
    "/big-stream": Handler.big_stream,
    "/stall": Handler.stall,
    "/trickle": Handler.trickle,
}


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def serve(tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    """Run a test server on 127.0.0.1 (a free port) until the generator is closed."""
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    state = Server(httpd.server_address[1])
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def guard_connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every ``socket.connect``; refuse any but loopback before a packet is sent."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        if not ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback:
            raise AssertionError(f"a test tried to connect to {address}")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts
