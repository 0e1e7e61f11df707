"""Progress bars (tqdm): one per call, or one for a whole indexing job.

A call with more than one input draws one bar, with a description and the
call's total; a single-input call (``embed_query``, a retriever's search)
draws nothing. The indexing helpers embed in batches: they open one bar for
the whole job with :func:`shared_progress`, and every call made inside it
counts on that bar instead of drawing its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sized
from contextvars import ContextVar
from typing import Any

__all__ = ["call_progress", "require_tqdm", "shared_progress"]

_TQDM_MISSING = (
    "show_progress_bar=True needs tqdm: pip install 'langchain-azure-image-embeddings[progress]'"
)

_shared: ContextVar[Callable[[int], None] | None] = ContextVar(
    "langchain_azure_image_embeddings_progress", default=None
)


def require_tqdm() -> Any:
    """Return tqdm's ``tqdm.auto.tqdm`` class.

    Raises:
        ImportError: tqdm is not installed (the message says how to install it).
    """
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError as error:
        raise ImportError(_TQDM_MISSING) from error
    return tqdm


@contextlib.contextmanager
def _bar(total: int | None, description: str) -> Iterator[Callable[[int], None]]:
    with require_tqdm()(total=total, desc=description, unit="input") as bar:
        yield bar.update


@contextlib.contextmanager
def call_progress(
    enabled: bool, inputs: Iterable[Any], description: str
) -> Iterator[Callable[[int], None] | None]:
    """The progress callback of one embedding call, or ``None`` for no bar.

    Args:
        enabled: The instance's ``show_progress_bar``.
        inputs: The call's inputs (a sized collection gives the bar its total).
        description: The bar's label, e.g. ``"Embedding images"``.

    Yields:
        The enclosing :func:`shared_progress` bar's counter when there is one,
        else a new bar's counter, or ``None`` (disabled, or a single input).
    """
    shared = _shared.get()
    total = len(inputs) if isinstance(inputs, Sized) else None
    if not enabled or (shared is None and total is not None and total <= 1):
        yield None
    elif shared is not None:
        yield shared
    else:
        with _bar(total, description) as update:
            yield update


@contextlib.contextmanager
def shared_progress(enabled: bool, total: int, description: str) -> Iterator[None]:
    """One bar for every embedding call made inside the block (in this thread or task).

    Args:
        enabled: Whether to draw it (the embeddings' ``show_progress_bar``).
        total: The inputs the whole job will embed.
        description: The bar's label.

    Yields:
        Nothing; calls inside the block count on the bar.
    """
    if not enabled:
        yield
        return
    with _bar(total, description) as update:
        token = _shared.set(update)
        try:
            yield
        finally:
            _shared.reset(token)
