"""From any accepted image source to raw bytes, under an explicit policy.

A *string* may come from an untrusted user or an LLM, so a string becomes a
file read only inside ``image_roots`` and a download only with
``allow_remote_images``. Objects that only code can build (``pathlib.Path``,
bytes, file objects, PIL images, content blocks with inline data) are explicit
intent and are read. Every read is capped at ``max_source_bytes`` before any
decoding happens. Every failure is an :class:`ImageInputError` with a short,
safe description of the source (never its contents, never a whole data URL).

Accepted forms:

- data URL strings: ``data:image/<fmt>;base64,<payload>``;
- local paths and ``file://`` URIs as strings (inside ``image_roots`` only,
  symlinks resolved first);
- ``http(s)://`` URLs as strings (only with ``allow_remote_images``; see
  :mod:`.remote_images`);
- ``pathlib.Path`` (any ``os.PathLike``), ``bytes``, ``bytearray``,
  ``memoryview``, binary file objects (anything whose ``read()`` returns
  bytes), ``PIL.Image.Image``;
- LangChain image content blocks: ``{"type": "image", "base64": ...,
  "mime_type": ...}``, ``{"type": "image", "url": ...}``, the older
  ``{"type": "image", "source_type": "base64" | "url", ...}`` forms, and
  OpenAI-style ``{"type": "image_url", "image_url": {"url": ...}}``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from langchain_azure_image_embeddings._images.inputs import is_pil_image
from langchain_azure_image_embeddings._images.remote import (
    check_allowed_host,
    check_remote_url,
    describe_url,
    fetch_remote_image,
)
from langchain_azure_image_embeddings.errors import ImageInputError, describe_source

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "CheckedSource",
    "ImagePolicy",
    "ImageSource",
    "check_image_source_policy",
    "is_download",
    "read_image_source",
]

_MIB = 1024 * 1024
_READ_CHUNK = _MIB
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_WHITESPACE = re.compile(r"\s+")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class ImagePolicy:
    """Which image sources may be read, and how much of them.

    Args:
        image_roots: Folders from which local paths given as *strings* (and
            ``file://`` URIs) may be read. ``None`` (the default) reads no
            path given as a string. Each root is resolved to its real path.
        allow_remote_images: Whether ``http(s)://`` URLs may be downloaded.
        allowed_remote_hosts: Hosts or IP addresses that may be downloaded
            from even when they resolve to loopback or private addresses (for
            example a test server). Cloud metadata addresses stay refused.
        max_source_bytes: The most bytes read from any source (file,
            download, data URL, content block, bytes) before decoding.
        remote_timeout: Seconds allowed for one whole download, redirects
            included.
    """

    image_roots: tuple[Path, ...] | None = None
    allow_remote_images: bool = False
    allowed_remote_hosts: frozenset[str] = frozenset()
    max_source_bytes: int = 50 * _MIB
    remote_timeout: float = 10.0
    _root_prefixes: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.image_roots is not None:
            roots: Iterable[str | os.PathLike[str]] = self.image_roots
            resolved = tuple(Path(os.path.realpath(root)) for root in roots)
            object.__setattr__(self, "image_roots", resolved)
            object.__setattr__(self, "_root_prefixes", _root_prefixes(resolved))
        hosts = frozenset(check_allowed_host(host) for host in self.allowed_remote_hosts)
        object.__setattr__(self, "allowed_remote_hosts", hosts)
        if self.max_source_bytes <= 0:
            raise ValueError("max_source_bytes must be positive")
        if self.remote_timeout <= 0:
            raise ValueError("remote_timeout must be positive")


@dataclass(frozen=True)
class ImageSource:
    """What was read from a source, before any decoding.

    Attributes:
        data: The raw bytes (``None`` for a ``PIL.Image.Image`` input).
        image: The PIL image, for PIL inputs (``None`` otherwise).
        description: A short, safe description of the source for messages.
        declared_mime: The media type the source claimed (data URL, content
            block or HTTP ``Content-Type``), if any. Information only: the real
            format is sniffed from the bytes.
    """

    data: bytes | None
    image: Image.Image | None
    description: str
    declared_mime: str | None = None


class CheckedSource(Protocol):
    """A source that passed :func:`check_image_source_policy`, ready to be read."""

    @property
    def description(self) -> str:
        """A short, safe description of the source for messages."""
        ...

    def read(self, policy: ImagePolicy) -> ImageSource:
        """Read the source under ``policy`` (the policy it was checked against)."""
        ...


class _Located(CheckedSource, Protocol):
    """A classified source: a cheap check, and the read itself."""

    def check(self, policy: ImagePolicy) -> CheckedSource: ...


def check_image_source_policy(source: object, policy: ImagePolicy) -> CheckedSource:
    """Check that a source is an accepted form and allowed by ``policy``, cheaply.

    No file is opened and nothing is downloaded: local files are only
    ``stat``-ed, URLs are checked syntactically (and literal IP addresses
    against the SSRF rules), data URLs by their header and length. Calling it
    for every input before sending anything finds policy errors early.

    Args:
        source: One image input as the caller gave it.
        policy: What may be read.

    Returns:
        The checked source: reading it later does not resolve a path again
        (a file is still confirmed, once open, to lie inside ``image_roots``).

    Raises:
        ImageInputError: The source is not an accepted form, not allowed, or
            visibly unreadable (missing file, directory, too large, empty).
    """
    return _locate(source).check(policy)


def is_download(source: object, checked: object | None = None) -> bool:
    """Whether reading a source means a download (no I/O, no policy check).

    Args:
        source: One image input as the caller gave it.
        checked: What :func:`check_image_source_policy` returned for it, if
            it was checked (then ``source`` is not looked at again).

    Returns:
        ``True`` for an ``http(s)`` URL, as a string or in a content block.
    """
    if checked is None:
        try:
            checked = _locate(source)
        except ImageInputError:
            return False
    return isinstance(checked, _RemoteUrl)


def read_image_source(source: object, policy: ImagePolicy) -> ImageSource:
    """Read a source's bytes (or its PIL image) under ``policy``.

    Args:
        source: One image input as the caller gave it.
        policy: What may be read.

    Returns:
        The bytes read, or the PIL image, with a safe description.

    Raises:
        ImageInputError: The source is not accepted, not allowed, unreadable
            or larger than ``policy.max_source_bytes``.
    """
    return _locate(source).check(policy).read(policy)


# Classification (no I/O) ------------------------------------------------------------------


def _locate(source: object) -> _Located:
    if isinstance(source, str):
        return _locate_string(source)
    if isinstance(source, os.PathLike):
        return _locate_path_like(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _InlineBytes(source, f"{type(source).__name__} ({_nbytes(source):,} bytes)")
    if isinstance(source, Mapping):
        return _locate_block(source)
    if is_pil_image(source):
        return _PilImage(source)
    if callable(getattr(source, "read", None)):
        return _FileObject(source)
    raise ImageInputError(
        f"unsupported image input type {type(source).__name__}; pass bytes, a pathlib.Path, "
        "a PIL.Image.Image, a binary file object, a LangChain image content block, or a string "
        "(data URL, path inside image_roots, or http(s) URL)"
    )


def _locate_string(text: str) -> _Located:
    if not text:
        raise ImageInputError("an empty string is not an image reference")
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match else ""
    if scheme == "data":
        return _data_url(text, describe_source(text))
    description = describe_url(text) if "://" in text else describe_source(text)
    if scheme in ("http", "https"):
        return _RemoteUrl(text, description)
    if scheme == "file":
        return _LocalFile(_file_uri_path(text, description), description, confined=True)
    if match and len(scheme) > 1 and text[match.end() :].startswith("//"):
        raise ImageInputError(
            f"unsupported URL scheme {scheme!r}; use a data URL, a local path, or http(s)",
            source=description,
        )
    return _LocalFile(text, description, confined=True)


def _file_uri_path(uri: str, description: str) -> str:
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise ImageInputError("malformed file:// URI", source=description) from None
    if parts.netloc not in ("", "localhost"):
        raise ImageInputError(
            "file:// URIs must name a local file (no host other than localhost)",
            source=description,
        )
    if parts.query or parts.fragment:
        raise ImageInputError(
            "file:// URIs with a query or fragment are not supported", source=description
        )
    return url2pathname(parts.path)


def _locate_path_like(source: os.PathLike[Any]) -> _Located:
    path = os.fspath(source)
    if not isinstance(path, str):
        raise ImageInputError("byte-string paths are not supported; use a str path")
    return _LocalFile(path, f"{type(source).__name__}({describe_source(path)})", confined=False)


def _locate_block(block: Mapping[Any, Any]) -> _Located:
    kind = block.get("type")
    if kind == "image_url":
        return _locate_block_url(_openai_image_url(block), "image_url content block")
    if kind != "image":
        raise ImageInputError(
            f"unsupported content block type {kind!r}; expected {{'type': 'image', 'base64': ..., "
            "'mime_type': ...}, {'type': 'image', 'url': ...} or {'type': 'image_url', ...}"
        )
    source_type = block.get("source_type")
    if source_type == "base64" or (source_type is None and "base64" in block):
        payload = block.get("data") if source_type == "base64" else block.get("base64")
        return _block_base64(payload, block.get("mime_type"))
    if source_type == "url" or (source_type is None and "url" in block):
        return _locate_block_url(block.get("url"), "image content block")
    raise ImageInputError(
        "unsupported image content block: it needs inline data ('base64' and 'mime_type') or a "
        "'url' (file ids and other source types cannot be read)",
        source="image content block",
    )


def _openai_image_url(block: Mapping[Any, Any]) -> object:
    inner = block.get("image_url")
    if isinstance(inner, Mapping):
        return inner.get("url")
    return inner


def _locate_block_url(url: object, what: str) -> _Located:
    if not isinstance(url, str) or not url:
        raise ImageInputError(f"the {what} has no 'url' string", source=what)
    located = _locate_string(url)
    if not isinstance(located, (_Base64, _RemoteUrl)):  # a data URL, or a download
        raise ImageInputError(
            f"the url of an {what} must be a data URL or an http(s) URL",
            source=f"{what} ({located.description})",
        )
    return located


def _block_base64(payload: object, mime_type: object) -> _Located:
    description = "image content block (base64)"
    if not isinstance(payload, str):
        raise ImageInputError("the image content block has no base64 string", source=description)
    if payload.startswith("data:"):
        return _data_url(payload, f"image content block ({describe_source(payload)})")
    declared = mime_type if isinstance(mime_type, str) else None
    return _Base64(payload, f"image content block (base64, {len(payload):,} chars)", declared)


def _nbytes(value: bytes | bytearray | memoryview) -> int:
    return value.nbytes if isinstance(value, memoryview) else len(value)


def _check_size(size: int, policy: ImagePolicy, description: str, what: str = "the image") -> None:
    if size > policy.max_source_bytes:
        raise ImageInputError(
            f"{what} is {size:,} bytes, more than max_source_bytes ({policy.max_source_bytes:,})",
            source=description,
        )


# The located forms --------------------------------------------------------------------------


@dataclass(frozen=True)
class _InlineBytes:
    data: bytes | bytearray | memoryview
    description: str

    def check(self, policy: ImagePolicy) -> CheckedSource:
        _check_size(_nbytes(self.data), policy, self.description)
        return self

    def read(self, policy: ImagePolicy) -> ImageSource:
        return ImageSource(bytes(self.data), None, self.description, None)


@dataclass(frozen=True)
class _Base64:
    """Base64 data: ``text[start:]`` (a data URL is kept whole, its payload never copied)."""

    text: str
    description: str
    declared_mime: str | None
    start: int = 0

    def check(self, policy: ImagePolicy) -> CheckedSource:
        size = (len(self.text) - self.start) * 3 // 4
        _check_size(size, policy, self.description, "the decoded image")
        return self

    def read(self, policy: ImagePolicy) -> ImageSource:
        data = _decode_base64(self.text[self.start :], self.description)
        return ImageSource(data, None, self.description, self.declared_mime)


def _data_url(url: str, description: str) -> _Base64:
    """A ``data:`` URL's payload, once its header says base64 and an image type."""
    comma = url.find(",")
    params = url[len("data:") : max(comma, 0)].split(";")
    media_type = params[0].strip().lower()
    if comma < 0 or params[-1].strip().lower() != "base64":
        raise ImageInputError(
            "data URLs must be base64-encoded: data:image/<format>;base64,<data>",
            source=description,
        )
    if not media_type.startswith("image/"):
        raise ImageInputError(
            f"the data URL's media type is {media_type or 'missing'!r}, not image/...",
            source=description,
        )
    return _Base64(url, description, media_type, start=comma + 1)


def _decode_base64(payload: str, description: str) -> bytes:
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode(_WHITESPACE.sub("", payload), validate=True)
    except (binascii.Error, ValueError):
        raise ImageInputError(
            "malformed base64 data (only A-Z, a-z, 0-9, '+', '/' and '=' padding are allowed)",
            source=description,
        ) from None


@dataclass(frozen=True)
class _RemoteUrl:
    url: str
    description: str

    def check(self, policy: ImagePolicy) -> CheckedSource:
        if not policy.allow_remote_images:
            raise ImageInputError(
                "downloading images from URLs is off; construct the embeddings with "
                "allow_remote_images=True to allow it (downloads are SSRF-checked), or pass the "
                "image's bytes",
                source=self.description,
            )
        check_remote_url(self.url, policy.allowed_remote_hosts)
        return self

    def read(self, policy: ImagePolicy) -> ImageSource:
        image = fetch_remote_image(
            self.url,
            max_bytes=policy.max_source_bytes,
            timeout=policy.remote_timeout,
            allowed_hosts=policy.allowed_remote_hosts,
        )
        return ImageSource(image.data, None, self.description, image.content_type)


@dataclass(frozen=True)
class _LocalFile:
    """A local file: a string path (``confined`` to the roots) or a ``PathLike`` object.

    ``target`` is the path to open, set by :meth:`check`: for a confined path,
    its real path, found inside a root.
    """

    path: str
    description: str
    confined: bool
    target: str | None = None

    def check(self, policy: ImagePolicy) -> CheckedSource:
        target = self._target(policy)
        self._check_stat(_guard_os(lambda: os.stat(target), self.description), policy)
        return dataclasses.replace(self, target=target)

    def read(self, policy: ImagePolicy) -> ImageSource:
        target = self.target
        assert target is not None, "a local file is read once check() has resolved it"
        flags = _OPEN_FLAGS | (_NO_FOLLOW if self.confined else 0)
        fd = _guard_os(lambda: os.open(target, flags), self.description)
        with os.fdopen(fd, "rb") as file:
            if self.confined:  # a folder on the way may have been swapped for a symlink since
                self._check_inside_roots(_opened_path(fd, target), policy)
            info = _guard_os(lambda: os.fstat(fd), self.description)
            self._check_stat(info, policy)
            # Read the size fstat gave (+1 to notice growth): a read sized to the cap
            # allocates and frees a buffer that large for every image (4x slower).
            cap = policy.max_source_bytes + 1
            data = _guard_os(lambda: file.read(min(info.st_size + 1, cap)), self.description)
            if len(data) > info.st_size:  # the file grew meanwhile: read on, up to the cap
                data += _guard_os(lambda: file.read(cap - len(data)), self.description)
        _check_size(len(data), policy, self.description, "the file")
        return ImageSource(data, None, self.description, None)

    def _target(self, policy: ImagePolicy) -> str:
        """The path to open: for a string, its real path, which must lie inside a root."""
        if "\x00" in self.path:
            raise ImageInputError("the path contains a NUL character", source=self.description)
        if not self.confined:
            return self.path
        if not policy.image_roots:
            raise ImageInputError(
                "local file paths given as strings are not read unless allowed: construct the "
                "embeddings with image_roots=[...] naming the folders images may be read from, or "
                "pass a pathlib.Path",
                source=self.description,
            )
        real: str = _guard_os(lambda: os.path.realpath(self.path), self.description)
        self._check_inside_roots(real, policy)
        return real

    def _check_inside_roots(self, real: str, policy: ImagePolicy) -> None:
        if not os.path.normcase(real + os.sep).startswith(policy._root_prefixes):
            raise ImageInputError(
                "the path lies outside image_roots (after resolving '..' and symlinks)",
                source=self.description,
            )

    def _check_stat(self, info: os.stat_result, policy: ImagePolicy) -> None:
        if stat.S_ISDIR(info.st_mode):
            raise ImageInputError("the path is a directory, not a file", source=self.description)
        if not stat.S_ISREG(info.st_mode):
            raise ImageInputError("the path is not a regular file", source=self.description)
        if info.st_size == 0:
            raise ImageInputError("the file is empty (0 bytes)", source=self.description)
        _check_size(info.st_size, policy, self.description, "the file")


def _root_prefixes(roots: tuple[Path, ...]) -> tuple[str, ...]:
    """Each root, ending in a separator.

    ``path + sep`` starts with one of them exactly when ``path`` is the root or
    lies inside it: a string test, with no ``Path`` built per image.
    """
    texts = (os.path.normcase(str(root)) for root in roots)
    return tuple(text if text.endswith(os.sep) else text + os.sep for text in texts)


def _opened_path(fd: int, target: str) -> str:
    """The real path of the file open at ``fd``: asked of the kernel where it can tell."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # no /proc (macOS, Windows, some sandboxes): resolve the name again
        return os.path.realpath(target)


def _guard_os(action: Callable[[], Any], description: str) -> Any:
    """Run a filesystem call; turn an ``OSError`` into an :class:`ImageInputError`."""
    try:
        return action()
    except FileNotFoundError:
        raise ImageInputError("no such file", source=description) from None
    except PermissionError:
        raise ImageInputError("permission denied", source=description) from None
    except OSError as exc:
        reason = "the path is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise ImageInputError(f"cannot read the file ({reason})", source=description) from None
    except ValueError as exc:
        raise ImageInputError(f"invalid path ({exc})", source=description) from None


@dataclass(frozen=True)
class _FileObject:
    file: Any
    description: str = field(init=False)

    def __post_init__(self) -> None:
        name = getattr(self.file, "name", None)
        label = f"file object {describe_source(name)}" if isinstance(name, str) else None
        object.__setattr__(
            self, "description", label or f"file object ({type(self.file).__name__})"
        )

    def check(self, policy: ImagePolicy) -> CheckedSource:
        return self

    def read(self, policy: ImagePolicy) -> ImageSource:
        limit = policy.max_source_bytes
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = self._read_chunk(min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        _check_size(size, policy, self.description, "the file object's content")
        return ImageSource(b"".join(chunks), None, self.description, None)

    def _read_chunk(self, size: int) -> bytes:
        try:
            chunk = self.file.read(size)
        except Exception as exc:
            raise ImageInputError(
                f"reading the file object failed ({type(exc).__name__})", source=self.description
            ) from exc
        if chunk is None:
            return b""
        if isinstance(chunk, str):
            raise ImageInputError(
                "the file object is in text mode; open it in binary mode ('rb')",
                source=self.description,
            )
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise ImageInputError(
                f"the file object's read() returned {type(chunk).__name__}, not bytes",
                source=self.description,
            )
        return bytes(chunk)


@dataclass(frozen=True)
class _PilImage:
    image: Image.Image
    description: str = field(init=False)

    def __post_init__(self) -> None:
        width, height = self.image.size
        label = f"PIL image {width}x{height} {self.image.mode}"
        object.__setattr__(self, "description", label)

    def check(self, policy: ImagePolicy) -> CheckedSource:
        return self

    def read(self, policy: ImagePolicy) -> ImageSource:
        return ImageSource(None, self.image, self.description, None)
