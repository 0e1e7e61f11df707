"""Success bodies and headers, shaped like the real service's answers.

The emulator serves two kinds of host on one port, and answers as each one does:

- `serverless`, the routes at the root (`https://<name>.<region>.models.ai.azure.com`): the
  service's recorded answers (the `azure-ai-inference` SDK's test recordings in
  `Azure/azure-sdk-assets`, `python/sdk/ai/azure-ai-inference`): the body's `model` is the
  model actually served (`embed-english-v3.0`, `embed-english-v3.0-image` for images), and the
  headers `azureml-model-session`, `num_tokens`, `prompt_token_len`, `x-api-warning`, ...
- `foundry`, the routes under `/models` (`https://<resource>.services.ai.azure.com/models`): no
  recording exists; the documented sample answer (research `azure_api.md` section 4), whose
  `model` is the deployment name, with `apim-request-id` and `x-request-id` headers.

Both send `usage.images` for image requests and the same `GET /info` body (recorded).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_azure_image_embeddings.emulator.encoding import Embedding
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile

Flavour = Literal["serverless", "foundry"]
SERVERLESS: Flavour = "serverless"
FOUNDRY: Flavour = "foundry"

MODEL_WARNING = (
    "default model on embed will be deprecated in the future,please specify a model in the request."
)
"""`x-api-warning` of a serverless answer to a request without `model` (recorded verbatim)."""

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_REQUEST_CONTEXT = "appId=cid-v1:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "foundry-emulator"))
_NO_CACHE = {
    "Cache-Control": "no-store, no-transform, must-revalidate, no-cache, max-age=0, private",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    "Pragma": "no-cache",
    "Vary": "Origin",
    "x-accel-expires": "0",
}


@dataclass(frozen=True)
class ServedModel:
    """What the service says it runs behind a deployment.

    Attributes:
        display_name: `model_name` and `served_model_name` of `GET /info`.
        text_model: The body's `model` on `/embeddings` (serverless hosts).
        image_model: The body's `model` on `/images/embeddings` (serverless hosts).
    """

    display_name: str
    text_model: str
    image_model: str


SERVED_MODELS: dict[str, ServedModel] = {
    "Cohere-embed-v3-english": ServedModel(
        "Cohere Embed v3 - English", "embed-english-v3.0", "embed-english-v3.0-image"
    ),
    "Cohere-embed-v3-multilingual": ServedModel(
        "Cohere Embed v3 - Multilingual", "embed-multilingual-v3.0", "embed-multilingual-v3.0-image"
    ),
    "embed-v-4-0": ServedModel("Cohere Embed v4", "embed-v4.0", "embed-v4.0"),
}
"""Per deployment. Recorded for `Cohere-embed-v3-english`; the others follow Cohere's names."""


def served_model(profile: ModelProfile) -> ServedModel:
    """Return what `profile`'s deployment serves (its own name when unknown)."""
    return SERVED_MODELS.get(profile.name, ServedModel(profile.name, profile.name, profile.name))


def flavour_of_path(path: str) -> Flavour:
    """Return the kind of host a request path stands for.

    `/models/...` (and Cohere's `/providers/...`) are a Foundry resource's; anything else is
    at the root, as on a serverless endpoint.
    """
    return FOUNDRY if path.startswith(("/models/", "/providers/")) else SERVERLESS


def text_tokens(text: str) -> int:
    """Count the usage tokens of a text: its words and punctuation marks."""
    return len(_TOKEN.findall(text))


def response_model(profile: ModelProfile, flavour: Flavour, *, images: bool) -> str:
    """Return the body's `model`: the served model on serverless hosts, else the deployment."""
    if flavour == FOUNDRY:
        return profile.name
    served = served_model(profile)
    return served.image_model if images else served.text_model


def embeddings_result(
    embeddings: Sequence[Embedding],
    *,
    model: str,
    prompt_tokens: int,
    images: int | None = None,
) -> dict[str, Any]:
    """Build an `EmbeddingsResult` body (`usage.images` only for image requests)."""
    usage: dict[str, int] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": 0,
        "total_tokens": prompt_tokens,
    }
    if images is not None:
        usage["images"] = images
    return {
        "id": str(uuid.uuid4()),
        "object": "list",
        "data": [
            {"index": index, "object": "embedding", "embedding": embedding}
            for index, embedding in enumerate(embeddings)
        ],
        "model": model,
        "usage": usage,
    }


def model_info(profile: ModelProfile) -> dict[str, Any]:
    """Build the `GET /info` body, as recorded (spec fields plus `served_model_*`)."""
    name = served_model(profile).display_name
    return {
        "model_name": name,
        "model_type": profile.model_type,
        "model_provider_name": profile.provider,
        "served_model_name": name,
        "served_model_type": profile.model_type,
    }


def common_headers(
    flavour: Flavour, profile: ModelProfile, reached_model: bool = True
) -> dict[str, str]:
    """Return the headers every answer of a host carries.

    Foundry: APIM's request ids. Serverless: the request context and, once the request reached
    the model (not a 401, which the gateway sends), the model session and a request id.
    """
    if flavour == FOUNDRY:
        return {"apim-request-id": str(uuid.uuid4()), "x-request-id": str(uuid.uuid4())}
    if not reached_model:
        return {"Request-Context": _REQUEST_CONTEXT}
    return {
        "azureml-model-session": _session(profile),
        "Request-Context": _REQUEST_CONTEXT,
        "X-Request-ID": str(uuid.uuid4()),
    }


def embeddings_headers(
    flavour: Flavour,
    *,
    prompt_tokens: int,
    images: int | None,
    chars: int | None,
    model_sent: bool,
) -> dict[str, str]:
    """Headers of a successful embeddings answer on serverless hosts (none on Foundry)."""
    if flavour == FOUNDRY:
        return {}
    headers = dict(_NO_CACHE)
    if chars is not None:
        headers["num_chars"] = str(chars)
    # Recorded: one image, 1000 prompt tokens, num_tokens 1001; texts: both the same.
    headers["num_tokens"] = str(prompt_tokens + (images or 0))
    headers["prompt_token_len"] = str(prompt_tokens)
    headers["sampling_token_len"] = "0"  # noqa: S105 - a token count, not a secret
    if not model_sent:
        headers["x-api-warning"] = MODEL_WARNING
    return headers


def _session(profile: ModelProfile) -> str:
    """`dep-<region>-<model words>-<timestamp>`, as `dep-eus-coh-emb-eng-250109001425`."""
    words = [word[:3] for word in re.split(r"[^a-z]+", profile.name.lower()) if len(word) > 1]
    return f"dep-emu-{'-'.join(words)}-000000000000"
