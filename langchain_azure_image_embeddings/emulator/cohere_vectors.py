"""One vector space for both protocols: Cohere's `/v2/embed` inputs as `/models` sees them.

A Cohere `input_type` is read as the model-inference route's (`AZURE_INPUT_TYPES`):
`search_document` and `image` as `document`, `search_query` as `query`, and `classification` /
`clustering` as no `input_type` (the plain, untyped vector: those tasks compare inputs of one
kind with each other, so neither side of the query/document asymmetry fits). A text is embedded
as on `/embeddings`, an image as on `/images/embeddings`, an image with text as the pair
`{image, text}` there, and `output_dimension` works as `dimensions`. The vectors are the ones
`vectors.py` computes; nothing here changes them.
"""

from __future__ import annotations

from langchain_azure_image_embeddings.emulator.imaging import (
    DecodedImage,
    decode_image,
    parse_data_url,
)
from langchain_azure_image_embeddings.emulator.profiles import ModelProfile, get_profile
from langchain_azure_image_embeddings.emulator.vectors import embed_decoded_image, embed_text

AZURE_INPUT_TYPES: dict[str, str | None] = {
    "search_document": "document",
    "search_query": "query",
    "image": "document",
    "classification": None,
    "clustering": None,
}
"""Cohere `input_type` -> the `/models` routes' `input_type` giving the same vector."""


def cohere_vector(
    *,
    profile: ModelProfile,
    input_type: str,
    text: str | None = None,
    image: DecodedImage | None = None,
    output_dimension: int | None = None,
) -> list[float]:
    """Return the float vector the `/v2/embed` route gives one input (a text, an image, or both).

    Raises:
        ValueError: Neither a text nor an image, or an unknown `input_type`.
    """
    if input_type not in AZURE_INPUT_TYPES:
        raise ValueError(f"unknown Cohere input_type {input_type!r}")
    azure_type = AZURE_INPUT_TYPES[input_type]
    if image is not None:
        return embed_decoded_image(
            image, profile=profile, text=text, input_type=azure_type, dimensions=output_dimension
        )
    if text is None:
        raise ValueError("an input needs a text or an image")
    return embed_text(text, profile=profile, input_type=azure_type, dimensions=output_dimension)


def expected_cohere_vector(
    *,
    model: str,
    input_type: str,
    text: str | None = None,
    image: bytes | str | None = None,
    output_dimension: int | None = None,
) -> list[float]:
    """Recompute the vector the emulator returns on `/v2/embed` (`embeddings.float`).

    One call covers one Cohere input: an entry of `texts` (`text`), of `images` (`image`), or an
    element of `inputs` (its text parts joined by spaces as `text`, its image as `image`).

    Args:
        model: The emulated model (a key of `MODEL_PROFILES`).
        input_type: The request's Cohere `input_type` (`search_document`, `search_query`,
            `classification`, `clustering` or `image`).
        text: The text, if any.
        image: The encoded image bytes or a `data:image/...;base64,...` URL, if any.
        output_dimension: As sent in the request; None for the model's default.

    Returns:
        Exactly the floats the server puts in `embeddings.float[i]`.

    Raises:
        ValueError: Neither a text nor an image, an unknown model or `input_type`, or an
            unsupported `output_dimension` or image.
    """
    profile = get_profile(model)
    decoded = None
    if image is not None:
        data = parse_data_url(image).data if isinstance(image, str) else image
        decoded = decode_image(data, profile.image_formats)
    return cohere_vector(
        profile=profile,
        input_type=input_type,
        text=text,
        image=decoded,
        output_dimension=output_dimension,
    )
