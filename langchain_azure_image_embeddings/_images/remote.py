"""SSRF-safe download of remote images (``http``/``https`` only).

A URL given by a caller may come from an untrusted user or from an LLM, so a
download must never reach a service that is only meant to be reached from
inside: loopback, private networks, link-local and cloud metadata endpoints
(Azure IMDS at ``169.254.169.254`` hands out managed-identity tokens). The
rules, applied to the first URL and again to every redirect target:

- the scheme is ``http`` or ``https``; a URL carrying credentials
  (``user:password@``) is refused;
- the host name is resolved once, **every** address it resolves to is
  checked, and the connection is made to a checked address itself (no second
  DNS lookup, so DNS rebinding cannot swap the address), with the original
  name in the ``Host`` header and for TLS (SNI and certificate verification);
- addresses that are not globally routable are refused (loopback, private,
  link-local, multicast, reserved, unspecified, shared/CGNAT, and their
  IPv4-mapped, 6to4, Teredo and NAT64 forms), unless the URL's host is listed
  in ``allowed_hosts``; cloud metadata addresses and names are refused always;
- redirects are followed by hand, at most :data:`MAX_REDIRECTS`;
- the whole download (DNS, connect, TLS, headers, body) has one deadline, and
  the body is read only up to ``max_bytes``.

Proxy environment variables are not used: the connection goes straight to the
checked address. Everything runs synchronously (callers run it in worker
threads). Every failure is an :class:`ImageInputError`.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

from langchain_azure_image_embeddings._version import __version__
from langchain_azure_image_embeddings.errors import ImageInputError

__all__ = [
    "MAX_REDIRECTS",
    "RemoteImage",
    "blocked_address_reason",
    "check_allowed_host",
    "check_remote_url",
    "describe_url",
    "fetch_remote_image",
    "normalize_host",
]

MAX_REDIRECTS = 5
"""How many redirects one download may follow."""

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_BYTES = 64 * 1024
_USER_AGENT = f"langchain-azure-image-embeddings/{__version__}"

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # Azure IMDS, AWS, GCP, OpenStack, DigitalOcean ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.123",  # AWS time sync
        "168.63.129.16",  # Azure WireServer (a public address used by the platform)
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS DNS over IPv6
    )
)
_METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
_METADATA = "a cloud metadata address"
_LOOPBACK = "a loopback address"
_PRIVATE = "a private address"
_RESERVED = "a reserved address"
_DOCUMENTATION = "a documentation address"
# The IANA special-purpose registries, written out so that the verdict does not
# depend on the Python version's ipaddress tables.
_SPECIAL_NETWORKS = tuple(
    (ipaddress.ip_network(network), reason)
    for network, reason in (
        ("0.0.0.0/8", "an unspecified address"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "a shared (CGNAT) address"),
        ("127.0.0.0/8", _LOOPBACK),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", _DOCUMENTATION),
        ("192.88.99.0/24", _RESERVED),
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", _DOCUMENTATION),
        ("203.0.113.0/24", _DOCUMENTATION),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", _RESERVED),
        ("::/128", "an unspecified address"),
        ("::1/128", _LOOPBACK),
        ("64:ff9b:1::/48", _PRIVATE),
        ("100::/64", _RESERVED),
        ("2001::/23", "an IETF protocol address"),
        ("2001:db8::/32", _DOCUMENTATION),
        ("3fff::/20", _DOCUMENTATION),
        ("5f00::/16", _RESERVED),
        ("fc00::/7", _PRIVATE),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", _PRIVATE),
        ("ff00::/8", "a multicast address"),
    )
)
_IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class RemoteImage:
    """The body of a successful download.

    Attributes:
        data: The bytes of the body (at most the ``max_bytes`` given).
        content_type: The ``Content-Type`` the server declared, if any
            (information only: the real format is sniffed from ``data``).
        url: The URL the body came from, after redirects.
    """

    data: bytes
    content_type: str | None
    url: str


@dataclass(frozen=True)
class _Target:
    """A validated URL: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    request_path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"


