"""Cohere's v2 embed API as Azure serves it: ``POST <Target URI>/v2/embed``.

On a Foundry resource the Target URI is
``https://<resource>.services.ai.azure.com/providers/cohere``; on a serverless
endpoint it is the host itself, ``https://<name>.<region>.models.ai.azure.com``.

The models' rules (``shared/spec/cohere-v2-embed/NOTES.md``):

- texts travel in ``texts``, 96 per request;
- Cohere v3 takes an image only in ``images``, one per request, with
  ``input_type: "image"``; an image+text pair travels in ``inputs``, one per request;
- embed v4 and later take images and pairs in ``inputs`` (one element per
  image or pair, content parts ``text`` and ``image_url``), 96 per request and
  at most 20 MB per request, with the ``search_document`` / ``search_query`` types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from langchain_azure_image_embeddings._protocols.base import (
    Entry,
    RequestLimits,
    RequestSpec,
    WireProtocol,
)
from langchain_azure_image_embeddings._protocols.wire import (
    EmbeddingsBody,
    ParsedEmbeddings,
    ResponseFormatError,
    Usage,
    count,
    decode_json,
    vector_of,
)

__all__ = [
    "AI_SCOPE",
    "EMBED_PATH",
    "MAX_REQUEST_BYTES",
    "ML_SCOPE",
    "Cohere",
    "ModelFamily",
    "model_family",
]

EMBED_PATH = "/v2/embed"
AI_SCOPE = "https://ai.azure.com/.default"
ML_SCOPE = "https://ml.azure.com/.default"
SERVERLESS_HOST_SUFFIX = ".models.ai.azure.com"
MAX_REQUEST_BYTES = 20_000_000
"""embed v4 takes at most 20 MB of images per request; counted here on the whole body."""
MAX_INPUTS = 96

ModelFamily = Literal["cohere-v3", "cohere-v4"]
_INPUT_TYPES = {"document": "search_document", "query": "search_query"}
_GENERATION = re.compile(r"(?<![a-z])v-?(\d+)")  # a "v" that starts a word: not "env4"
_V3_LIMITS = RequestLimits(
    images_per_request=1,
    max_images_per_request=1,
    max_texts_per_request=MAX_INPUTS,
    max_request_bytes=None,
)
_V4_LIMITS = RequestLimits(
    images_per_request=MAX_INPUTS,
    max_images_per_request=MAX_INPUTS,
    max_texts_per_request=MAX_INPUTS,
    max_request_bytes=MAX_REQUEST_BYTES,
)


def model_family(model: str | None, setting: str = "auto") -> ModelFamily:
    """Which Cohere rules a deployment follows.

    Args:
        model: The deployment name.
        setting: ``"cohere-v3"``, ``"cohere-v4"``, or ``"auto"``: read from the
            name's first ``v<N>`` / ``v-<N>`` (``Cohere-embed-v3-english``,
            ``embed-v-4-0``, ``Cohere-embed-v5-pro``); a name without one is
            taken as v3, whose rules every Cohere model accepts.

    Returns:
        ``"cohere-v4"`` for embed v4 and later, else ``"cohere-v3"``.
    """
    if setting in ("cohere-v3", "cohere-v4"):
        return setting  # type: ignore[return-value]
    found = _GENERATION.search((model or "").lower())
    return "cohere-v4" if found and int(found.group(1)) >= 4 else "cohere-v3"


class Cohere(WireProtocol):
    """Bodies and answers of Cohere's ``/v2/embed``."""

    name = "cohere"
    reserved_fields = frozenset(
        {"model", "input_type", "texts", "images", "inputs", "embedding_types", "output_dimension"}
    )
    input_type_fallback = False  # the route requires input_type
    status_hints: ClassVar[Mapping[int, str]] = {
        404: "Check the endpoint (the deployment's Target URI, e.g. "
        "https://<resource>.services.ai.azure.com/providers/cohere, or a serverless "
        "https://<name>.<region>.models.ai.azure.com) and the deployment name `model`",
        498: "The request or its answer holds a token the service refuses",
        499: "The request was cancelled",
    }

    def __init__(self, family_setting: str = "auto") -> None:
        self._family_setting = family_setting

    def query_params(self, api_version: str) -> dict[str, str]:
        """No ``api-version``: the route has none."""
        return {}

    def family(self, model: str | None) -> ModelFamily:
        """The rules the deployment follows (see :func:`model_family`)."""
        return model_family(model, self._family_setting)

    def limits(self, model: str | None) -> RequestLimits:
        """v3: one image per request; v4 and later: 96 inputs, 20 MB per request."""
        return _V4_LIMITS if self.family(model) == "cohere-v4" else _V3_LIMITS

    def default_scopes(self, endpoint: str) -> list[str] | None:
        """``ml.azure.com`` for serverless hosts, ``ai.azure.com`` for the others.

        Not confirmed by a Microsoft reference for ``/providers/cohere``:
        ``ai.azure.com`` is what working clients of ``/providers/cohere/*`` use;
        set ``credential_scopes`` to override (``shared/research/successor_routes.md``).
        """
        host = (urlsplit(endpoint).hostname or "").lower()
        return [ML_SCOPE if host.endswith(SERVERLESS_HOST_SUFFIX) else AI_SCOPE]

    def build(self, entries: Sequence[Entry], *, images: bool, spec: RequestSpec) -> EmbeddingsBody:
        """``{"model", "input_type", "texts" | "images" | "inputs", "embedding_types", ...}``."""
        input_type = _INPUT_TYPES.get(spec.input_type or "", spec.input_type)
        items: list[Any]
        if not images:
            key, items = "texts", list(entries)
        elif self.family(spec.model) == "cohere-v4":
            key, items = "inputs", [_content(entry) for entry in entries]
        elif len(entries) == 1 and _is_image_only(entries[0]):
            key, items, input_type = "images", [_image_url(entries[0])], "image"
        else:
            key, items = "inputs", [_content(entry) for entry in entries]
        body: dict[str, Any] = dict(spec.model_kwargs)
        body.update(
            {
                "model": spec.model,
                "input_type": input_type,
                key: items,
                "embedding_types": [spec.encoding_format],
            }
        )
        if spec.dimensions is not None:
            body["output_dimension"] = spec.dimensions
        return EmbeddingsBody(EMBED_PATH, body, items_key=key, carries_images=images)

    def parse(self, raw: bytes, request: EmbeddingsBody) -> ParsedEmbeddings:
        """Read ``{"embeddings": {<type>: [...]}, "meta": {"billed_units": {...}}}``."""
        document = decode_json(raw)
        if not isinstance(document, dict) or not isinstance(document.get("embeddings"), dict):
            raise ResponseFormatError("the response has no 'embeddings' object")
        kind = request.body["embedding_types"][0]
        found = document["embeddings"].get(kind)
        if not isinstance(found, list):
            raise ResponseFormatError(f"the response has no {kind!r} embeddings")
        if len(found) != request.size:
            raise ResponseFormatError(
                f"the response has {len(found)} embeddings for {request.size} inputs"
            )
        strict = b"true" in raw or b"false" in raw
        return ParsedEmbeddings(
            vectors=[vector_of(vector, strict) for vector in found],
            usage=_usage(document.get("meta")),
        )


