"""SSRF-safe downloads, against test servers on 127.0.0.1 only.

Every test runs under a guard that records each ``socket.connect`` and refuses
(before any packet is sent) a connection to anything but loopback, so a bug
can never make a test reach another machine. Host names are answered by a fake
resolver: no DNS query leaves the machine either.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from langchain_azure_image_embeddings._images.preparation import ImageLimits, prepare_image
from langchain_azure_image_embeddings._images.remote import (
    blocked_address_reason,
    check_remote_url,
    describe_url,
    fetch_remote_image,
    normalize_host,
)
from langchain_azure_image_embeddings._images.sources import ImagePolicy, read_image_source
from langchain_azure_image_embeddings.errors import ImageInputError

from .image_corpus import sent_bytes
from .image_server import CAT_PNG as PNG
from .image_server import MiB, Server, guard_connections, serve

LOOPBACK = frozenset({"127.0.0.1"})


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    yield from serve()


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every connect attempted; anything but loopback is refused before a packet is sent."""
    return guard_connections(monkeypatch)


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """A fake resolver: ``dns[name]`` is the list of answers, one per lookup (the last repeats).

    Numeric hosts and ``localhost`` go to the real resolver (no query leaves the
    machine for them); any other name must be in the table.
    """
    table: dict[str, list[list[str]]] = {}
    lookups: dict[str, int] = {}
    real_getaddrinfo = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = str(host).lower()
        if name not in table:
            if name != "localhost":
                kwargs["flags"] = kwargs.get("flags", 0) | socket.AI_NUMERICHOST
            return real_getaddrinfo(host, port, *args, **kwargs)
        answers = table[name]
        answer = answers[min(lookups.get(name, 0), len(answers) - 1)]
        lookups[name] = lookups.get(name, 0) + 1
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (ip, port, 0, 0) if ":" in ip else (ip, port),
            )
            for ip in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    table["__lookups__"] = []  # not a host: lets tests read the counters
    fake.lookups = lookups  # type: ignore[attr-defined]
    return table


def fetch(url: str, **options: Any) -> bytes:
    options.setdefault("max_bytes", 5 * MiB)
    options.setdefault("timeout", 2.0)
    return fetch_remote_image(url, **options).data


def refused(url: str, **options: Any) -> ImageInputError:
    with pytest.raises(ImageInputError) as caught:
        fetch(url, **options)
    assert type(caught.value) is ImageInputError
    assert "input (" not in caught.value.reason  # never an error wrapped in another
    return caught.value


# --- downloads that work -------------------------------------------------------------------------


def test_an_allowed_test_server_serves_an_image(server: Server) -> None:
    image = fetch_remote_image(
        server.url("/cat.png"), max_bytes=MiB, timeout=2, allowed_hosts=LOOPBACK
    )
    assert image.data == PNG
    assert image.content_type == "image/png"
    path, headers = server.requests[-1]
    assert path == "/cat.png"
    assert headers["Host"] == f"127.0.0.1:{server.port}"
    assert headers["Accept-Encoding"] == "identity"


def test_the_host_name_is_sent_while_the_checked_address_is_connected(
    server: Server, dns: dict[str, list[list[str]]], connections: list[Any]
) -> None:
    dns["images.test"] = [["127.0.0.1"], ["10.9.9.9"]]  # a rebinding resolver

    data = fetch(server.url("/cat.png", host="images.test"), allowed_hosts={"images.test"})

    assert data == PNG
    assert connections == [("127.0.0.1", server.port)]
    assert server.requests[-1][1]["Host"] == f"images.test:{server.port}"
    assert socket.getaddrinfo.lookups["images.test"] == 1  # type: ignore[attr-defined]


def test_relative_redirects_on_an_allowed_host_are_followed(server: Server) -> None:
    url = server.url("/redirect?status=301&to=/cat.png")
    assert fetch(url, allowed_hosts=LOOPBACK) == PNG