def describe_url(url: str, limit: int = 80) -> str:
    """Return a short, safe description of a URL for error messages.

    Credentials and the query string are left out (a query may carry a
    signature or a token, as SAS URLs do).

    Args:
        url: The URL as given.
        limit: The longest description returned.

    Returns:
        ``scheme://host[:port]/path`` (with ``?...`` when there was a query),
        shortened to about ``limit`` characters.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        text = f"{parts.scheme}://{netloc}{parts.path}" + ("?..." if parts.query else "")
    except ValueError:
        text = url.split("?", 1)[0]
    printable = text.encode("unicode_escape").decode("ascii")
    if len(printable) > limit:
        printable = printable[: limit - 3] + "..."
    return repr(printable)


def normalize_host(host: str) -> str:
    """Return the canonical form of a host name or IP address, for comparisons.

    Lower case, without IPv6 brackets or a trailing dot, IP addresses in their
    compressed form, international names in IDNA (ASCII) form.

    Args:
        host: A host name or IP literal, as in a URL or in ``allowed_hosts``.

    Returns:
        The normalised host.

    Raises:
        ValueError: ``host`` is empty or not a valid host name.
    """
    text = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    if not text:
        raise ValueError("empty host name")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"invalid host name {host!r}") from exc


def check_allowed_host(entry: object) -> str:
    """Check one ``allowed_remote_hosts`` entry and return it normalised.

    An entry is a bare host name or IP address: ``"images.internal"``,
    ``"127.0.0.1"``, ``"::1"`` or ``"[::1]"``. A port is not part of it (every
    port of an allowed host may be fetched), and a URL is refused with the
    host to write instead, since an entry kept as given would never match.

    Args:
        entry: The entry as given.

    Returns:
        The host in the form :func:`normalize_host` gives.

    Raises:
        ValueError: The entry is not a string, is empty, is a URL, names a
            port, or is not a valid host name or address.
    """
    if not isinstance(entry, str):
        raise ValueError(f"allowed_remote_hosts entries are host names, not {type(entry).__name__}")
    text = entry.strip()
    shown = repr(text[:80])
    if not text:
        raise ValueError(
            "allowed_remote_hosts holds an empty entry (an unset environment variable?); "
            "entries are host names or IP addresses"
        )
    if "://" in text or text.startswith("//"):
        host = _host_of_url(text)
        instead = f"write {host!r}" if host else "write only the host name"
        raise ValueError(
            f"allowed_remote_hosts entry {shown} is a URL; entries are bare host names or IP "
            f"addresses: {instead}"
        )
    bracketed = text.startswith("[") and "]" in text
    port = text.rpartition("]")[2] if bracketed else text.rpartition(":")[2]
    if (bracketed and port) or (not bracketed and text.count(":") == 1 and port.isdigit()):
        host = text.rpartition(":")[0]
        raise ValueError(
            f"allowed_remote_hosts entry {shown} names a port; write the host alone, "
            f"{host!r} (every port of an allowed host may be fetched)"
        )
    if any(char in "/?#@\\" or char.isspace() or ord(char) < 0x20 for char in text):
        raise ValueError(
            f"allowed_remote_hosts entry {shown} is not a bare host name or IP address"
        )
    host = normalize_host(text)
    if not _is_ip(host) and not all(_HOST_LABEL.match(label) for label in host.split(".")):
        raise ValueError(f"allowed_remote_hosts entry {shown} is not a valid host name")
    return host


_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _host_of_url(text: str) -> str | None:
    try:
        host = urlsplit(text if "://" in text else f"http:{text}").hostname
    except ValueError:
        return None
    return host or None


def blocked_address_reason(address: str | _IPAddress) -> str | None:
    """Say why downloads from an IP address are refused, or ``None`` if they are not.

    Args:
        address: An IPv4 or IPv6 address (object or text).

    Returns:
        A short reason such as ``"a loopback address"``, or ``None`` for a
        globally routable address.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if ip in _METADATA_ADDRESSES:
        return _METADATA
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        reason = blocked_address_reason(embedded)
        return None if reason is None else f"{reason} (embedded in the IPv6 address)"
    for network, reason in _SPECIAL_NETWORKS:
        if ip in network:
            return reason
    if isinstance(ip, ipaddress.IPv6Address) and ip not in _IPV6_GLOBAL_UNICAST:
        return _RESERVED
    return None if ip.is_global else "not a public address"


