"""The Azure AI Model Inference API: ``POST /embeddings`` and ``POST /images/embeddings``.

Retired by Azure on 2026-08-26 with the ``azure-ai-inference`` SDK; kept for
deployments that still answer it and for indexes built through it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
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

__all__ = ["COGNITIVE_SERVICES_SCOPE", "IMAGES_PATH", "TEXTS_PATH", "ModelInference"]

IMAGES_PATH = "/images/embeddings"
TEXTS_PATH = "/embeddings"
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
_COGNITIVE_HOST_SUFFIXES = (".services.ai.azure.com", ".cognitiveservices.azure.com")
_LIMITS = RequestLimits(
    images_per_request=1,  # "send one image at a time" (Azure's docs for Cohere v3)
    max_images_per_request=None,
    max_texts_per_request=None,
    max_request_bytes=None,
)


class ModelInference(WireProtocol):
    """Bodies and answers of the Azure AI Model Inference API (OpenAI-shaped results)."""

    name = "model-inference"
    reserved_fields = frozenset({"input", "model", "input_type", "dimensions", "encoding_format"})
    input_type_fallback = True
    status_hints: ClassVar[Mapping[int, str]] = {
        404: "Check the endpoint (for Foundry it ends with /models, e.g. "
        "https://<resource>.services.ai.azure.com/models) and the deployment name `model`; "
        "the /models API was retired on 2026-08-26: a Cohere deployment's Target URI "
        "(https://<resource>.services.ai.azure.com/providers/cohere) is the live route",
    }

    def query_params(self, api_version: str) -> dict[str, str]:
        """``api-version`` on every request."""
        return {"api-version": api_version}

    def limits(self, model: str | None) -> RequestLimits:
        """One image per request by default (the user may raise it), 96 texts."""
        return _LIMITS

    def default_scopes(self, endpoint: str) -> list[str] | None:
        """Foundry hosts need the Cognitive Services scope; others keep the SDK default.

        The SDK's default, ``https://ml.azure.com/.default``, is right for
        serverless and managed compute endpoints.
        """
        host = (urlsplit(endpoint).hostname or "").lower()
        if host.endswith(_COGNITIVE_HOST_SUFFIXES):
            return [COGNITIVE_SERVICES_SCOPE]
        return None

    def build(self, entries: Sequence[Entry], *, images: bool, spec: RequestSpec) -> EmbeddingsBody:
        """``{"input": [...], "model", "input_type", "dimensions", "encoding_format"}``.

        Image entries travel as they are (``{"image": data_url, "text"?}``).
        ``model_kwargs`` join the body root, announced with
        ``extra-parameters: pass-through``.
        """
        body: dict[str, Any] = {"input": list(entries)}
        optional = {
            "model": spec.model,
            "input_type": spec.input_type,
            "dimensions": spec.dimensions,
            "encoding_format": None if spec.encoding_format == "float" else spec.encoding_format,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        headers: dict[str, str] = {}
        if spec.model_kwargs:
            body.update(spec.model_kwargs)
            headers["extra-parameters"] = "pass-through"
        return EmbeddingsBody(
            IMAGES_PATH if images else TEXTS_PATH,
            body,
            headers,
            items_key="input",
            carries_images=images,
        )

    def parse(self, raw: bytes, request: EmbeddingsBody) -> ParsedEmbeddings:
        """Read ``{"data": [{"index", "embedding"}], "usage": {...}}``, sorted by ``index``."""
        expected = request.size
        document = decode_json(raw)
        if not isinstance(document, dict) or not isinstance(document.get("data"), list):
            raise ResponseFormatError("the response has no 'data' list")
        slots: list[list[float] | None] = [None] * expected
        # JSON booleans are numbers to array("d"); look for them value by value only
        # when the body has any (the fast path converts 1,024 values in microseconds).
        strict = b"true" in raw or b"false" in raw
        for entry in document["data"]:
            index = entry.get("index") if isinstance(entry, dict) else None
            if (
                not isinstance(index, int)
                or isinstance(index, bool)
                or not 0 <= index < expected
                or slots[index] is not None
            ):
                raise ResponseFormatError(
                    f"the response's item indexes do not match the {expected} inputs sent"
                )
            slots[index] = vector_of(entry.get("embedding"), strict)
        missing = sum(vector is None for vector in slots)
        if missing:
            raise ResponseFormatError(
                f"the response has {expected - missing} embeddings for {expected} inputs"
            )
        return ParsedEmbeddings(
            vectors=[vector for vector in slots if vector is not None],
            usage=_usage(document.get("usage")),
        )


def _usage(usage: object) -> Usage:
    if usage is None:
        return Usage()
    if not isinstance(usage, dict):
        raise ResponseFormatError("the response's 'usage' is not an object")
    prompt = count(usage.get("prompt_tokens"), "prompt_tokens")
    return Usage(
        prompt_tokens=prompt,
        total_tokens=count(usage.get("total_tokens"), "total_tokens"),
        images=count(usage.get("images"), "images"),
    )
