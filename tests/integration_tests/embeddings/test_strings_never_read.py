"""A string given as text is never a file read or a network request, whatever it looks like.

An audit hook records every ``open`` and every ``socket.connect`` made while the
calls run: text strings must cause neither (besides the HTTP request to the
emulator on 127.0.0.1), and ``embed_image`` with no ``image_roots`` and remote
images off must refuse path and URL strings before any I/O or request.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import langchain_azure_image_embeddings as package
from langchain_azure_image_embeddings import ImageInputError

from ...conftest import make_embeddings

_events: list[tuple[str, Any]] = []
_lock = threading.Lock()
_active = {"on": False}
# The interpreter, installed packages and this package's own data (the in-process emulator
# loads its schema lazily) may be read; nothing else.
_RUNTIME_PREFIXES = tuple(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(package.__file__).parent)}
)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in ("open", "socket.connect", "socket.getaddrinfo") and _active["on"]:
        with _lock:
            _events.append((event, args))


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one records only inside recorded_io


@contextmanager
def recorded_io() -> Iterator[list[tuple[str, Any]]]:
    with _lock:
        _events.clear()
        _active["on"] = True
    try:
        yield _events
    finally:
        with _lock:
            _active["on"] = False


def _file_opens(events: list[tuple[str, Any]]) -> list[str]:
    """Files opened, except the interpreter's and installed packages' own (lazy imports)."""
    opened = []
    for event, args in events:
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            path = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
            if not path.startswith(_RUNTIME_PREFIXES):
                opened.append(path)
    return opened


def _foreign(events: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """File opens outside the runtime, and any connection or lookup beyond loopback."""
    bad: list[tuple[str, Any]] = [("open", path) for path in _file_opens(events)]
    for event, args in events:
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else address
            if host not in ("127.0.0.1", "::1"):
                bad.append((event, args))
        elif event == "socket.getaddrinfo" and args and args[0] not in ("127.0.0.1", "::1", None):
            bad.append((event, args))
    return bad


paths = st.one_of(
    st.sampled_from(
        [
            "/etc/passwd",
            "../../etc/shadow",
            "~/.ssh/id_rsa",
            "C:\\Windows\\win.ini",
            "file:///etc/passwd",
            "./photos/cat.jpg",
            "/proc/self/environ",
            "\\\\server\\share\\x.png",
        ]
    ),
    st.builds(
        lambda parts: "/" + "/".join(parts),
        st.lists(st.from_regex(r"[a-z0-9._-]{1,8}", fullmatch=True), min_size=1, max_size=4),
    ),
)
urls = st.one_of(
    st.sampled_from(
        [
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:8080/admin",
            "https://example.com/cat.png",
            "http://[::1]/",
            "http://10.0.0.1/x.jpg",
            "ftp://host/file.png",
            "gopher://x",
        ]
    ),
    st.builds(
        lambda host, path: f"http://{host}/{path}",
        st.from_regex(r"[a-z]{1,10}\.(com|internal|local)", fullmatch=True),
        st.from_regex(r"[a-z0-9]{0,10}\.(png|jpg)", fullmatch=True),
    ),
)
texts = st.text(min_size=1, max_size=60).filter(lambda s: not s.lower().startswith("data:image/"))
strings = st.one_of(paths, urls, texts)


@pytest.fixture(scope="module")
def text_embeddings(shared_emulator):
    embeddings = make_embeddings(shared_emulator)
    embeddings.embed_documents(["warm-up"])  # lazy one-time set-up (imports, client) happens here
    embeddings.embed_query("warm-up")
    return embeddings


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=strings)
def test_embed_documents_and_query_never_read_or_fetch_a_string(text_embeddings, value):
    with recorded_io() as events:
        documents = text_embeddings.embed_documents([value])
        query = text_embeddings.embed_query(value)
    assert len(documents) == 1
    assert len(query) == len(documents[0])
    assert _foreign(events) == []


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.one_of(paths, urls))
def test_embed_image_without_roots_refuses_strings_before_any_io(shared_emulator, value):
    embeddings = make_embeddings(shared_emulator)
    embeddings.embed_query("warm-up")
    before = shared_emulator.stats()["requests"].get("/images/embeddings", 0)
    with recorded_io() as events, pytest.raises(ImageInputError) as raised:
        embeddings.embed_image([value])
    assert raised.value.position == 0
    assert _foreign(events) == []
    assert shared_emulator.stats()["requests"].get("/images/embeddings", 0) == before
