"""A griffe extension: render reStructuredText ``.. code-block::`` directives as Markdown fences.

LangChain's docstring convention (which the package follows, so LangChain's own reference
tooling reads it) writes examples as ``.. code-block:: python`` followed by an indented block.
MkDocs renders Markdown, so this turns each such directive into a fenced block, at the
directive's indentation, when mkdocstrings loads the package.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block::[ \t]*(?P<language>[\w+-]*)[ \t]*$")


def fence_code_blocks(text: str) -> str:
    """Return ``text`` with every ``.. code-block::`` directive made a Markdown fence."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        directive = _DIRECTIVE.match(lines[index])
        if directive is None:
            out.append(lines[index])
            index += 1
            continue
        indent = directive["indent"]
        body: list[str] = []
        index += 1
        while index < len(lines) and (
            not lines[index].strip() or _width(lines[index]) > len(indent)
        ):
            body.append(lines[index])
            index += 1
        while body and not body[-1].strip():
            body.pop()
        code = textwrap.dedent("\n".join(body)).strip("\n")
        out.append(f"{indent}```{directive['language']}")
        out.extend(f"{indent}{line}" if line else "" for line in code.splitlines())
        out.append(f"{indent}```")
        out.append("")
    return "\n".join(out)


def _width(line: str) -> int:
    return len(line) - len(line.lstrip())


class RstCodeBlocks(griffe.Extension):
    """Rewrite the docstrings of every object loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ".. code-block::" in obj.docstring.value:
            obj.docstring.value = fence_code_blocks(obj.docstring.value)