def test_read_image_source_downloads_under_the_policy(server: Server) -> None:
    policy = ImagePolicy(allow_remote_images=True, allowed_remote_hosts=LOOPBACK)
    source = read_image_source(server.url("/cat.png?token=SECRET"), policy)
    assert source.data == PNG
    assert source.declared_mime == "image/png"
    assert "SECRET" not in source.description


def test_a_downloaded_image_is_prepared(server: Server) -> None:
    policy = ImagePolicy(allow_remote_images=True, allowed_remote_hosts=LOOPBACK)
    prepared = prepare_image(server.url("/cat.png"), policy=policy, limits=ImageLimits())
    assert sent_bytes(prepared) == PNG


# --- refused without connecting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/x.png", "loopback"),
        ("http://127.8.9.10:8080/x.png", "loopback"),
        ("http://localhost/x.png", "loopback"),
        ("http://10.0.0.1/x.png", "private"),
        ("http://172.16.5.4/x.png", "private"),
        ("http://192.168.1.20/x.png", "private"),
        ("http://169.254.10.10/x.png", "link-local"),
        ("http://169.254.169.254/metadata/identity/oauth2/token", "metadata"),
        ("http://168.63.129.16/machine", "metadata"),
        ("http://100.100.100.200/latest/meta-data", "metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data", "metadata"),
        ("http://100.64.1.1/x.png", "CGNAT"),
        ("http://0.0.0.0/x.png", "unspecified"),
        ("http://224.0.0.1/x.png", "multicast"),
        ("http://240.0.0.1/x.png", "reserved"),
        ("http://198.18.0.1/x.png", "benchmarking"),
        ("http://192.0.0.8/x.png", "IETF protocol"),  # "global" for Python 3.11's ipaddress
        ("http://255.255.255.255/x.png", "reserved"),
        ("http://[::127.0.0.1]/x.png", "reserved"),  # deprecated IPv4-compatible form
        ("http://[fec0::1]/x.png", "private"),  # site-local: "global" for Python 3.11
        ("http://[::1]/x.png", "loopback"),
        ("http://[::ffff:127.0.0.1]/x.png", "loopback"),
        ("http://[::ffff:10.0.0.1]/x.png", "private"),
        ("http://[::ffff:169.254.169.254]/x.png", "metadata"),
        ("http://[2002:7f00:1::]/x.png", "loopback"),
        ("http://[64:ff9b::a00:1]/x.png", "private"),
        ("http://[fe80::1]/x.png", "link-local"),
        ("http://[fc00::1]/x.png", "private"),
        ("http://2130706433/x.png", "loopback"),
        ("http://0x7f.1/x.png", "loopback"),
        ("http://017700000001/x.png", "loopback"),
    ],
)
def test_internal_addresses_are_refused_without_connecting(
    url: str, reason: str, connections: list[Any]
) -> None:
    error = refused(url)
    assert reason in error.reason
    assert "allowed_remote_hosts" in error.reason
    assert connections == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://[::1]/x.png",
        "http://[::ffff:127.0.0.1]/x.png",
        "http://10.0.0.1/x.png",
        "http://169.254.169.254/",
        "http://2130706433/",
    ],
)
def test_the_cheap_check_refuses_literal_internal_addresses(url: str) -> None:
    with pytest.raises(ImageInputError, match="refused to download"):
        check_remote_url(url)


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["10.20.30.40"], "private"),
        (["192.168.0.7"], "private"),
        (["127.0.0.1"], "loopback"),
        (["169.254.169.254"], "metadata"),
        (["93.184.216.34", "10.0.0.5"], "private"),  # one bad answer is enough
        (["::1"], "loopback"),
        (["::ffff:127.0.0.1"], "loopback"),
    ],
)
def test_names_resolving_to_internal_addresses_are_refused_without_connecting(
    answers: list[str], reason: str, dns: dict[str, list[list[str]]], connections: list[Any]
) -> None:
    dns["intranet.test"] = [answers]
    assert reason in refused("https://intranet.test/cat.png").reason
    assert connections == []


