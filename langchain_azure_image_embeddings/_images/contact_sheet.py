"""A contact sheet: each query image beside its top results, with their scores (Pillow only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

__all__ = ["SheetRow", "render_contact_sheet"]

_THUMB = 160
_PAD = 12
_LABEL = 34
_QUERY_BORDER = (32, 96, 200)
_BACKGROUND = (250, 250, 250)
_TEXT = (30, 30, 30)


@dataclass(frozen=True)
class SheetRow:
    """One row: a query (an image, or ``None`` for a text query) and its results.

    Attributes:
        query_label: What was asked (a file name or the query text).
        query_image: The query image, or ``None`` for a text query.
        results: ``(image, label, score)`` for each result, best first.
    """

    query_label: str
    query_image: Image.Image | None
    results: Sequence[tuple[Image.Image, str, float]]


def render_contact_sheet(rows: Sequence[SheetRow], path: str | Path, title: str = "") -> Path:
    """Draw the rows into a PNG file.

    Args:
        rows: The queries and their results.
        path: Where to write the PNG.
        title: A heading line.

    Returns:
        The path written.
    """
    columns = 1 + max((len(row.results) for row in rows), default=0)
    cell_w, cell_h = _THUMB + _PAD, _THUMB + _LABEL + _PAD
    head = 28 if title else 0
    sheet = Image.new(
        "RGB", (_PAD + columns * cell_w, head + _PAD + len(rows) * cell_h), _BACKGROUND
    )
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    if title:
        draw.text((_PAD, 8), title, fill=_TEXT, font=font)
    for row_index, row in enumerate(rows):
        top = head + _PAD + row_index * cell_h
        _cell(sheet, draw, font, (_PAD, top), row.query_image, f"query: {row.query_label}", True)
        for column, (image, label, score) in enumerate(row.results, start=1):
            left = _PAD + column * cell_w
            _cell(sheet, draw, font, (left, top), image, f"#{column} {label}\nscore {score:.3f}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target, format="PNG", optimize=True)
    return target


def _cell(
    sheet: Image.Image,
    draw: ImageDraw.ImageDraw,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
    origin: tuple[int, int],
    image: Image.Image | None,
    label: str,
    is_query: bool = False,
) -> None:
    left, top = origin
    if image is None:
        draw.rectangle((left, top, left + _THUMB, top + _THUMB), outline=_QUERY_BORDER, width=3)
        draw.text((left + 10, top + _THUMB // 2 - 6), "text query", fill=_TEXT, font=font)
    else:
        thumb = ImageOps.contain(image.convert("RGB"), (_THUMB, _THUMB))
        offset = ((_THUMB - thumb.width) // 2, (_THUMB - thumb.height) // 2)
        sheet.paste(thumb, (left + offset[0], top + offset[1]))
        if is_query:
            draw.rectangle(
                (left - 2, top - 2, left + _THUMB + 1, top + _THUMB + 1),
                outline=_QUERY_BORDER,
                width=3,
            )
    draw.multiline_text((left, top + _THUMB + 4), _shorten(label), fill=_TEXT, font=font)


def _shorten(label: str, width: int = 26) -> str:
    return "\n".join(
        line if len(line) <= width else line[: width - 3] + "..." for line in label.split("\n")
    )
