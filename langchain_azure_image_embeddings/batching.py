"""Grouping classified inputs into requests, lazily and in input order.

Pure: no I/O. Texts and images go to different routes, so each kind fills its
own batch; a batch is released as soon as it is full, and the partial batches
at the end of the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from langchain_azure_image_embeddings.inputs import ImageItem, Item

__all__ = ["Batch", "Route", "batch_items"]

Route = Literal["images", "texts"]


@dataclass(slots=True)
class Batch:
    """Inputs that will travel in one request, with their positions in the call."""

    route: Route
    positions: list[int] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.positions)


def batch_items(
    items: Iterable[tuple[int, Item]],
    *,
    images_per_request: int,
    texts_per_request: int,
) -> Iterator[Batch]:
    """Group ``(position, item)`` pairs into batches, consuming ``items`` lazily.

    Args:
        items: Classified inputs with their positions, in any order.
        images_per_request: Most images (or image+text pairs) in one request.
        texts_per_request: Most texts in one request.

    Yields:
        Full batches as soon as they fill, then the remaining partial batches.
    """
    limits: dict[Route, int] = {"images": images_per_request, "texts": texts_per_request}
    open_batches: dict[Route, Batch] = {}
    for position, item in items:
        route: Route = "images" if isinstance(item, ImageItem) else "texts"
        batch = open_batches.setdefault(route, Batch(route))
        batch.positions.append(position)
        batch.items.append(item)
        if len(batch) >= limits[route]:
            yield open_batches.pop(route)
    yield from (batch for batch in open_batches.values() if batch.positions)