def test_metadata_host_names_are_refused_without_a_lookup(
    dns: dict[str, list[list[str]]], connections: list[Any]
) -> None:
    error = refused("http://metadata.google.internal/computeMetadata/v1/")
    assert "metadata" in error.reason
    assert "metadata.google.internal" not in socket.getaddrinfo.lookups  # type: ignore[attr-defined]
    assert connections == []


def test_metadata_addresses_stay_refused_even_when_allowed(
    dns: dict[str, list[list[str]]], connections: list[Any]
) -> None:
    dns["imds.test"] = [["::ffff:169.254.169.254"]]
    error = refused("http://169.254.169.254/", allowed_hosts={"169.254.169.254"})
    assert "metadata" in error.reason
    assert "metadata" in refused("http://imds.test/", allowed_hosts={"imds.test"}).reason
    assert connections == []


def test_a_loopback_server_is_refused_unless_allowed(
    server: Server, connections: list[Any]
) -> None:
    assert "loopback" in refused(server.url("/cat.png")).reason
    assert connections == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]:1/",
        "http://localhost:{port}/cat.png",
        "http://intranet.test/",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(
    target: str, server: Server, dns: dict[str, list[list[str]]], connections: list[Any]
) -> None:
    dns["intranet.test"] = [["192.168.7.7"]]
    to = target.format(port=server.port)

    error = refused(server.url(f"/redirect?to={to}"), allowed_hosts=LOOPBACK)

    assert "refused to download" in error.reason
    assert connections == [("127.0.0.1", server.port)]


def test_too_many_redirects_are_refused(server: Server) -> None:
    error = refused(server.url("/loop"), allowed_hosts=LOOPBACK)
    assert "more than 5 redirects" in error.reason
    assert sum(path == "/loop" for path, _ in server.requests) == 6


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.test/x.png", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:70/", "only http and https"),
        ("http://user:secret@example.test/x.png", "credentials"),
        ("http://@example.test/x.png", "credentials"),
        ("http:///x.png", "no valid host"),
        ("http://example.test:99999/x.png", "malformed URL"),
        ("http://[::1/x.png", "malformed URL"),
        ("http://example.test/a b.png", "control characters"),
        ("http://example.test/x.png\r\nX-Injected: 1", "control characters"),
    ],
)
def test_malformed_or_unsupported_urls_are_refused(
    url: str, reason: str, connections: list[Any]
) -> None:
    error = refused(url)
    assert reason in error.reason
    assert "secret" not in str(error)
    assert connections == []


def test_an_unknown_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert "could not resolve" in refused("https://nowhere.test/x.png").reason


# --- bounded time and bytes ----------------------------------------------------------------------


def test_a_declared_oversized_download_is_refused_before_reading(server: Server) -> None:
    error = refused(server.url("/big-declared"), allowed_hosts=LOOPBACK, max_bytes=MiB)
    assert "larger than max_source_bytes" in error.reason
    assert "announced 10,485,760" in error.reason


@pytest.mark.parametrize("chunked", ["0", "1"])
def test_an_oversized_stream_is_cut_off(server: Server, chunked: str) -> None:
    path = f"/big-stream?chunked={chunked}"
    start = time.monotonic()

    error = refused(server.url(path), allowed_hosts=LOOPBACK, max_bytes=MiB)

    assert "cut off" in error.reason
    assert time.monotonic() - start < 2
    deadline = time.monotonic() + 3
    while path not in server.bytes_sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.bytes_sent[path] < 12 * MiB  # the server stopped once the client hung up


def test_a_server_that_never_answers_times_out(server: Server) -> None:
    start = time.monotonic()
    error = refused(server.url("/stall"), allowed_hosts=LOOPBACK, timeout=0.4)
    assert "timed out after 0.4 s" in error.reason
    assert time.monotonic() - start < 1.5


def test_a_trickling_body_is_bounded_by_the_total_timeout(server: Server) -> None:
    start = time.monotonic()
    error = refused(server.url("/trickle"), allowed_hosts=LOOPBACK, timeout=0.4)
    assert "timed out" in error.reason
    assert time.monotonic() - start < 1.5


