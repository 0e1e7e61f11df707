"""`ImageInput`: one image, optionally paired with a text, embedded as one vector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ImageInput"]


@dataclass(frozen=True, slots=True)
class ImageInput:
    """One image, optionally paired with text, embedded as a single vector.

    The API defines an image+text pair as one input: the model returns one
    embedding for the pair, not one for each part.

    Args:
        image: The image, in any form the package accepts: ``bytes``,
            ``pathlib.Path``, ``PIL.Image.Image``, a binary file object, a
            LangChain image content block, or a string reference (a data URL;
            a local path or ``file://`` URI inside ``image_roots``; an
            ``http(s)`` URL when ``allow_remote_images`` is on).
        text: Optional text sent with the image (for example a caption).

    Example:
        .. code-block:: python

            from pathlib import Path
            from langchain_azure_image_embeddings import ImageInput

            pair = ImageInput(image=Path("cat.jpg"), text="a cat on a sofa")
    """

    image: Any
    text: str | None = None

    def __post_init__(self) -> None:
        if self.text is not None and not isinstance(self.text, str):
            raise TypeError(
                f"ImageInput.text must be a str or None, not {type(self.text).__name__}"
            )
