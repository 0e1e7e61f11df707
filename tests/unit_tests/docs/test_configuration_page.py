"""docs/configuration.md stays true to the class: every field, and only fields, with its default."""

from __future__ import annotations

import re
from pathlib import Path

from langchain_azure_image_embeddings import AzureAIImageEmbeddings

PAGE = Path(__file__).parents[3] / "docs" / "configuration.md"


def _documented_fields() -> dict[str, str]:
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(\w+)` \| (.*?) \|", line)
        if match and match.group(1) in AzureAIImageEmbeddings.model_fields:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_field_is_documented():
    missing = set(AzureAIImageEmbeddings.model_fields) - set(_documented_fields())
    assert not missing, f"fields missing from docs/configuration.md: {sorted(missing)}"


def test_documented_scalar_defaults_match_the_code():
    for name, documented in _documented_fields().items():
        field = AzureAIImageEmbeddings.model_fields[name]
        if field.default_factory is not None:
            continue
        default = field.default
        if isinstance(default, bool) or default is None or isinstance(default, str):
            assert (
                f"`{default!r}`".replace("'", '"') in documented or f"`{default}`" in documented
            ), name
        elif isinstance(default, (int, float)):
            digits = documented.replace(",", "")
            assert str(default) in digits or f"{default:,}" in documented, (name, documented)
