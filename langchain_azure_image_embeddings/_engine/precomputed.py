"""Vectors computed ahead of a vector store's ``add_texts``, handed back by ``embed_documents``.

Vector stores embed what they add by calling ``embed_documents`` on the
documents' text. The indexing helpers embed the images first and, while the
store's ``add_texts`` runs, :func:`take_precomputed` (called by
``embed_documents``) returns those vectors for those texts. The mapping is
context-local, so other threads and tasks are not affected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PrecomputedVectors", "precomputed_vectors", "take_precomputed"]

_precomputed: ContextVar[PrecomputedVectors | None] = ContextVar(
    "langchain_azure_image_embeddings_precomputed", default=None
)


@dataclass
class PrecomputedVectors:
    """Vectors waiting to be handed to a vector store, by document text.

    Attributes:
        queues: For each text, the vectors not yet taken, in order.
    """

    queues: dict[str, list[list[float]]] = field(default_factory=dict)

    @property
    def unused(self) -> int:
        """How many vectors no ``embed_documents`` call has taken yet."""
        return sum(len(queue) for queue in self.queues.values())

    def take(self, texts: Sequence[Any]) -> list[list[float]] | None:
        """Take the vectors of ``texts`` if every one is available, else nothing.

        Args:
            texts: What ``embed_documents`` was asked to embed.

        Returns:
            The vectors in order, or ``None`` (then nothing is consumed).
        """
        if not all(isinstance(text, str) for text in texts):
            return None
        needed: dict[str, int] = {}
        for text in texts:
            needed[text] = needed.get(text, 0) + 1
        if any(len(self.queues.get(text, ())) < count for text, count in needed.items()):
            return None
        return [self.queues[text].pop(0) for text in texts]


@contextlib.contextmanager
def precomputed_vectors(
    texts: Sequence[str], vectors: Sequence[list[float]]
) -> Iterator[PrecomputedVectors]:
    """Within the block, ``embed_documents`` returns these vectors for these texts.

    The mapping is context-local: it is seen by this thread or task (and by
    work started with a copy of its context, as LangChain's
    ``run_in_executor`` does), not by unrelated threads.

    Args:
        texts: The documents' text, as the vector store will pass it.
        vectors: One vector per text, in the same order.

    Yields:
        The pending vectors; its ``unused`` count tells, after the store's
        ``add_texts``, whether the store took every one.
    """
    pending = PrecomputedVectors()
    for text, vector in zip(texts, vectors, strict=True):
        pending.queues.setdefault(text, []).append(vector)
    token = _precomputed.set(pending)
    try:
        yield pending
    finally:
        _precomputed.reset(token)


def take_precomputed(texts: Sequence[str]) -> list[list[float]] | None:
    """Return the precomputed vectors for ``texts`` if every one is available.

    Args:
        texts: What ``embed_documents`` was asked to embed.

    Returns:
        The vectors in order, or ``None`` outside :func:`precomputed_vectors`
        or when a text was not precomputed (then nothing is consumed).
    """
    pending = _precomputed.get()
    return None if pending is None else pending.take(texts)
