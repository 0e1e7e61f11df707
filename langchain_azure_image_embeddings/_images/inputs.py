"""Deciding what each input is: a text, or an image (alone or with its paired text).

Nothing here reads a file or opens a URL: classification looks only at the
Python type of an input and, for strings, at whether it is an image data URL.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from langchain_azure_image_embeddings.errors import ImageInputError
from langchain_azure_image_embeddings.image_input import ImageInput

if TYPE_CHECKING:
    from PIL import Image

    from langchain_azure_image_embeddings._images.sources import CheckedSource

__all__ = ["ImageItem", "Item", "TextItem", "classify", "is_image_data_url", "is_pil_image"]

_DATA_URL_PREFIX = "data:image/"
_IMAGE_BLOCK_TYPES = frozenset({"image", "image_url"})


@dataclass(frozen=True, slots=True)
class TextItem:
    """A text input, sent to ``/embeddings``."""

    text: str


@dataclass(frozen=True, slots=True)
class ImageItem:
    """An image input (optionally with paired text), sent to ``/images/embeddings``.

    Attributes:
        source: The image as the caller gave it.
        text: The paired text, if any.
        checked: The source once checked against the image policy
            (:func:`.sources.check_image_source_policy`), so that reading it
            does not locate or check it again; ``None`` until then.
    """

    source: Any
    text: str | None = None
    checked: CheckedSource | None = field(default=None, compare=False)


Item = TextItem | ImageItem


def is_image_data_url(value: str) -> bool:
    """Return whether ``value`` is an image data URL (``data:image/<fmt>;...``).

    Args:
        value: Any string.

    Returns:
        ``True`` for strings starting with ``data:image/`` (case-insensitive).
    """
    return value[: len(_DATA_URL_PREFIX)].lower() == _DATA_URL_PREFIX


def classify(value: object, *, strings_are_images: bool) -> Item:
    """Decide what an input is, without any I/O.

    Args:
        value: One input as the caller gave it.
        strings_are_images: Whether a plain string is an image reference
            (``embed_image``/``embed_images``) or text
            (``embed_documents``/``embed_query``). Image data URLs are images
            either way.

    Returns:
        A :class:`TextItem` or an :class:`ImageItem`.

    Raises:
        ImageInputError: The input's type is not one the package accepts
            (the position is filled in by the caller).
    """
    if isinstance(value, str):
        if strings_are_images or is_image_data_url(value):
            return ImageItem(value)
        return TextItem(value)
    if isinstance(value, ImageInput):
        return ImageItem(value.image, value.text)
    if isinstance(value, dict):
        return _classify_block(value)
    if isinstance(value, (bytes, bytearray, memoryview, os.PathLike, io.IOBase)):
        return ImageItem(value)
    if is_pil_image(value) or callable(getattr(value, "read", None)):
        return ImageItem(value)
    raise ImageInputError(
        f"unsupported input type {type(value).__name__}; pass text as str, or an image as "
        "bytes, pathlib.Path, PIL.Image.Image, a data URL, a LangChain image content block "
        "or ImageInput"
    )


def _classify_block(block: dict[Any, Any]) -> Item:
    kind = block.get("type")
    if kind in _IMAGE_BLOCK_TYPES:
        return ImageItem(block)
    if kind == "text" and isinstance(block.get("text"), str):
        return TextItem(block["text"])
    raise ImageInputError(
        f"unsupported content block type {kind!r}; expected an 'image' block "
        "({'type': 'image', 'base64': ..., 'mime_type': ...} or {'type': 'image', 'url': ...}) "
        "or a 'text' block"
    )


def is_pil_image(value: object) -> TypeGuard[Image.Image]:
    """Whether ``value`` is a ``PIL.Image.Image`` (without importing Pillow if nothing has)."""
    if "PIL" not in sys.modules:
        return False
    from PIL import Image

    return isinstance(value, Image.Image)
