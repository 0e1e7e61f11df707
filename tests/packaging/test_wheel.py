"""The distribution: wheel and sdist build, their metadata is complete, the wheel works alone.

The wheel is installed into a fresh virtual environment with no network: uv installs the locked
runtime dependencies from its cache (filled by `make setup`), exported from `uv.lock` as a
`pylock.toml` that names each file, then the wheel itself with `--no-deps`. From there the
bundled emulator is started (the console script) and the quickstart page's examples run against
it, with the repository's sources nowhere on the path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

from langchain_azure_image_embeddings._version import __version__
from tests.docs.examples import REPO, code_blocks, write_sample_photos

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

MODEL = "Cohere-embed-v3-english"
KEY = "wheel-test-key"
PACKAGE = "langchain_azure_image_embeddings"


def _uv() -> str:
    candidates = [os.environ.get("UV"), str(REPO / ".tools" / "bin" / "uv"), shutil.which("uv")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    if os.environ.get("CI"):
        pytest.fail("uv not found (.tools/bin/uv is installed by `make setup`)")
    pytest.skip("uv not found: run `make setup`, or set UV=/path/to/uv")


def _run(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(str(arg) for arg in args)} exited {result.returncode}\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout + result.stderr


def _offline_env() -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
        and not name.startswith(("AZURE_", "PYTEST_"))
    }
    env.update(UV_OFFLINE="1", UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1")
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and sdist, built from this checkout (the wheel from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    _run(_uv(), "build", "--offline", "--out-dir", out, env=_offline_env())
    wheels = sorted(out.glob("*.whl"))
    sdists = sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1
    assert len(sdists) == 1
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_both_distributions_pass_twine_check_strict(dist: dict[str, Path]) -> None:
    output = _run(sys.executable, "-m", "twine", "check", "--strict", dist["wheel"], dist["sdist"])
    assert output.count("PASSED") == 2


def test_the_wheel_has_its_data_and_complete_metadata(dist: dict[str, Path]) -> None:
    assert dist["wheel"].name == f"{PACKAGE}-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        metadata = Parser().parsestr(
            wheel.read(f"{PACKAGE}-{__version__}.dist-info/METADATA").decode()
        )
        entry_points = wheel.read(f"{PACKAGE}-{__version__}.dist-info/entry_points.txt").decode()
    assert f"{PACKAGE}/py.typed" in names
    assert f"{PACKAGE}/emulator/spec/stable-2025-04-01.openapi.json" in names
    assert not [name for name in names if name.startswith(("tests/", "docs/", "benchmarks/"))]
    assert metadata["Name"] == "langchain-azure-image-embeddings"
    assert metadata["Version"] == __version__  # one source: _version.py
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == "<4.0,>=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata["Summary"]
    assert metadata.get_payload().startswith("# langchain-azure-image-embeddings")
    classifiers = metadata.get_all("Classifier") or []
    for classifier in (
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
        "Development Status :: 4 - Beta",
    ):
        assert classifier in classifiers
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Repository", "Changelog", "Issues"} <= set(urls)
    requirements = metadata.get_all("Requires-Dist") or []
    assert any(re.match(r"azure-ai-inference\b", requirement) for requirement in requirements)
    assert "azure-image-embeddings-emulator" in entry_points
    # A plain install pulls neither the emulator's certificates nor its numpy: both come with
    # the `emulator` extra only.
    for heavy in ("numpy", "cryptography"):
        pulled = [req for req in requirements if re.match(rf"{heavy}\b", req)]
        only_extra = re.compile(r"extra\s*==\s*[\"']emulator[\"']")
        assert pulled and all(only_extra.search(req) for req in pulled), pulled


def test_the_sdist_has_what_a_rebuild_and_a_reader_need(dist: dict[str, Path]) -> None:
    prefix = f"{PACKAGE}-{__version__}/"
    with tarfile.open(dist["sdist"]) as sdist:
        names = {name.removeprefix(prefix) for name in sdist.getnames()}
    for name in (
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        f"{PACKAGE}/_version.py",
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/emulator/spec/stable-2025-04-01.openapi.json",
    ):
        assert name in names, name


@pytest.fixture(scope="module")
def fresh_venv(dist: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel and its locked dependencies, installed offline."""
    uv = _uv()
    env = _offline_env()
    work = tmp_path_factory.mktemp("venv")
    lock = work / "pylock.toml"
    _run(
        uv, "export", "--frozen", "--no-dev", "--extra", "emulator", "--no-emit-project",
        "--format", "pylock.toml",
        "--output-file", lock, env=env,
    )  # fmt: skip
    venv = work / "venv"
    _run(uv, "venv", "--offline", "--python", sys.executable, venv, env=env)
    python = venv / "bin" / "python"
    _run(uv, "pip", "install", "--offline", "--python", python, "-r", lock, env=env)
    _run(uv, "pip", "install", "--offline", "--no-deps", "--python", python, dist["wheel"], env=env)
    _run(uv, "pip", "check", "--python", python, env=env)
    return venv


@pytest.fixture
def emulator_from_the_wheel(fresh_venv: Path, tmp_path: Path) -> Iterator[str]:
    """The emulator started with the wheel's console script; yields its endpoint."""
    process = subprocess.Popen(
        [
            str(fresh_venv / "bin" / "azure-image-embeddings-emulator"),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--key",
            KEY,
            "--model",
            MODEL,
        ],
        cwd=tmp_path,
        env=_offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.fullmatch(r"endpoint: (http://127\.0\.0\.1:\d+/models)\n", first)
        assert match, f"the emulator printed {first!r}"
        yield match[1]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_quickstart_runs_from_the_installed_wheel(
    fresh_venv: Path, emulator_from_the_wheel: str, tmp_path: Path
) -> None:
    blocks = [block for block in code_blocks(REPO / "docs" / "quickstart.md") if block.runnable]
    assert blocks, "docs/quickstart.md has no runnable example"
    check = (
        "import langchain_azure_image_embeddings as package\n"
        f"assert package.__version__ == {__version__!r}\n"
        f"assert package.__file__.startswith({str(fresh_venv)!r}), package.__file__\n"
        "print('package:', package.__file__)\n"
    )
    script = tmp_path / "quickstart.py"
    script.write_text(check + "\n".join(block.code for block in blocks), encoding="utf-8")
    write_sample_photos(tmp_path / "photos")
    env = _offline_env()
    env.update(AZURE_INFERENCE_ENDPOINT=emulator_from_the_wheel, AZURE_INFERENCE_CREDENTIAL=KEY)

    output = _run(fresh_venv / "bin" / "python", "-I", script, cwd=tmp_path, env=env)

    assert f"package: {fresh_venv}" in output
