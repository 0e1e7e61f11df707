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
    assert "Search by text 'a cat' (embedded as text)" in output
    first_line = output.splitlines()[0]
    assert "the local emulator's Cohere route http://127.0.0.1:" in first_line
    assert first_line.endswith("/providers/cohere (Cohere's v2 embed API)")
    served = output.split("Requests the emulator served, by route: ", 1)[1].splitlines()[0]
    # Only Cohere's route: 8 photos (Cohere v3: one image per request), 3 query images, 1 text.
    assert served == "/v2/embed 12"
