"""Find the Python examples of the docs, and the world they run in (see test_docs_examples.py)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]
RUNNABLE_LANGUAGES = frozenset({"python", "py"})
NO_RUN = re.compile(r"^<!--\s*no-run\s*(?::\s*(?P<reason>.*?))?\s*-->$")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")

SAMPLE_PHOTOS = ("cat.jpg", "coffee.jpg", "rocket.jpg", "dog.png")
"""The files of ``photos/`` in the examples' working directory."""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown page."""

    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    no_run_reason: str | None  # set when the block is marked `<!-- no-run: reason -->`

    @property
    def runnable(self) -> bool:
        return self.language in RUNNABLE_LANGUAGES and self.no_run_reason is None

    @property
    def where(self) -> str:
        page = self.page.relative_to(REPO) if self.page.is_relative_to(REPO) else self.page
        return f"{page}:{self.line}"


def doc_pages() -> list[Path]:
    """The pages whose examples are run: docs/*.md and README.md."""
    return [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]


def code_blocks(page: Path, text: str | None = None) -> list[Block]:
    """Every fenced block of ``page`` (indented ones too, as in admonitions and tabs)."""
    lines = (page.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        info = opening["info"]
        language = info.split()[0].strip("{}.").lower() if info else ""
        body: list[str] = []
        end = index + 1
        while end < len(lines):
            closing = _FENCE.match(lines[end])
            if (
                closing is not None
                and not closing["info"]
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
            ):
                break
            body.append(lines[end][len(indent) :] if lines[end].startswith(indent) else lines[end])
            end += 1
        blocks.append(
            Block(
                page=page,
                line=index + 1,
                language=language,
                code="\n".join(body) + "\n",
                no_run_reason=_no_run_reason(lines, index),
            )
        )
        index = end + 1
    return blocks


def _no_run_reason(lines: list[str], fence_index: int) -> str | None:
    previous = fence_index - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if previous < 0:
        return None
    marker = NO_RUN.match(lines[previous].strip())
    if marker is None:
        return None
    return marker["reason"] or ""


def write_sample_photos(folder: Path) -> list[Path]:
    """Write ``photos/`` for the examples: real photographs where scikit-image is installed."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = {"cat.jpg": "chelsea.png", "coffee.jpg": "coffee.png", "rocket.jpg": "rocket.jpg"}
    written = []
    for name in SAMPLE_PHOTOS:
        image = _skimage_photo(sources.get(name)) or _drawn_photo(name)
        image.thumbnail((320, 320))
        path = folder / name
        image.save(path, format="JPEG" if name.endswith(".jpg") else "PNG", quality=85)
        written.append(path)
    return written


def _skimage_photo(file: str | None) -> Image.Image | None:
    if file is None:
        return None
    try:
        import skimage.data
    except ImportError:
        return None
    path = Path(skimage.data.__file__).parent / file
    if not path.is_file():
        return None
    with Image.open(io.BytesIO(path.read_bytes())) as image:
        return image.convert("RGB")


def _drawn_photo(name: str) -> Image.Image:
    seed = sum(name.encode())
    image = Image.new("RGB", (240, 180), (seed % 200, 90, 255 - seed % 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 30, 200, 160), fill=(230, 200, 60 + seed % 150))
    draw.rectangle((0, 150, 240, 180), fill=(60, 120, 40))
    return image
