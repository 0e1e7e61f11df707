"""Grouping classified inputs into requests, lazily and in input order.

Pure: no I/O. Texts and images go to different routes, so each kind fills its
own batch; a batch is released as soon as it is full, and the partial batches
at the end of the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from langchain_azure_image_embeddings._images.inputs import ImageItem, Item

__all__ = ["Batch", "Batcher", "Route"]

Route = Literal["images", "texts"]


@dataclass(slots=True)
class Batch:
    """Inputs that will travel in one request, with their positions in the call."""

    route: Route
    positions: list[int] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.positions)


class Batcher:
    """Fills one batch per route as inputs arrive, releasing each as soon as it is full."""

    def __init__(self, *, images_per_request: int, texts_per_request: int) -> None:
        self._limits: dict[Route, int] = {
            "images": images_per_request,
            "texts": texts_per_request,
        }
        self._open: dict[Route, Batch] = {}

    def add(self, position: int, item: Item) -> Batch | None:
        """Add an input; return its batch if that is now full."""
        route: Route = "images" if isinstance(item, ImageItem) else "texts"
        batch = self._open.get(route)
        if batch is None:
            batch = self._open[route] = Batch(route)
        batch.positions.append(position)
        batch.items.append(item)
        if len(batch) >= self._limits[route]:
            return self._open.pop(route)
        return None

    def remaining(self) -> list[Batch]:
        """The partial batches left at the end of the input."""
        left = list(self._open.values())  # an open batch holds at least one input
        self._open.clear()
        return left
