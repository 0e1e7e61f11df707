"""Each example of docs/vectorstores.md runs on its own, copied alone into a fresh namespace.

tests/docs runs a page's blocks in order in one namespace; a user copies one block. Each block
here runs alone, in the same world (a fresh emulator, `photos/`, the endpoint's variables).
"""

from __future__ import annotations

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator
from tests.docs.examples import REPO, code_blocks
from tests.docs.test_docs_examples import example_world, run_block  # noqa: F401  (a fixture)

PAGE = REPO / "docs" / "vectorstores.md"
BLOCKS = [block for block in code_blocks(PAGE) if block.runnable]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("block", BLOCKS, ids=[block.where for block in BLOCKS])
def test_the_block_runs_alone(block: object, example_world: FoundryEmulator) -> None:  # noqa: F811
    run_block(block, {"__name__": "__main__"})  # type: ignore[arg-type]
