"""The work behind an embeddings answer: validate, decode, embed, encode.

It runs in the server's executor: threads, or worker processes with `workers > 1`. So it
touches no shared state and everything it takes and returns pickles: the images it describes
come back in `Outcome.records` for the server to keep, and the service's error comes back in
`Outcome.error` instead of being raised, with the records made before it. Counting, the rate
limit and the fault plan stay in the server's one process, which keeps them global and exact
whatever the number of workers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_image_embeddings.emulator.cohere_route import answer_cohere
from langchain_azure_image_embeddings.emulator.encoding import encode_embedding
from langchain_azure_image_embeddings.emulator.errors import ApiError
from langchain_azure_image_embeddings.emulator.imaging import (
    DecodedImage,
    ImageError,
    decode_image,
    sha256_hex,
)
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile
from langchain_azure_image_embeddings.emulator.responses import (
    Flavour,
    embeddings_headers,
    embeddings_result,
    response_model,
    text_tokens,
)
from langchain_azure_image_embeddings.emulator.stats import COHERE_ROUTE, ROUTES
from langchain_azure_image_embeddings.emulator.validation import (
    ImageItem,
    Options,
    Policy,
    invalid_image,
    parse_image_request,
    parse_text_request,
)
from langchain_azure_image_embeddings.emulator.vectors import embed_decoded_image, embed_text

try:  # optional, only faster: the bytes differ in spacing, never in a value
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is not a dependency
    _orjson = None  # type: ignore[assignment]

IMAGES_ROUTE = ROUTES[0]


@dataclass(frozen=True)
class Embedded:
    """A successful answer's body and headers, and what it embedded."""

    body: bytes
    images: int
    texts: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one piece of work gives back: an answer or the service's error, and image records."""

    embedded: Embedded | None
    error: ApiError | None = None
    records: tuple[dict[str, Any], ...] = ()

    def result(self) -> Embedded:
        """Return the answer, or raise the service's error."""
        if self.error is not None:
            raise self.error
        assert self.embedded is not None
        return self.embedded


def dump_json(document: Any) -> bytes:
    """JSON bytes of an answer: orjson when installed (10x faster on float vectors), else json."""
    if _orjson is not None:
        return _orjson.dumps(document)
    return json.dumps(document).encode()


def image_record(
    item: ImageItem, decoded: DecodedImage | None, route: str = IMAGES_ROUTE
) -> dict[str, Any]:
    """Describe one received image (for `received_images`)."""
    return {
        "route": route,
        "declared_mime": item.mime,
        "sniffed_format": decoded.format if decoded else None,
        "byte_size": len(item.data),
        "width": decoded.width if decoded else None,
        "height": decoded.height if decoded else None,
        "sha256": sha256_hex(item.data),
        "text": item.text,
    }


def embed_request(
    policy: Policy, route: str, body: bytes, extra_parameters: str | None, flavour: Flavour
) -> Outcome:
    """Answer an `/images/embeddings` or `/embeddings` body.

    Args:
        policy: What the deployment accepts.
        route: `/images/embeddings` or `/embeddings`.
        body: The raw request body.
        extra_parameters: The `extra-parameters` header, if sent.
        flavour: The kind of host the request came to.

    Returns:
        The answer or the service's error, and a record of each image received.
    """
    records: list[dict[str, Any]] = []
    try:
        if route == IMAGES_ROUTE:
            options, vectors, tokens = _embed_images(policy, body, extra_parameters, records)
            images, texts, chars = len(vectors), 0, None
        else:
            options, vectors, tokens, chars = _embed_texts(policy, body, extra_parameters)
            images, texts = 0, len(vectors)
    except ApiError as error:
        return Outcome(None, error, tuple(records))
    profile = policy.profile
    counted_images = images if route == IMAGES_ROUTE else None
    result = embeddings_result(
        [encode_embedding(vector, options.encoding_format) for vector in vectors],
        model=response_model(profile, flavour, images=route == IMAGES_ROUTE),
        prompt_tokens=tokens,
        images=counted_images,
    )
    headers = embeddings_headers(
        flavour,
        prompt_tokens=tokens,
        images=counted_images,
        chars=chars,
        model_sent=options.model is not None,
    )
    embedded = Embedded(body=dump_json(result), images=images, texts=texts, headers=headers)
    return Outcome(embedded, None, tuple(records))


def embed_cohere(profile: ModelProfile, body: bytes) -> Outcome:
    """Answer a Cohere `/v2/embed` body (see `cohere_route`)."""
    records: list[dict[str, Any]] = []

    def record(item: ImageItem, decoded: DecodedImage | None) -> None:
        records.append(image_record(item, decoded, COHERE_ROUTE))

    try:
        answer = answer_cohere(body, profile, record)
    except ApiError as error:
        return Outcome(None, error, tuple(records))
    embedded = Embedded(body=dump_json(answer.document), images=answer.images, texts=answer.texts)
    return Outcome(embedded, None, tuple(records))


def warm_up() -> None:
    """Import and build what the first request would (run once in each worker process)."""
    embed_text("warm up", profile=_any_profile())


def _any_profile() -> ModelProfile:
    from langchain_azure_image_embeddings.emulator.profiles import MODEL_PROFILES

    return next(iter(MODEL_PROFILES.values()))


def _embed_images(
    policy: Policy, body: bytes, extra_parameters: str | None, records: list[dict[str, Any]]
) -> tuple[Options, list[list[float]], int]:
    request = parse_image_request(body, extra_parameters, policy)
    vectors = [
        _embed_image(policy.profile, index, item, request.options, records)
        for index, item in enumerate(request.items)
    ]
    per_image = policy.profile.tokens_per_image
    tokens = sum(per_image + text_tokens(item.text or "") for item in request.items)
    return request.options, vectors, tokens


def _embed_texts(
    policy: Policy, body: bytes, extra_parameters: str | None
) -> tuple[Options, list[list[float]], int, int]:
    request = parse_text_request(body, extra_parameters, policy)
    options = request.options
    vectors = [
        embed_text(
            text,
            profile=policy.profile,
            input_type=options.input_type,
            dimensions=options.dimensions,
        )
        for text in request.texts
    ]
    tokens = sum(text_tokens(text) for text in request.texts)
    return options, vectors, tokens, sum(len(text) for text in request.texts)


def _embed_image(
    profile: ModelProfile,
    index: int,
    item: ImageItem,
    options: Options,
    records: list[dict[str, Any]],
) -> list[float]:
    decoded: DecodedImage | None = None
    try:
        decoded = decode_image(item.data, profile.image_formats)
    except ImageError as error:
        raise invalid_image(index, error) from None
    finally:
        records.append(image_record(item, decoded))
    return embed_decoded_image(
        decoded,
        profile=profile,
        text=item.text,
        input_type=options.input_type,
        dimensions=options.dimensions,
    )
