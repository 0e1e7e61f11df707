"""Record file opens and network activity of this process with a `sys.addaudithook` hook.

Audit hooks cannot be removed, so one hook is installed on first use and records only while a
`Recorder` block is active. Every thread of the process is seen (the sync driver's worker
threads included).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

_EVENTS = frozenset(
    {"open", "socket.connect", "socket.getaddrinfo", "urllib.Request", "subprocess.Popen"}
)
_lock = threading.Lock()
_active: list[Recorder] = []
_installed = False
_inside = threading.local()


@dataclass
class Recorder:
    """The audited events seen while the block runs: ``(event, detail)`` pairs."""

    events: list[tuple[str, Any]] = field(default_factory=list)

    def __enter__(self) -> Recorder:
        _install()
        with _lock:
            _active.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with _lock:
            _active.remove(self)

    def opened(self) -> list[str]:
        """Every path opened (resolved, as strings)."""
        return [detail for event, detail in self.events if event == "open"]

    def connections(self) -> list[Any]:
        """Every address given to ``socket.connect``."""
        return [detail for event, detail in self.events if event == "socket.connect"]

    def remote_connections(self) -> list[Any]:
        """Addresses connected to that are not loopback (and not Unix sockets)."""
        return [address for address in self.connections() if not _is_local(address)]

    def lookups(self) -> list[Any]:
        """Host names resolved with ``getaddrinfo``."""
        return [detail for event, detail in self.events if event == "socket.getaddrinfo"]

    def of(self, event: str) -> list[Any]:
        """Details of one kind of event."""
        return [detail for name, detail in self.events if name == event]


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host) == "localhost"


def _detail(event: str, args: tuple[Any, ...]) -> Any:
    if event == "open":
        target = args[0]
        if isinstance(target, int):
            return f"<fd {target}>"
        try:
            return str(Path(os.fsdecode(target)).resolve())
        except (TypeError, ValueError, OSError):
            return repr(target)
    if event == "socket.connect":
        sock, address = args[0], args[1]
        return address if getattr(sock, "family", None) != socket.AF_UNIX else str(address)
    return args[0] if args else None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active or event not in _EVENTS or getattr(_inside, "busy", False):
        return
    _inside.busy = True  # what the hook itself does is not recorded
    try:
        detail = _detail(event, args)
        with _lock:
            for recorder in _active:
                recorder.events.append((event, detail))
    finally:
        _inside.busy = False


def _install() -> None:
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
