"""Every Python example of the docs runs, against a fresh emulator.

The convention, for anyone writing docs (docs/*.md and README.md):

* Every fenced block whose language is ``python`` (or ``py``) is run. The blocks of one page
  run in order, in one namespace (``__name__ == "__main__"``), so a later block may use what
  an earlier one defined. Other languages (``bash``, ``text``, ...) are not run.
* Top-level ``await`` is allowed (as in a notebook): such a block runs in its own event loop.
* The world an example sees:
    - ``AZURE_INFERENCE_ENDPOINT`` and ``AZURE_INFERENCE_CREDENTIAL`` point at a fresh emulator
      serving ``Cohere-embed-v3-english``, on its Cohere route (the Target URI form,
      ``.../providers/cohere``: what users set now), so ``AzureAIImageEmbeddings(model=
      "Cohere-embed-v3-english")`` works with no other argument; the same emulator serves
      ``/models`` at that URL with ``/providers/cohere`` replaced by ``/models``;
    - the working directory is an empty temporary folder except for ``photos/cat.jpg``,
      ``photos/coffee.jpg``, ``photos/rocket.jpg`` (photographs, from scikit-image) and
      ``photos/dog.png`` (a drawing);
    - the network is loopback only (pytest-socket), Chroma's telemetry and Ray's usage
      statistics are off.
* A block that cannot run here (it needs a real Azure resource, or Spark) is marked by an HTML
  comment on the line right before its fence, with the reason::

      <!-- no-run: needs a Spark cluster -->
      ```python
      ...
      ```

  It is still compiled, so a syntax error fails. Use it sparingly: only for Azure-only or Spark
  snippets.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator
from tests.docs.examples import (
    REPO,
    SAMPLE_PHOTOS,
    Block,
    code_blocks,
    doc_pages,
    write_sample_photos,
)
from tests.integration_tests.ecosystem.ray_local import share_local_ray

MODEL = "Cohere-embed-v3-english"
KEY = "docs-examples-key"


def _pages_with_examples() -> list[Path]:
    return [
        page
        for page in doc_pages()
        if page.is_file() and any(block.runnable for block in code_blocks(page))
    ]


@pytest.fixture
def example_world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FoundryEmulator]:
    """The environment described at the top of this file."""
    write_sample_photos(tmp_path / "photos")
    monkeypatch.chdir(tmp_path)
    for name in ("AZURE_AI_INFERENCE_ENDPOINT", "AZURE_AI_INFERENCE_CREDENTIAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    with FoundryEmulator(model=MODEL, key=KEY) as emulator:
        monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", emulator.cohere_endpoint)
        monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", emulator.key)
        yield emulator


def run_block(block: Block, namespace: dict[str, Any]) -> None:
    """Run one block in ``namespace``, awaiting it when it has top-level ``await``."""
    code = compile(
        block.code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    if code.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(code, namespace))
    else:
        exec(code, namespace)


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    "page", _pages_with_examples(), ids=lambda page: str(page.relative_to(REPO))
)
def test_the_examples_of_a_page_run(
    page: Path,
    example_world: FoundryEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    blocks = code_blocks(page)
    if any("ray.init(" in block.code for block in blocks if block.runnable):
        share_local_ray(monkeypatch, tmp_path_factory)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for block in blocks:
        if not block.runnable:
            continue
        try:
            run_block(block, namespace)
        except BaseException as error:
            raise AssertionError(
                f"the example at {block.where} failed: {type(error).__name__}: {error}"
            ) from error


def test_blocks_marked_no_run_name_a_reason_and_compile() -> None:
    marked = [
        block
        for page in doc_pages()
        if page.is_file()
        for block in code_blocks(page)
        if block.no_run_reason is not None
    ]
    for block in marked:
        assert block.no_run_reason, f"{block.where}: say why, e.g. <!-- no-run: needs Spark -->"
        if block.language in ("python", "py"):
            compile(block.code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_the_extractor_runs_what_the_convention_says(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    text = "\n".join(
        [
            "# A page",
            "```python",
            "a = 1",
            "```",
            "```bash",
            "echo not python",
            "```",
            "<!-- no-run: needs Spark -->",
            "",
            "```python",
            "spark = None",
            "```",
            '!!! note "In an admonition"',
            "    ```python",
            "    if a:",
            "        b = 2",
            "    ```",
            "````markdown",
            "```python",
            "nested = 'not a block of its own'",
            "```",
            "````",
        ]
    )
    blocks = code_blocks(page, text)
    assert [(b.language, b.runnable, b.line) for b in blocks] == [
        ("python", True, 2),
        ("bash", False, 5),
        ("python", False, 10),
        ("python", True, 14),
        ("markdown", False, 18),
    ]
    assert blocks[2].no_run_reason == "needs Spark"
    assert blocks[3].code == "if a:\n    b = 2\n"
    namespace: dict[str, Any] = {}
    for block in blocks:
        if block.runnable:
            run_block(block, namespace)
    assert namespace["b"] == 2


def test_top_level_await_runs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    blocks = code_blocks(page, "```python\nimport asyncio\nawait asyncio.sleep(0)\nx = 3\n```\n")
    namespace: dict[str, Any] = {}
    run_block(blocks[0], namespace)
    assert namespace["x"] == 3


def test_the_sample_photos_are_there(tmp_path: Path) -> None:
    paths = write_sample_photos(tmp_path / "photos")
    assert [path.name for path in paths] == list(SAMPLE_PHOTOS)
    assert all(path.stat().st_size > 1000 for path in paths)