def test_a_listener_that_never_accepts_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x.png"
        start = time.monotonic()
        assert "timed out" in refused(url, allowed_hosts=LOOPBACK, timeout=0.3).reason
        assert time.monotonic() - start < 1.5
    finally:
        listener.close()


def test_a_slow_resolver_is_bounded_by_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(5)
        raise socket.gaierror(socket.EAI_AGAIN, "timeout")

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    start = time.monotonic()
    try:
        assert "timed out" in refused("https://slow.test/x.png", timeout=0.3).reason
    finally:
        release.set()
    assert time.monotonic() - start < 1.5


def test_a_closed_port_is_refused(connections: list[Any]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert (
        "connection refused" in refused(f"http://127.0.0.1:{port}/", allowed_hosts=LOOPBACK).reason
    )


@pytest.mark.parametrize("code", [403, 404, 500])
def test_error_statuses_are_refused(server: Server, code: int) -> None:
    error = refused(server.url(f"/status?code={code}"), allowed_hosts=LOOPBACK)
    assert f"HTTP {code}" in error.reason


def test_an_encoded_body_is_refused(server: Server) -> None:
    assert "'gzip'-encoded" in refused(server.url("/gzip"), allowed_hosts=LOOPBACK).reason


# --- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate() -> tuple[bytes, bytes]:
    """A self-signed certificate for ``images.test`` (and its key), in PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "images.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("images.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture(scope="module")
def tls_server(
    certificate: tuple[bytes, bytes], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    cert_pem, key_pem = certificate
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    for state in serve(context):
        state.sni = names
        yield state


@pytest.fixture
def trusting(certificate: tuple[bytes, bytes]) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=certificate[0].decode())


def test_https_verifies_the_certificate_for_the_host_name(
    tls_server: Server,
    trusting: ssl.SSLContext,
    dns: dict[str, list[list[str]]],
    connections: list[Any],
) -> None:
    dns["images.test"] = [["127.0.0.1"]]
    url = tls_server.url("/cat.png", host="images.test", scheme="https")

    assert fetch(url, allowed_hosts={"images.test"}, ssl_context=trusting) == PNG
    assert tls_server.sni[-1] == "images.test"
    assert connections == [("127.0.0.1", tls_server.port)]


def test_https_refuses_an_untrusted_certificate(
    tls_server: Server, dns: dict[str, list[list[str]]]
) -> None:
    dns["images.test"] = [["127.0.0.1"]]
    url = tls_server.url("/cat.png", host="images.test", scheme="https")
    assert "certificate verification failed" in refused(url, allowed_hosts={"images.test"}).reason


def test_https_refuses_a_certificate_for_another_name(
    tls_server: Server, trusting: ssl.SSLContext, dns: dict[str, list[list[str]]]
) -> None:
    dns["other.test"] = [["127.0.0.1"]]
    url = tls_server.url("/cat.png", host="other.test", scheme="https")
    error = refused(url, allowed_hosts={"other.test"}, ssl_context=trusting)
    assert "certificate verification failed" in error.reason


# --- helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "a loopback address"),
        ("::ffff:192.168.0.1", "a private address (embedded in the IPv6 address)"),
        ("169.254.169.254", "a cloud metadata address"),
        ("192.0.2.1", "a documentation address"),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "an IETF protocol address"),  # Teredo
    ],
)
def test_blocked_address_reason(address: str, reason: str | None) -> None:
    assert blocked_address_reason(address) == reason


def test_normalize_host() -> None:
    assert normalize_host("Images.Example.COM.") == "images.example.com"
    assert normalize_host("[0:0::1]") == "::1"
    assert normalize_host("bücher.example") == "xn--bcher-kva.example"
    with pytest.raises(ValueError, match="empty"):
        normalize_host(" ")


def test_describe_url_leaves_out_credentials_and_queries() -> None:
    text = describe_url("https://user:pw@blob.example/c/cat.png?sv=2024&sig=SECRET#frag")
    assert text == "'https://blob.example/c/cat.png?...'"
