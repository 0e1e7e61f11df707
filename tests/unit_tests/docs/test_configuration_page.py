"""docs/configuration.md stays true to the class, both ways: every field and only fields, each
with its exact default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from langchain_azure_image_embeddings import AzureAIImageEmbeddings

PAGE = Path(__file__).parents[3] / "docs" / "configuration.md"
FIELDS = AzureAIImageEmbeddings.model_fields
# Defaults that come from the environment or a factory are described, not written as a value.
DESCRIBED = {"endpoint", "credential", "credential_scopes"}


def _field_rows() -> dict[str, str]:
    """The rows of the page's ``| field | default | meaning |`` tables: name -> default cell."""
    rows: dict[str, str] = {}
    in_fields_table = False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| field | default | meaning |"):
            in_fields_table = True
            continue
        if not line.startswith("|"):
            in_fields_table = False
            continue
        match = re.match(r"\| `(\w+)` \| (.*?) \|", line)
        if in_fields_table and match:
            assert match.group(1) not in rows, f"{match.group(1)} has two rows"
            rows[match.group(1)] = match.group(2)
    return rows


def _written(default: Any) -> str:
    """How the page writes a default: ``None``, ``True``, ``"text"``, ``1,024``, ``[]``."""
    if isinstance(default, str):
        return f'`"{default}"`'
    if isinstance(default, bool) or default is None:
        return f"`{default}`"
    if isinstance(default, int):
        return f"`{default:,}`"
    if isinstance(default, float):
        return f"`{default}`"
    return f"`{default!r}`"


def test_the_tables_list_exactly_the_fields():
    documented = set(_field_rows())
    assert documented - set(FIELDS) == set(), "rows for fields that do not exist"
    assert set(FIELDS) - documented == set(), "fields missing from docs/configuration.md"


def test_each_default_is_written_exactly():
    for name, cell in _field_rows().items():
        if name in DESCRIBED:
            continue
        field = FIELDS[name]
        default = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        written = _written(default)
        assert cell == written or cell.startswith(written + " ("), (name, cell, written)
