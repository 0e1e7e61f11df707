"""azure-ai-inference 1.0.0b9's own embeddings tests, unmodified, live against the emulator.

The test files come from the SDK's source distribution (downloaded by `make sdk-tests-source`,
a step of `make test`) and are extracted here at test time; nothing of them is in this
repository. They run in a subprocess with our `devtools_testutils` stand-in
(`tests/sdk_standin`), against an emulator over HTTPS at the root (the serverless endpoint shape
their recordings were made on), once per credential kind their tests use: an API key and an
Entra ID token. Their one image, `test_image1.png`, is not in the sdist: it is rebuilt from the
base64 PNG in their own expected request payload.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from langchain_azure_image_embeddings.emulator import FoundryEmulator

REPO = Path(__file__).resolve().parents[3]
SDIST = REPO / ".tools" / "sdist" / "azure_ai_inference-1.0.0b9.tar.gz"
STANDIN = REPO / "tests" / "sdk_standin"
TEST_FILES = (
    "test_embeddings_client.py",
    "test_embeddings_client_async.py",
    "test_image_embeddings_client.py",
    "test_image_embeddings_client_async.py",
)
SUPPORT_FILES = ("conftest.py", "model_inference_test_base.py")
TOKEN = "emulator-entra-token"
KEY = "sdk-own-tests-key"
PAYLOAD_TESTS = 12
SERVICE_TESTS = 17


def _extract(destination: Path) -> Path:
    if not SDIST.exists():
        pytest.fail(f"{SDIST} is missing: run `make sdk-tests-source` (a step of `make test`)")
    tests = destination / "tests"
    tests.mkdir()
    with tarfile.open(SDIST) as archive:
        for member in archive.getmembers():
            name = Path(member.name)
            if name.parent.name == "tests" and name.name in TEST_FILES + SUPPORT_FILES:
                source = archive.extractfile(member)
                assert source is not None
                (tests / name.name).write_bytes(source.read())
    base = (tests / "model_inference_test_base.py").read_text()
    png = re.search(r'"data:image/png;base64,([A-Za-z0-9+/=]+)"', base)
    assert png is not None, "the SDK's expected image payload is gone"
    (tests / "test_image1.png").write_bytes(base64.b64decode(png[1]))
    (destination / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    return tests


def _run(tests: Path, emulator: FoundryEmulator, report: Path) -> dict[str, str]:
    root = emulator.endpoint.removesuffix("/models")
    assert emulator.ca_cert_path is not None
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(STANDIN), str(tests)]),
        "AZURE_AI_EMBEDDINGS_ENDPOINT": root,
        "AZURE_AI_EMBEDDINGS_KEY": KEY,
        "AZURE_AI_IMAGE_EMBEDDINGS_ENDPOINT": root,
        "AZURE_AI_IMAGE_EMBEDDINGS_KEY": KEY,
        "AZURE_AI_TEST_TOKEN": TOKEN,
        "AZURE_TEST_RUN_LIVE": "true",
        "SSL_CERT_FILE": emulator.ca_cert_path,
        "REQUESTS_CA_BUNDLE": emulator.ca_cert_path,
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "loopback_only",
            "-c",
            str(tests.parent / "pytest.ini"),
            "--rootdir",
            str(tests.parent),
            f"--junitxml={report}",
            "-q",
            *TEST_FILES,
        ],
        cwd=tests,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outcomes: dict[str, str] = {}
    if report.exists():
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
            outcomes[f"{case.get('classname')}.{case.get('name')}"] = (
                kinds[0] if kinds else "passed"
            )
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    return outcomes


def test_the_sdks_own_embeddings_tests_pass_live_over_https(tmp_path):
    tests = _extract(tmp_path)
    with FoundryEmulator(key=KEY, tls=True, tokens=[TOKEN]) as emulator:
        outcomes = _run(tests, emulator, tmp_path / "report.xml")
        stats = emulator.stats()
    assert len(outcomes) == PAYLOAD_TESTS + SERVICE_TESTS, sorted(outcomes)
    assert set(outcomes.values()) == {"passed"}, outcomes
    payload = [name for name in outcomes if "request_payload" in name]
    assert len(payload) == PAYLOAD_TESTS
    # The service tests reached the emulator: key and token, text and image routes, /info.
    assert stats["requests"]["/embeddings"] == 7
    assert stats["requests"]["/images/embeddings"] >= 6
    assert stats["requests"]["/info"] >= 4
    assert stats["status_counts"].get("401") == 1  # their one auth-failure test