def _is_image_only(entry: Entry) -> bool:
    return isinstance(entry, Mapping) and entry.get("text") is None


def _image_url(entry: Entry) -> str:
    assert isinstance(entry, Mapping)
    return entry["image"]


def _content(entry: Entry) -> dict[str, list[dict[str, Any]]]:
    """One ``inputs`` element: the pair's text (if any), then its image."""
    parts: list[dict[str, Any]] = []
    if isinstance(entry, str):
        parts.append({"type": "text", "text": entry})
        return {"content": parts}
    if entry.get("text") is not None:
        parts.append({"type": "text", "text": entry["text"]})
    parts.append({"type": "image_url", "image_url": {"url": entry["image"]}})
    return {"content": parts}


def _usage(meta: object) -> Usage:
    if meta is None:
        return Usage()
    if not isinstance(meta, dict):
        raise ResponseFormatError("the response's 'meta' is not an object")
    billed = meta.get("billed_units")
    if billed is None:
        return Usage()
    if not isinstance(billed, dict):
        raise ResponseFormatError("the response's 'meta.billed_units' is not an object")
    input_tokens = count(billed.get("input_tokens"), "input_tokens")
    image_tokens = count(billed.get("image_tokens"), "image_tokens")
    return Usage(
        prompt_tokens=input_tokens,
        total_tokens=input_tokens + image_tokens,
        images=count(billed.get("images"), "images"),
        image_tokens=image_tokens,
    )
