"""Model profiles: what each emulated Foundry deployment accepts and returns."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024

ENCODING_FORMATS: frozenset[str] = frozenset(
    {"float", "base64", "int8", "uint8", "binary", "ubinary"}
)
INPUT_TYPES: frozenset[str] = frozenset({"text", "query", "document"})
COHERE_IMAGE_FORMATS: frozenset[str] = frozenset({"PNG", "JPEG", "WEBP", "GIF"})


@dataclass(frozen=True)
class ModelProfile:
    """Limits and capabilities of one emulated model.

    Attributes:
        name: The model / deployment name, as sent in the body's `model` field.
        provider: Reported by `GET /info` as `model_provider_name`.
        model_type: Reported by `GET /info` as `model_type` (the service says `embedding`).
        dimensions: Length of the vectors when `dimensions` is not sent.
        supported_dimensions: Values of `dimensions` the model accepts (others: 422).
        images_per_request: Most images one `/images/embeddings` request may carry (more: 400).
        texts_per_request: Most texts one `/embeddings` request may carry (more: 400).
        max_image_bytes: Largest image, counted on the base64-decoded bytes (larger: 413).
        max_request_bytes: Largest request body (larger: 413).
        image_formats: Pillow format names accepted for images (others: 400).
        encoding_formats: Values of `encoding_format` the model accepts (others: 422).
        input_types: Values of `input_type` the model accepts (others: 422).
        tokens_per_image: Flat `usage.prompt_tokens` charged for each image.
        generation: The Cohere Embed generation, 3 or 4. On Cohere's `/v2/embed` route,
            generation 4 accepts `output_dimension`, reads `input_type` `image` as
            `search_document` and limits images by the request size only; generation 3 holds
            each image to `max_image_bytes` and takes `images` only with `input_type` `image`.
    """

    name: str
    provider: str
    model_type: str
    dimensions: int
    supported_dimensions: frozenset[int]
    images_per_request: int
    texts_per_request: int
    max_image_bytes: int
    max_request_bytes: int
    image_formats: frozenset[str]
    encoding_formats: frozenset[str] = ENCODING_FORMATS
    input_types: frozenset[str] = INPUT_TYPES
    tokens_per_image: int = 1000
    generation: int = 3


def _cohere_v3(name: str) -> ModelProfile:
    return ModelProfile(
        name=name,
        provider="Cohere",
        model_type="embedding",
        dimensions=1024,
        supported_dimensions=frozenset({1024}),
        images_per_request=1,
        texts_per_request=96,
        max_image_bytes=5 * MiB,
        max_request_bytes=20 * MiB,
        image_formats=COHERE_IMAGE_FORMATS,
    )


MODEL_PROFILES: dict[str, ModelProfile] = {
    profile.name: profile
    for profile in (
        _cohere_v3("Cohere-embed-v3-english"),
        _cohere_v3("Cohere-embed-v3-multilingual"),
        ModelProfile(
            name="embed-v-4-0",
            provider="Cohere",
            model_type="embedding",
            dimensions=1536,
            supported_dimensions=frozenset({256, 512, 1024, 1536}),
            images_per_request=96,
            texts_per_request=96,
            max_image_bytes=5 * MiB,
            max_request_bytes=20 * MiB,
            image_formats=COHERE_IMAGE_FORMATS,
            generation=4,
        ),
    )
}


def get_profile(model: str) -> ModelProfile:
    """Return the profile of `model`.

    Args:
        model: A key of `MODEL_PROFILES`.

    Returns:
        The model's profile.

    Raises:
        ValueError: The model is not emulated.
    """
    try:
        return MODEL_PROFILES[model]
    except KeyError:
        known = ", ".join(sorted(MODEL_PROFILES))
        raise ValueError(f"unknown model {model!r}; the emulator serves: {known}") from None
