"""A pytest plugin: host names resolve only to the loopback; anything else fails at once.

The SDK's payload tests send to `http://does.not.exist` and expect a connection error; with this
plugin that error comes without a DNS query leaving the machine.
"""

from __future__ import annotations

import socket
from typing import Any

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "ip6-localhost"})
_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and str(name).lower() not in _LOOPBACK:
        raise socket.gaierror(socket.EAI_NONAME, f"{name}: only loopback hosts in these tests")
    return _getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: Any) -> None:
    socket.getaddrinfo = _loopback_getaddrinfo
