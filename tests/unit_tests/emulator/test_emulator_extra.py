"""Without the `emulator` extra, the emulator says which extra to install."""

from __future__ import annotations

import subprocess
import sys

HIDE = "import sys; sys.modules['{module}'] = None; "


def _run(module: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE.format(module=module) + code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_tls_without_cryptography_names_the_extra(tmp_path):
    done = _run(
        "cryptography",
        "from pathlib import Path; "
        "from langchain_azure_image_embeddings.emulator.tls import generate_certificates; "
        f"generate_certificates(Path({str(tmp_path)!r}))",
    )
    assert done.returncode != 0
    assert "langchain-azure-image-embeddings[emulator]" in done.stderr
    assert "--tls" in done.stderr


def test_without_numpy_the_emulator_serves_and_names_the_extra():
    done = _run(
        "numpy",
        "import logging; logging.basicConfig(); "
        "from langchain_azure_image_embeddings.emulator import FoundryEmulator; "
        "emulator = FoundryEmulator(model='Cohere-embed-v3-english', key='k'); "
        "emulator.start(); emulator.stop()",
    )
    assert done.returncode == 0, done.stderr
    assert "langchain-azure-image-embeddings[emulator]" in done.stderr
