"""The docs site: the API reference lists every public name, the nav lists every page."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import yaml

import langchain_azure_image_embeddings
from langchain_azure_image_embeddings import indexing
from tests.docs.examples import REPO

DOCS = REPO / "docs"
EMULATOR_NAMES = (
    "FoundryEmulator",
    "expected_image_vector",
    "expected_text_vector",
    "expected_cohere_vector",
)


def _documented() -> set[str]:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    return set(re.findall(r"^::: ([\w.]+)", text, flags=re.MULTILINE))


def test_the_api_reference_lists_every_public_name() -> None:
    documented = _documented()
    expected = {
        *(f"langchain_azure_image_embeddings.indexing.{name}" for name in indexing.__all__),
        *(f"langchain_azure_image_embeddings.emulator.{name}" for name in EMULATOR_NAMES),
    }
    assert expected - documented == set()
    # A name the package exports is documented under the package or under the module that
    # defines it (the reference renders lazily exported names from their module).
    undocumented = [
        name
        for name in langchain_azure_image_embeddings.__all__
        if name != "__version__"
        and f"langchain_azure_image_embeddings.{name}" not in documented
        and _defined_in(name) not in documented
    ]
    assert undocumented == []


def test_the_api_reference_lists_only_public_names() -> None:
    """Nothing private is documented: no underscore module, and every name exported."""
    for path in sorted(_documented()):
        module_name, _, name = path.rpartition(".")
        assert not any(part.startswith("_") for part in path.split(".")), path
        module = importlib.import_module(module_name)
        exported = getattr(module, "__all__", ())
        assert name in exported or module is langchain_azure_image_embeddings, path
        assert getattr(module, name, None) is not None, path


def _defined_in(name: str) -> str:
    value = getattr(langchain_azure_image_embeddings, name)
    return f"{value.__module__}.{name}"


def _nav_pages(nav: list[object]) -> list[str]:
    pages: list[str] = []
    for item in nav:
        for value in item.values() if isinstance(item, dict) else [item]:
            pages.extend(_nav_pages(value) if isinstance(value, list) else [str(value)])
    return pages


def test_the_nav_lists_every_page_and_every_page_exists() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8").replace("!!", "#"))
    pages = _nav_pages(config["nav"])
    on_disk = {path.name for path in DOCS.glob("*.md")}
    assert set(pages) == on_disk
    assert pages[:3] == ["index.md", "quickstart.md", "configuration.md"]
    assert pages[-2:] == ["api.md", "changelog.md"]


def test_the_changelog_page_includes_the_changelog() -> None:
    assert '--8<-- "CHANGELOG.md"' in (DOCS / "changelog.md").read_text(encoding="utf-8")
    assert (REPO / "CHANGELOG.md").is_file()


def _rst_extension() -> object:
    spec = importlib.util.spec_from_file_location(
        "rst_code_blocks", DOCS / "_ext" / "rst_code_blocks.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rst_code_blocks_become_fences_at_their_indentation() -> None:
    fence = _rst_extension().fence_code_blocks  # type: ignore[attr-defined]
    docstring = "\n".join(
        [
            "Summary.",
            "",
            "Example:",
            "    .. code-block:: python",
            "",
            "        x = 1",
            "        if x:",
            "            y = 2",
            "",
            "    After.",
        ]
    )
    assert fence(docstring) == "\n".join(
        [
            "Summary.",
            "",
            "Example:",
            "    ```python",
            "    x = 1",
            "    if x:",
            "        y = 2",
            "    ```",
            "",
            "    After.",
        ]
    )
    assert fence("no directive\n") == "no directive"
    assert Path(DOCS / "_ext" / "rst_code_blocks.py").is_file()


def test_the_home_page_shows_the_contact_sheet_of_the_main_job() -> None:
    from PIL import Image

    assert "](assets/contact_sheet.png)" in (DOCS / "index.md").read_text(encoding="utf-8")
    with Image.open(DOCS / "assets" / "contact_sheet.png") as sheet:
        assert sheet.format == "PNG"
        assert sheet.width >= 600
        assert sheet.height >= 600
