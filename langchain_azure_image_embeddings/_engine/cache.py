"""A content-addressed cache of vectors on any LangChain ``ByteStore``.

A vector is stored under a key derived from everything that determines it:

- what is sent: the SHA-256 of the image bytes *as prepared* (after any
  downscaling and re-encoding) and the paired text, or the text itself;
- where and how: the endpoint, the model, the route, the ``input_type``, the
  ``dimensions``, the ``encoding_format`` and the ``model_kwargs``.

So re-indexing unchanged images sends nothing, the same picture reached
through another path, a data URL or bytes is found too, and a change of model
or input type never returns a stale vector.

To make a hit cheap, the cache also remembers which prepared bytes a given
source's bytes became (an alias keyed by the SHA-256 of the bytes read, the
:class:`~.image_preparation.ImageLimits`, and the package and Pillow
versions): an image seen before is read and hashed, not decoded again.

Values are compact and exact: a two-byte header and the vector as
little-endian float32 when every value is a float32 (as the service sends
them), float64 otherwise. Entries that cannot be read are treated as misses
and overwritten.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from langchain_core.stores import ByteStore
from PIL import __version__ as _pillow_version

from langchain_azure_image_embeddings._engine.batch_preparation import (
    PreparedInput,
    PreparedRequest,
    RequestOptions,
    build_request,
    prepare_each,
    read_item_source,
)
from langchain_azure_image_embeddings._engine.batching import Batch, Route
from langchain_azure_image_embeddings._images.inputs import ImageItem, Item, TextItem
from langchain_azure_image_embeddings._images.preparation import ImageLimits
from langchain_azure_image_embeddings._images.sources import ImageSource, is_download
from langchain_azure_image_embeddings._protocols.wire import ParsedEmbeddings
from langchain_azure_image_embeddings._version import __version__
from langchain_azure_image_embeddings.errors import ImageInputError

__all__ = [
    "KEY_PREFIX",
    "CacheAnswer",
    "CacheScope",
    "EmbeddingCache",
    "decode_vector",
    "encode_vector",
    "source_key",
]

KEY_PREFIX = "azure-image-embeddings.v1."
"""Every key starts with this; keys use only characters every ``ByteStore`` accepts
(``LocalFileStore`` allows ``[a-zA-Z0-9_.-/]``)."""

_VERSION = 1
_FLOAT32 = ord("f")
_FLOAT64 = ord("d")
_HEX_DIGITS = frozenset("0123456789abcdef")

logger = logging.getLogger("langchain_azure_image_embeddings")


def encode_vector(vector: Sequence[float]) -> bytes:
    """Serialise a vector, exactly, in as few bytes as its values allow.

    Args:
        vector: The vector.

    Returns:
        A version byte (1), ``f`` and little-endian float32 values when
        every value is exactly a float32, else 1, ``d`` and float64 values.
    """
    single = array("f", vector)
    values: array[float] = single if single.tolist() == list(vector) else array("d", vector)
    if sys.byteorder != "little":
        values.byteswap()
    kind = _FLOAT32 if values.typecode == "f" else _FLOAT64
    return bytes((_VERSION, kind)) + values.tobytes()


def decode_vector(data: bytes | None) -> list[float] | None:
    """Read a vector written by :func:`encode_vector`.

    Args:
        data: A stored value, or ``None``.

    Returns:
        The vector, or ``None`` when ``data`` is missing or not a vector.
    """
    if data is None or len(data) < 3 or data[0] != _VERSION:
        return None
    if data[1] == _FLOAT32:
        values = array("f")
    elif data[1] == _FLOAT64:
        values = array("d")
    else:
        return None
    payload = memoryview(data)[2:]
    if len(payload) % values.itemsize:
        return None
    values.frombytes(payload)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()


def _digest(*parts: object) -> str:
    return hashlib.sha256(
        json.dumps(parts, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _join_digest(prefix: str, *parts: str | None) -> str:
    """The SHA-256 of a prefix digest and parts (a fixed number per kind of key)."""
    text = "\x1f".join("\x00" if part is None else f"\x01{part}" for part in parts)
    return hashlib.sha256(f"{prefix}\x1e{text}".encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(_canonical(item) for item in value)
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in sorted(value.items(), key=str)}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return value


def _limits_identity(limits: ImageLimits) -> dict[str, Any]:
    return {
        field.name: _canonical(getattr(limits, field.name)) for field in dataclasses.fields(limits)
    }


def source_key(data: bytes, limits: ImageLimits) -> str:
    """The key of the alias from a source's bytes to the bytes they are prepared into.

    Args:
        data: The bytes read from the source.
        limits: The limits the image is prepared under.

    Returns:
        A store key (preparation is deterministic for these bytes, limits and
        package and Pillow versions).
    """
    content = hashlib.sha256(data).hexdigest()
    return f"{KEY_PREFIX}source.{_join_digest(_source_identity(limits), content)}"


@functools.lru_cache(maxsize=64)
def _source_identity(limits: ImageLimits) -> str:
    return _digest("source", __version__, _pillow_version, _limits_identity(limits))


def _endpoint_identity(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class CacheScope:
    """Everything besides the input itself that determines a vector.

    Attributes:
        endpoint: The endpoint URL (normalised: scheme and host lower-cased,
            no trailing slash).
        model: The deployment name.
        input_type: The ``input_type`` asked for (as configured, before any
            fallback for models that refuse it).
        dimensions: The output dimensions asked for.
        encoding_format: ``"float"`` or ``"base64"``.
        model_kwargs: Extra model parameters.
    """

    endpoint: str
    model: str | None
    input_type: str | None
    dimensions: int | None
    encoding_format: str
    model_kwargs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    _routes: dict[Route, str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        common = (
            _endpoint_identity(self.endpoint),
            self.model,
            self.input_type,
            self.dimensions,
            self.encoding_format,
            _canonical(dict(self.model_kwargs)),
        )
        routes: dict[Route, str] = {
            "texts": _digest("vector", "texts", *common),
            "images": _digest("vector", "images", *common),
        }
        object.__setattr__(self, "_routes", routes)

    def text_key(self, text: str) -> str:
        """The key of a text's vector."""
        return f"{KEY_PREFIX}vector.{_join_digest(self._routes['texts'], text)}"

    def image_key(self, image_sha256: str, text: str | None) -> str:
        """The key of the vector of an image (by its prepared bytes) and its paired text."""
        key = _join_digest(self._routes["images"], image_sha256, text)
        return f"{KEY_PREFIX}vector.{key}"


