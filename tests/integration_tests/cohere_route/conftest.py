"""Emulators of Cohere v3 and embed v4, clients on either route, and the vectors to expect."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings import AzureAIImageEmbeddings, ImageInput
from langchain_azure_image_embeddings.emulator import FoundryEmulator, expected_cohere_vector

from ...conftest import EMULATOR_KEY, jpeg_bytes, png_bytes

V3 = "Cohere-embed-v3-english"
V4 = "embed-v-4-0"
COHERE_ROUTE = "/v2/embed"
MODELS_ROUTES = ("/images/embeddings", "/embeddings")
_COHERE_TYPES = {"document": "search_document", "query": "search_query"}
_REQUEST = re.compile(r"^Request POST (\S+) headers=.* body=<(\d+) bytes>$")


@pytest.fixture(params=[V3, V4])
def served(request: pytest.FixtureRequest) -> Iterator[FoundryEmulator]:
    """A fresh emulator of each Cohere generation (tests assert on its stats)."""
    with FoundryEmulator(model=request.param, key=EMULATOR_KEY) as emulator:
        yield emulator


@pytest.fixture
def v4() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=V4, key=EMULATOR_KEY) as emulator:
        yield emulator


@pytest.fixture
def v3() -> Iterator[FoundryEmulator]:
    with FoundryEmulator(model=V3, key=EMULATOR_KEY) as emulator:
        yield emulator


def cohere_embeddings(emulator: FoundryEmulator, **overrides: Any) -> AzureAIImageEmbeddings:
    """Embeddings on the emulator's Cohere route (``<root>/providers/cohere``), api="auto"."""
    params: dict[str, Any] = {
        "endpoint": emulator.cohere_endpoint,
        "credential": emulator.key,
        "model": emulator.model,
        "max_retries": 3,
    }
    params.update(overrides)
    return AzureAIImageEmbeddings(**params)


def models_embeddings(emulator: FoundryEmulator, **overrides: Any) -> AzureAIImageEmbeddings:
    """Embeddings on the emulator's model-inference route (``<root>/models``)."""
    return cohere_embeddings(emulator, endpoint=emulator.endpoint, **overrides)


def route_requests(emulator: FoundryEmulator) -> dict[str, int]:
    """Requests per route since the last reset, routes never called left out."""
    return {route: n for route, n in emulator.stats()["requests"].items() if n}


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def mixed_inputs(folder: Path) -> list[Any]:
    """Texts, PNG data URLs, ``Path`` objects and ``ImageInput`` pairs, interleaved."""
    photo, icon = folder / "photo.jpg", folder / "icon.png"
    photo.write_bytes(jpeg_bytes((80, 60), seed=3))
    icon.write_bytes(png_bytes((24, 24), color=(10, 120, 240)))
    return [
        "a red square on a white page",
        data_url(png_bytes((32, 24))),
        photo,
        ImageInput(image=png_bytes((16, 16), color=(0, 200, 0)), text="a green tile"),
        "second caption",
        icon,
        data_url(png_bytes((20, 30), color=(250, 250, 0))),
        ImageInput(image=photo, text="the same photo, captioned"),
        "third text, with punctuation!",
    ]


def expected(value: Any, model: str, input_type: str = "document", **extra: Any) -> list[float]:
    """The vector the emulator's Cohere route gives one input of ``mixed_inputs``."""
    cohere_type = _COHERE_TYPES.get(input_type, input_type)
    if isinstance(value, str) and not value.startswith("data:"):
        return expected_cohere_vector(model=model, input_type=cohere_type, text=value, **extra)
    text = None
    if isinstance(value, ImageInput):
        value, text = value.image, value.text
    image = value.read_bytes() if isinstance(value, Path) else value
    return expected_cohere_vector(
        model=model, input_type=cohere_type, text=text, image=image, **extra
    )


class BodySizes(logging.Handler):
    """URLs and sizes of the request bodies sent, read from the client's own network trace.

    The trace (``client_kwargs={"logging_enable": True}``) logs each request as
    ``Request POST <url> headers=... body=<N bytes>`` on
    ``langchain_azure_image_embeddings.http``.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sizes: list[int] = []
        self.urls: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = _REQUEST.match(record.getMessage())
        if found:
            self.urls.append(found.group(1))
            self.sizes.append(int(found.group(2)))


@pytest.fixture
def body_sizes() -> Iterator[BodySizes]:
    logger = logging.getLogger("langchain_azure_image_embeddings.http")
    handler, level = BodySizes(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
