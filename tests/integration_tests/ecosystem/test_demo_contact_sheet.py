"""The main job (`make demo`) writes the contact sheet the docs show."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from langchain_azure_image_embeddings import demo


def test_the_demo_writes_a_contact_sheet_with_each_query_finding_its_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_AI_INFERENCE_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)  # the demo starts its own emulator

    assert demo.main(["--out", str(tmp_path), "--top", "2"]) == 0

    output = capsys.readouterr().out
    sheet_path = tmp_path / "contact_sheet.png"
    with Image.open(sheet_path) as sheet:
        assert sheet.format == "PNG"
        assert sheet.height > 400  # four rows: three image queries and a text query
    for query in ("chelsea.png", "rocket.jpg", "coffee.png"):
        section = output.split(f"a half-size JPEG copy of {query}", 1)[1]
        assert section.splitlines()[1].split()[1] == query  # its original comes first
    assert "through the text route" in output