@dataclass
class _Lookup:
    """What the cache learnt about some inputs before anything was prepared."""

    keys: dict[int, str] = dataclasses.field(default_factory=dict)
    aliases: dict[int, str] = dataclasses.field(default_factory=dict)
    reads: dict[int, ImageSource] = dataclasses.field(default_factory=dict)
    failures: dict[int, ImageInputError] = dataclasses.field(default_factory=dict)

    def miss(self, position: int) -> _Miss:
        """What is known of an input that was looked up and not found."""
        return _Miss(self.keys.get(position), self.aliases.get(position), self.reads.get(position))

    def restore(self, position: int, miss: _Miss) -> None:
        """Take back what :meth:`miss` kept of an input."""
        for known, value in ((self.keys, miss.key), (self.aliases, miss.alias)):
            if value is not None:
                known[position] = value
        if miss.read is not None:
            self.reads[position] = miss.read


@dataclass(frozen=True)
class _Miss:
    """An input looked up ahead of batching and not found: what its request will need."""

    key: str | None
    alias: str | None
    read: ImageSource | None


@dataclass(frozen=True)
class CacheAnswer:
    """What :meth:`EmbeddingCache.answer` found for a chunk of inputs.

    Attributes:
        hits: Vectors found, by position.
        failures: Inputs whose source could not be read, by position.
        rest: The other inputs, in input order: to be batched and sent.
    """

    hits: dict[int, list[float]]
    failures: dict[int, ImageInputError]
    rest: list[tuple[int, Item]]