def _embedded_ipv4(ip: _IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def check_remote_url(url: str, allowed_hosts: frozenset[str] = frozenset()) -> None:
    """Check a URL without any network I/O: scheme, credentials, host, literal addresses.

    Host names are resolved only when downloading; an address written in the
    URL itself (``http://10.0.0.1/``, ``http://[::1]/``, ``http://2130706433/``)
    is refused here already.

    Args:
        url: The URL as given.
        allowed_hosts: Normalised hosts (see :func:`normalize_host`) that may be
            fetched even when they are not public addresses.

    Raises:
        ImageInputError: The URL may not be fetched.
    """
    target = _parse_target(url)
    for info in _numeric_addresses(target):
        _check_address(target, info, allowed_hosts)


def fetch_remote_image(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    allowed_hosts: frozenset[str] = frozenset(),
    max_redirects: int = MAX_REDIRECTS,
    ssl_context: ssl.SSLContext | None = None,
) -> RemoteImage:
    """Download an image under the SSRF rules of this module.

    Args:
        url: An ``http://`` or ``https://`` URL.
        max_bytes: The most bytes the body may have; a longer body is cut off
            and refused.
        timeout: Seconds for the whole download, redirects included.
        allowed_hosts: Normalised hosts (see :func:`normalize_host`) that may be
            fetched even when they resolve to loopback or private addresses
            (for example a test server). Metadata addresses stay refused.
        max_redirects: How many redirects may be followed.
        ssl_context: The TLS context for ``https`` (default: the system's
            trusted certificates, hostname verification on).

    Returns:
        The body, its declared content type and the final URL.

    Raises:
        ImageInputError: The URL is not allowed, the server could not be
            reached in time, answered with an error status or too many
            redirects, or sent more than ``max_bytes``.
    """
    deadline = time.monotonic() + timeout
    context = ssl_context or _default_ssl_context()
    current = url
    for _ in range(max_redirects + 1):
        target = _parse_target(current)
        outcome = _fetch_once(target, allowed_hosts, max_bytes, deadline, timeout, context)
        if isinstance(outcome, RemoteImage):
            return outcome
        current = outcome
    raise ImageInputError(f"more than {max_redirects} redirects", source=describe_url(url))


def _parse_target(url: str) -> _Target:
    source = describe_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImageInputError(f"malformed URL ({exc})", source=source) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ImageInputError(
            f"only http and https URLs can be downloaded, not {scheme or 'no scheme'!r}",
            source=source,
        )
    _check_url_text(url, parts, source)
    try:
        host = normalize_host(parts.hostname or "")
    except ValueError:
        raise ImageInputError("the URL has no valid host name", source=source) from None
    if host in _METADATA_HOSTS:
        raise ImageInputError("the host is a cloud metadata service", source=source)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(url, scheme, host, port or _DEFAULT_PORTS[scheme], path)


def _check_url_text(url: str, parts: SplitResult, source: str) -> None:
    if "@" in parts.netloc:
        raise ImageInputError(
            "URLs with credentials (user:password@host) are not downloaded", source=source
        )
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise ImageInputError("the URL contains spaces or control characters", source=source)


def _numeric_addresses(target: _Target) -> Sequence[_AddrInfo]:
    """The addresses of a host written as a number (any notation), without DNS."""
    try:
        return socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
    except (OSError, UnicodeError):
        return []


def _check_address(target: _Target, info: _AddrInfo, allowed_hosts: frozenset[str]) -> None:
    address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
    reason = blocked_address_reason(address)
    if reason is None:
        return
    if target.host in allowed_hosts and not reason.startswith(_METADATA):
        return
    raise ImageInputError(
        f"refused to download from {address}: {reason}; list the host in "
        "allowed_remote_hosts if it is meant to be reached",
        source=describe_url(target.url),
    )


def _fetch_once(
    target: _Target,
    allowed_hosts: frozenset[str],
    max_bytes: int,
    deadline: float,
    timeout: float,
    context: ssl.SSLContext,
) -> RemoteImage | str:
    """One request: the image, or the URL a redirect points to."""
    source = describe_url(target.url)
    addresses = _resolve(target, deadline, timeout)
    for info in addresses:
        _check_address(target, info, allowed_hosts)
    with _deadline_guard(deadline) as guard:
        try:
            sock = _connect(addresses, deadline, context, target, guard)
            outcome = _exchange(target, sock, max_bytes, source)
        except ImageInputError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if guard.expired or time.monotonic() >= deadline:
                raise ImageInputError(
                    f"download timed out after {timeout:g} s", source=source
                ) from None
            raise ImageInputError(_network_reason(exc), source=source) from None
    if guard.expired:
        raise ImageInputError(f"download timed out after {timeout:g} s", source=source)
    return outcome


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed before the whole image was received"
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP response ({type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"download failed ({exc.strerror})"
    return f"download failed ({type(exc).__name__})"


def _resolve(target: _Target, deadline: float, timeout: float) -> Sequence[_AddrInfo]:
    """Resolve the host once, within the deadline (``getaddrinfo`` has no timeout)."""
    result: list[Sequence[_AddrInfo] | BaseException] = []

    def run() -> None:
        try:
            result.append(socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the waiting thread
            result.append(exc)

    worker = threading.Thread(target=run, name="resolve-image-host", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    source = describe_url(target.url)
    if not result:
        raise ImageInputError(f"download timed out after {timeout:g} s (DNS)", source=source)
    outcome = result[0]
    if isinstance(outcome, BaseException) or not outcome:
        raise ImageInputError("could not resolve the host name", source=source)
    return outcome


def _connect(
    addresses: Sequence[_AddrInfo],
    deadline: float,
    context: ssl.SSLContext,
    target: _Target,
    guard: _Guard,
) -> socket.socket:
    """Connect to the first reachable checked address (TLS for https)."""
    error: OSError = OSError("no address to connect to")
    for family, kind, proto, _, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        guard.watch(sock)
        try:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        if target.scheme == "https":
            try:
                return context.wrap_socket(sock, server_hostname=target.host)
            except BaseException:
                sock.close()
                raise
        return sock
    raise error


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection over a socket that is already connected (and checked)."""

    def __init__(self, host: str, port: int, sock: socket.socket):
        super().__init__(host, port)
        self.sock = sock

    def connect(self) -> None:
        raise http.client.NotConnected("the pinned connection is closed")


def _exchange(
    target: _Target, sock: socket.socket, max_bytes: int, source: str
) -> RemoteImage | str:
    connection = _PinnedConnection(target.host, target.port, sock)
    try:
        connection.putrequest("GET", target.request_path, skip_host=True, skip_accept_encoding=True)
        for name, value in (
            ("Host", target.host_header),
            ("User-Agent", _USER_AGENT),
            ("Accept", "image/*"),
            ("Accept-Encoding", "identity"),
            ("Connection", "close"),
        ):
            connection.putheader(name, value)
        connection.endheaders()
        with connection.getresponse() as response:
            if response.status in _REDIRECT_STATUSES:
                return _redirect_target(target, response, source)
            if not 200 <= response.status < 300:
                raise ImageInputError(
                    f"the server answered HTTP {response.status} {response.reason}".rstrip(),
                    source=source,
                )
            data = _read_body(response, max_bytes, source)
            return RemoteImage(data, response.getheader("Content-Type"), target.url)
    finally:
        connection.close()


def _redirect_target(target: _Target, response: http.client.HTTPResponse, source: str) -> str:
    location = response.getheader("Location")
    if not location:
        raise ImageInputError(
            f"redirect (HTTP {response.status}) without a Location header", source=source
        )
    return urljoin(target.url, location.strip())


def _read_body(response: http.client.HTTPResponse, max_bytes: int, source: str) -> bytes:
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise ImageInputError(
            f"the server sent a {encoding!r}-encoded body; only unencoded images are accepted",
            source=source,
        )
    too_big = f"the download is larger than max_source_bytes ({max_bytes:,} bytes)"
    header = (response.getheader("Content-Length") or "").strip()
    declared = int(header) if header.isdigit() else None
    if declared is not None and declared > max_bytes:
        raise ImageInputError(f"{too_big}: the server announced {declared:,}", source=source)
    body = bytearray()
    while chunk := response.read1(min(_CHUNK_BYTES, max_bytes + 1 - len(body))):
        body += chunk
        if len(body) > max_bytes:
            raise ImageInputError(f"{too_big}; the download was cut off", source=source)
    if declared is not None and len(body) < declared:
        raise http.client.IncompleteRead(bytes(body), declared - len(body))
    return bytes(body)


class _Guard:
    """Shuts a socket down when the deadline passes, so no read can outlive it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._expired = False

    @property
    def expired(self) -> bool:
        with self._lock:
            return self._expired

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            expired = self._expired
        if expired:
            self.expire()

    def expire(self) -> None:
        with self._lock:
            self._expired = True
            sock = self._sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def _deadline_guard(deadline: float) -> Iterator[_Guard]:
    guard = _Guard()
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), guard.expire)
    timer.daemon = True
    timer.start()
    try:
        yield guard
    finally:
        timer.cancel()


_ssl_context_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


def _default_ssl_context() -> ssl.SSLContext:
    """The system's trusted certificates, TLS 1.2 or newer, hostname verification on."""
    global _ssl_context
    with _ssl_context_lock:
        if _ssl_context is None:
            _ssl_context = ssl.create_default_context()
        return _ssl_context
