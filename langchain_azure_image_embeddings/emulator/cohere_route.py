"""Answering Cohere's embed route, on the same server, port and model as `/models`.

`POST /providers/cohere/v2/embed` is the Foundry resource's form, `POST /v2/embed` the
serverless endpoint's. The server runs the shared steps (latency, body size, authentication,
`rpm`, faults) and hands the body to `answer_cohere`, in its thread pool. Errors of the shared
steps are reshaped into Cohere's body by `as_cohere_error`. The answer is Cohere's
`EmbedByTypeResponse`: `id`, `embeddings` with the requested types only (`encoding.py` defines
each), `texts` (the texts embedded, fused ones included), `images` (`width`, `height`, `format`,
`bit_depth` of each image, only when images were sent), `meta.api_version.version` `"2"`,
`meta.billed_units` (`input_tokens` counted as on `/models`, `images` and `image_tokens` at
`ModelProfile.tokens_per_image` each) and `response_type` `embeddings_by_type`.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageMode

from langchain_azure_image_embeddings.emulator.cohere_request import (
    CohereRequest,
    parse_cohere_request,
)
from langchain_azure_image_embeddings.emulator.cohere_vectors import cohere_vector
from langchain_azure_image_embeddings.emulator.encoding import encode_embedding
from langchain_azure_image_embeddings.emulator.errors import ApiError, cohere_error
from langchain_azure_image_embeddings.emulator.imaging import (
    DecodedImage,
    ImageError,
    decode_image,
)
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile
from langchain_azure_image_embeddings.emulator.responses import text_tokens
from langchain_azure_image_embeddings.emulator.validation import ImageItem

COHERE_BASE_PATH = "/providers/cohere"
"""Where a Foundry resource serves Cohere's API; the Cohere SDK's `base_url` ends with it."""
COHERE_PATHS = (COHERE_BASE_PATH + "/v2/embed", "/v2/embed")
API_VERSION = "2"
RATE_LIMIT_MESSAGE = "You are past the per minute request limit, please wait and try again later."

ImageRecorder = Callable[[ImageItem, DecodedImage | None], None]
"""Called with each image received and its decoding (None when it failed)."""


@dataclass(frozen=True)
class CohereAnswer:
    """A successful answer.

    Attributes:
        document: The JSON body.
        images: Inputs embedded that held an image (fused ones included).
        texts: Inputs embedded that were text only.
    """

    document: dict[str, Any]
    images: int
    texts: int


def answer_cohere(body: bytes, profile: ModelProfile, record_image: ImageRecorder) -> CohereAnswer:
    """Check a `/v2/embed` body, embed its inputs and build the answer.

    Args:
        body: The raw request body.
        profile: The served model's profile.
        record_image: Told of each image received, decoded or not.

    Returns:
        The answer.

    Raises:
        ApiError: The error the service answers, with Cohere's body.
    """
    request = parse_cohere_request(body, profile)
    vectors: list[list[float]] = []
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    for index, item in enumerate(request.inputs):
        decoded = None
        if isinstance(item, ImageItem):
            decoded = _decode(f"{request.kind}[{index}]", item, profile, record_image)
            images.append(_image_metadata(item.data, decoded))
        text = item if isinstance(item, str) else item.text
        if text is not None:
            texts.append(text)
        vectors.append(_vector(request, profile, text, decoded))
    document: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "embeddings": {
            kind: [encode_embedding(vector, kind) for vector in vectors]
            for kind in request.embedding_types
        },
        "texts": texts,
        "meta": {
            "api_version": {"version": API_VERSION},
            "billed_units": _billed_units(texts, len(images), profile),
        },
        "response_type": "embeddings_by_type",
    }
    if images:
        document["images"] = images
    return CohereAnswer(document=document, images=len(images), texts=len(vectors) - len(images))


def as_cohere_error(error: ApiError, headers: Mapping[str, str]) -> ApiError:
    """Reshape an error of the server's shared steps into Cohere's `{"id", "message"}` body.

    The status and the response headers (`Retry-After`, `retry-after-ms`, `Allow`) are kept.
    A 401 says `no api key supplied` when the request carried no `api-key` nor `Authorization`,
    else `invalid api token`; a 429 says Cohere's per-minute limit message.

    Args:
        error: The error, in whichever shape it was raised.
        headers: The request's headers.

    Returns:
        The error with Cohere's body (`error` itself when it already has it).
    """
    if set(error.body) == {"id", "message"}:
        return error
    if error.status == 401:
        sent = "api-key" in headers or "Authorization" in headers
        message = "invalid api token" if sent else "no api key supplied"
    elif error.status == 429:
        message = RATE_LIMIT_MESSAGE
    else:
        nested = error.body.get("error")
        source = nested if isinstance(nested, dict) else error.body
        message = str(source.get("message") or f"request failed with status {error.status}")
    kept = {name: value for name, value in error.headers.items() if name != "x-ms-error-code"}
    return cohere_error(error.status, message, headers=kept)


def _vector(
    request: CohereRequest, profile: ModelProfile, text: str | None, image: DecodedImage | None
) -> list[float]:
    return cohere_vector(
        profile=profile,
        input_type=request.input_type,
        text=text,
        image=image,
        output_dimension=request.output_dimension,
    )


def _decode(
    where: str, item: ImageItem, profile: ModelProfile, record_image: ImageRecorder
) -> DecodedImage:
    decoded: DecodedImage | None = None
    try:
        decoded = decode_image(item.data, profile.image_formats)
    except ImageError as error:
        raise cohere_error(400, f"invalid request: {where}: {error}") from None
    finally:
        record_image(item, decoded)
    return decoded


def _image_metadata(data: bytes, decoded: DecodedImage) -> dict[str, Any]:
    """Cohere's `Image`: size and format as stored, bits per pixel of the stored mode."""
    with Image.open(io.BytesIO(data)) as header:  # the header only: no pixels are decoded
        mode = ImageMode.getmode(header.mode)
    bits = 1 if mode.typestr.endswith("b1") else 8 * int(mode.typestr[-1])
    return {
        "width": decoded.width,
        "height": decoded.height,
        "format": decoded.format,
        "bit_depth": bits * len(mode.bands),
    }


def _billed_units(texts: list[str], images: int, profile: ModelProfile) -> dict[str, int]:
    billed: dict[str, int] = {}
    if texts:
        billed["input_tokens"] = sum(text_tokens(text) for text in texts)
    if images:
        billed["images"] = images
        billed["image_tokens"] = images * profile.tokens_per_image
    return billed