class EmbeddingCache:
    """The cache as one call uses it: lookups ahead of batching, writes after success.

    :meth:`answer` looks inputs up in chunks as they are taken from the
    caller, before they are batched, so a hit costs no request, no worker
    thread and no decode, and the misses still fill whole requests. It reads
    local sources to hash them and keeps what it read (at most
    ``read_ahead_bytes`` per chunk) for the request; downloads are left to
    :meth:`prepare_batch`, which runs in worker threads and looks up whatever
    was not looked up yet. A store that fails never fails the call: a failed
    read is a miss, a failed write is skipped, and both are logged.

    Args:
        store: Any LangChain ``ByteStore``.
        scope: What the call's vectors depend on besides their inputs.
        read_ahead_bytes: The most source bytes one chunk reads ahead.
    """

    def __init__(self, store: ByteStore, scope: CacheScope, read_ahead_bytes: int = 32 * 2**20):
        self.store = store
        self.scope = scope
        self.read_ahead_bytes = read_ahead_bytes
        self._misses: dict[int, _Miss] = {}

    def answer(self, chunk: Sequence[tuple[int, Item]], options: RequestOptions) -> CacheAnswer:
        """Look up a chunk of inputs: texts by key, local images by their bytes' hash.

        Nothing is downloaded or decoded here. Images past the chunk's
        read-ahead budget, and remote images, are passed on unread.

        Args:
            chunk: Classified inputs with their positions.
            options: Request options and the image policy and limits.

        Returns:
            The hits, the unreadable inputs, and the rest to send.
        """
        lookup = _Lookup()
        looked: list[tuple[int, Item]] = []
        budget = self.read_ahead_bytes
        for position, item in chunk:
            if isinstance(item, ImageItem):
                if budget <= 0 or is_download(item.source, item.checked):
                    continue
                read = self._read(position, item, options, lookup)
                budget -= len(read.data) if read is not None and read.data is not None else 0
            looked.append((position, item))
        self._look_up(looked, options, lookup)
        hits = self._get(lookup.keys)
        for position, _ in looked:
            if position not in hits and position not in lookup.failures:
                self._misses[position] = lookup.miss(position)
        answered = hits.keys() | lookup.failures.keys()
        rest = [(position, item) for position, item in chunk if position not in answered]
        return CacheAnswer(hits, lookup.failures, rest)

    def prepare_batch(self, batch: Batch, options: RequestOptions) -> PreparedRequest:
        """Answer what the cache knows and prepare the request for the rest.

        Inputs :meth:`answer` did not look up (downloads, images past its
        read-ahead budget, or all of them when it was not used) are looked
        up first. Only images not found are decoded and prepared, then
        looked up by their prepared bytes (the same image from another source).

        Args:
            batch: Inputs of one route with their positions.
            options: Request options and the image policy and limits.

        Returns:
            The cache hits, the request for the misses (or ``None``), the
            failures, and the keys under which to store the answers.
        """
        lookup = _Lookup()
        fresh: list[tuple[int, Item]] = []
        for position, item in zip(batch.positions, batch.items, strict=True):
            miss = self._misses.pop(position, None)
            if miss is None:
                fresh.append((position, item))
                if isinstance(item, ImageItem):
                    self._read(position, item, options, lookup)
                continue
            lookup.restore(position, miss)
        self._look_up(fresh, options, lookup)
        hits = self._get({p: lookup.keys[p] for p, _ in fresh if p in lookup.keys})
        items = dict(zip(batch.positions, batch.items, strict=True))
        todo = [
            (p, item) for p, item in items.items() if p not in hits and p not in lookup.failures
        ]
        prepared_inputs, failures = prepare_each(todo, options, lookup.reads)
        failures.update(lookup.failures)
        sent: dict[int, tuple[PreparedInput, str]] = {}
        new_aliases: list[tuple[str, bytes]] = []
        for position, prepared in prepared_inputs.items():
            item = items[position]
            key = lookup.keys.get(position)
            if key is None:
                assert isinstance(item, ImageItem)
                assert prepared.image_sha256 is not None
                key = self.scope.image_key(prepared.image_sha256, item.text)
                if position in lookup.aliases:
                    new_aliases.append((lookup.aliases[position], prepared.image_sha256.encode()))
            sent[position] = (prepared, key)
        if new_aliases:
            self._set(new_aliases)
        unresolved = {p: key for p, (_, key) in sent.items() if p not in lookup.keys}
        for position, vector in self._get(unresolved).items():
            hits[position] = vector
            del sent[position]
        return PreparedRequest(
            build_request(batch.route, [prepared for prepared, _ in sent.values()], options),
            list(sent),
            failures,
            hits=hits,
            cache_keys=[key for _, key in sent.values()],
        )

    def remember(self, prepared: PreparedRequest, parsed: ParsedEmbeddings) -> None:
        """Store the vectors a request obtained.

        Args:
            prepared: The request as prepared (its ``cache_keys``).
            parsed: The vectors it obtained, in request order.
        """
        if prepared.cache_keys:
            pairs = zip(prepared.cache_keys, parsed.vectors, strict=True)
            self._set([(key, encode_vector(vector)) for key, vector in pairs])

    def _look_up(
        self, inputs: Sequence[tuple[int, Item]], options: RequestOptions, lookup: _Lookup
    ) -> None:
        """Find the key of each input: a text's own, an image's through its source alias."""
        texts: dict[int, str | None] = {}
        for position, item in inputs:
            if isinstance(item, TextItem):
                lookup.keys[position] = self.scope.text_key(item.text)
                continue
            texts[position] = item.text
            read = lookup.reads.get(position)
            if read is not None and read.data is not None:
                lookup.aliases[position] = source_key(read.data, options.image_limits)
        aliases = [(p, key) for p, key in lookup.aliases.items() if p in texts]
        if not aliases:
            return
        found = self._mget([key for _, key in aliases])
        for (position, _), value in zip(aliases, found, strict=True):
            digest = value.decode("ascii", "replace") if value is not None else ""
            if len(digest) == 64 and set(digest) <= _HEX_DIGITS:
                lookup.keys[position] = self.scope.image_key(digest, texts[position])
                del lookup.aliases[position]

    @staticmethod
    def _read(
        position: int, item: ImageItem, options: RequestOptions, lookup: _Lookup
    ) -> ImageSource | None:
        try:
            read = read_item_source(item, options.image_policy)
        except ImageInputError as error:
            lookup.failures[position] = error.at(position)
            return None
        lookup.reads[position] = read
        return read

    def _get(self, keys: Mapping[int, str]) -> dict[int, list[float]]:
        if not keys:
            return {}
        found = self._mget(list(keys.values()))
        vectors = {}
        for position, value in zip(keys, found, strict=True):
            vector = decode_vector(value)
            if vector is not None:
                vectors[position] = vector
        return vectors

    def _mget(self, keys: list[str]) -> Sequence[bytes | None]:
        try:
            return self.store.mget(keys)
        except Exception as error:  # a cache never fails a call
            logger.warning("the embeddings cache could not be read (%s); treated as misses", error)
            return [None] * len(keys)

    def _set(self, pairs: list[tuple[str, bytes]]) -> None:
        try:
            self.store.mset(pairs)
        except Exception as error:  # a cache never fails a call
            logger.warning("the embeddings cache could not be written (%s); skipped", error)
