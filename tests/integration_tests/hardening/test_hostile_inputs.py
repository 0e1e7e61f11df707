"""The hostile-input corpus, inputs: each bad input fails alone, named, and is never sent.

Every case puts one hostile input between two good ones and calls the
emulator over real HTTP, sync and async. The hostile input must come back as
an :class:`ImageInputError` naming position 1 with a message that says what is
wrong (and never the key, never more than a few hundred characters); both
good inputs must come back with exactly the vectors the emulator computes;
and the emulator must have embedded exactly the two good inputs (the hostile
one was refused before sending).
"""

from __future__ import annotations

import base64
import inspect
import io
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_azure_image_embeddings import ImageInput, ImageInputError
from langchain_azure_image_embeddings.emulator import (
    FoundryEmulator,
    expected_image_vector,
    expected_text_vector,
)

from ...conftest import MODEL, jpeg_bytes, make_embeddings
from ...unit_tests.images.image_corpus import NOT_IMAGES, truncated
from .conftest import SECRET, embedded
from .hostile_images import refused_files

GOOD_IMAGE = jpeg_bytes((16, 12), seed=11)
GOOD_PAIR = ImageInput(image=jpeg_bytes((16, 12), seed=12), text="a good caption")
GOOD_TEXT = "a perfectly fine text"
MAX_MESSAGE = 600


@dataclass(frozen=True)
class InputCase:
    """One hostile input: how to make it (given the image folder) and what its error says."""

    make: Callable[[Path], Any]
    fragment: str
    method: str = "embed_images"
    settings: Mapping[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _refused() -> dict[str, tuple[bytes, str]]:
    return refused_files()


def _file_cases() -> dict[str, InputCase]:
    """Each costly file in five forms: bytes, data URL, content block, file object, pair."""
    cases: dict[str, InputCase] = {}
    for name in _refused():

        def data(_: Path, name: str = name) -> bytes:
            return _refused()[name][0]

        def encoded(folder: Path, name: str = name) -> str:
            return base64.b64encode(data(folder, name)).decode("ascii")

        fragment = _refused()[name][1]
        cases[f"{name}-bytes"] = InputCase(data, fragment)
        cases[f"{name}-data-url"] = InputCase(
            lambda folder, name=name: f"data:image/png;base64,{encoded(folder, name)}", fragment
        )
        cases[f"{name}-content-block"] = InputCase(
            lambda folder, name=name: {
                "type": "image",
                "base64": encoded(folder, name),
                "mime_type": "image/jpeg",
            },
            fragment,
        )
        cases[f"{name}-file-object"] = InputCase(
            lambda folder, name=name: io.BytesIO(data(folder, name)), fragment
        )
        cases[f"{name}-pair"] = InputCase(
            lambda folder, name=name: ImageInput(image=data(folder, name), text="caption"),
            fragment,
        )
        if _opens(_refused()[name][0]):  # what an app gets from Image.open(upload)
            cases[f"{name}-pil-opened"] = InputCase(
                lambda folder, name=name: Image.open(io.BytesIO(data(folder, name))), fragment
            )
    return cases


def _opens(data: bytes) -> bool:
    """Whether Pillow opens the file (parses its header) without refusing it itself."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data))
    except Exception:  # a bomb or header Pillow refuses: there is no image to pass
        return False
    return True


class _FailingReader:
    def read(self, size: int = -1) -> bytes:
        raise OSError("the disk went away")


ROOTS = "roots"  # settings marker: image_roots=[the image folder]
REMOTE = {"allow_remote_images": True}

OTHER_CASES: dict[str, InputCase] = {
    # Paths and file:// URIs (image_roots is the test folder)
    "path-dotdot-out-of-root": InputCase(
        lambda f: f"{f}/../outside.jpg", "outside image_roots", settings={ROOTS: True}
    ),
    "path-absolute-outside": InputCase(
        lambda f: "/etc/passwd", "outside image_roots", settings={ROOTS: True}
    ),
    "path-file-uri-outside": InputCase(
        lambda f: "file:///etc/passwd", "outside image_roots", settings={ROOTS: True}
    ),
    "path-file-uri-with-host": InputCase(
        lambda f: "file://evil.example/share/x.jpg", "localhost", settings={ROOTS: True}
    ),
    "path-symlink-out-of-root": InputCase(
        lambda f: f"{f}/escape.jpg", "outside image_roots", settings={ROOTS: True}
    ),
    "path-directory": InputCase(lambda f: f"{f}/folder", "directory", settings={ROOTS: True}),
    "path-fifo": InputCase(lambda f: f"{f}/pipe.jpg", "not a regular file", settings={ROOTS: True}),
    "path-missing": InputCase(lambda f: f"{f}/missing.jpg", "no such file", settings={ROOTS: True}),
    "path-over-max-source-bytes": InputCase(
        lambda f: f"{f}/big.jpg",
        "max_source_bytes",
        settings={ROOTS: True, "max_source_bytes": 100_000},
    ),
    "path-nul": InputCase(lambda f: f"{f}/good\x00.jpg", "NUL", settings={ROOTS: True}),
    "path-lone-surrogate": InputCase(
        lambda f: f"{f}/\ud800.jpg", "invalid path", settings={ROOTS: True}
    ),
    "path-5000-chars": InputCase(lambda f: "x" * 5000, "image_roots", settings={ROOTS: True}),
    "path-without-roots": InputCase(lambda f: f"{f}/good.jpg", "image_roots=[...]"),
    "path-empty-string": InputCase(lambda f: "", "empty string"),
    "path-blank-string": InputCase(lambda f: "   ", "image_roots", settings={ROOTS: True}),
    "path-javascript-url": InputCase(
        lambda f: "javascript:alert(1)", "image_roots", settings={ROOTS: True}
    ),
    "pathlib-missing": InputCase(lambda f: Path("/nonexistent/x.jpg"), "no such file"),
    "pathlib-directory": InputCase(lambda f: f / "folder", "directory"),
    # URLs
    "url-remote-off": InputCase(lambda f: "http://169.254.169.254/latest", "allow_remote_images"),
    "url-metadata-address": InputCase(
        lambda f: "http://169.254.169.254/latest/meta-data", "metadata", settings=REMOTE
    ),
    "url-metadata-name": InputCase(
        lambda f: "http://metadata.google.internal/x", "metadata", settings=REMOTE
    ),
    "url-loopback": InputCase(lambda f: "http://127.0.0.1:1/x.png", "loopback", settings=REMOTE),
    "url-loopback-v6": InputCase(lambda f: "http://[::1]:1/x.png", "loopback", settings=REMOTE),
    "url-loopback-hex": InputCase(
        lambda f: "http://0x7f000001:1/x.png", "loopback", settings=REMOTE
    ),
    "url-loopback-decimal": InputCase(
        lambda f: "http://2130706433:1/x.png", "loopback", settings=REMOTE
    ),
    "url-loopback-mapped-v6": InputCase(
        lambda f: "http://[::ffff:127.0.0.1]:1/x", "loopback", settings=REMOTE
    ),
    "url-private": InputCase(lambda f: "http://10.0.0.1:1/x.png", "private", settings=REMOTE),
    "url-credentials": InputCase(
        lambda f: "http://user:pw@127.0.0.1:1/x.png", "credentials", settings=REMOTE
    ),
    "url-ftp": InputCase(lambda f: "ftp://example.com/x.png", "unsupported URL scheme"),
    "url-gopher": InputCase(lambda f: "gopher://example.com/x", "unsupported URL scheme"),
    # Data URLs
    "data-url-html": InputCase(lambda f: "data:text/html;base64,PGh0bWw+", "not image/"),
    "data-url-not-base64": InputCase(lambda f: "data:image/png,rawdata", "base64-encoded"),
    "data-url-bad-base64": InputCase(
        lambda f: "data:image/png;base64,!!!notbase64", "malformed base64"
    ),
    "data-url-lone-surrogate": InputCase(
        lambda f: "data:image/png;base64,\ud800", "malformed base64"
    ),
    "data-url-svg": InputCase(
        lambda f: "data:image/svg+xml;base64," + base64.b64encode(NOT_IMAGES["logo.png"]).decode(),
        "SVG",
    ),
    # Types and content blocks
    "type-int": InputCase(lambda f: 42, "unsupported input type int"),
    "type-none": InputCase(lambda f: None, "unsupported input type NoneType"),
    "type-object": InputCase(lambda f: object(), "unsupported input type object"),
    "type-set": InputCase(lambda f: {1, 2}, "unsupported input type set"),
    "type-nested-list": InputCase(lambda f: [GOOD_IMAGE], "unsupported input type list"),
    "type-float": InputCase(lambda f: 1.5, "unsupported input type float"),
    "block-image-without-data": InputCase(lambda f: {"type": "image"}, "inline data"),
    "block-video": InputCase(
        lambda f: {"type": "video", "url": "x"}, "unsupported content block type"
    ),
    "block-image-url-file": InputCase(
        lambda f: {"type": "image_url", "image_url": {"url": "file:///etc/passwd"}},
        "data URL or an http(s) URL",
    ),
    "block-base64-not-str": InputCase(
        lambda f: {"type": "image", "base64": 123, "mime_type": "image/png"}, "no base64 string"
    ),
    "block-url-remote-off": InputCase(
        lambda f: {"type": "image", "url": "http://127.0.0.1:1/x.png"}, "allow_remote_images"
    ),
    "file-object-text-mode": InputCase(lambda f: io.StringIO("text"), "text mode"),
    "file-object-failing": InputCase(lambda f: _FailingReader(), "reading the file object failed"),
    # Bytes that are not an allowed image
    "bytes-empty": InputCase(lambda f: b"", "empty"),
    "bytes-text": InputCase(lambda f: NOT_IMAGES["notes.png"], "plain text"),
    "bytes-html": InputCase(lambda f: NOT_IMAGES["page.jpg"], "HTML"),
    "bytes-pdf": InputCase(lambda f: NOT_IMAGES["scan.jpeg"], "PDF"),
    "bytes-bmp": InputCase(lambda f: b"BM" + b"\x00" * 60, "not an allowed image"),
    "bytes-tiff": InputCase(lambda f: b"II*\x00" + b"\x00" * 60, "not an allowed image"),
    "bytes-zip": InputCase(lambda f: b"PK\x03\x04" + b"\x00" * 60, "ZIP"),
    "bytes-truncated-jpeg": InputCase(
        lambda f: truncated(jpeg_bytes((64, 48), seed=5)), "truncated"
    ),
    "bytes-signature-only": InputCase(lambda f: b"\x89PNG\r\n\x1a\n", "header is corrupt"),
    "bytearray-gif-header": InputCase(lambda f: bytearray(b"GIF89a"), "header is corrupt"),
    "pair-not-an-image": InputCase(
        lambda f: ImageInput(image=b"not an image", text="x"), "plain text"
    ),
    # Texts that cannot be sent as UTF-8 JSON
    "text-lone-high-surrogate": InputCase(
        lambda f: "bad \ud800", "lone surrogate", method="embed_documents"
    ),
    "text-lone-low-surrogate": InputCase(
        lambda f: "\udfff", "lone surrogate", method="embed_documents"
    ),
    "text-half-emoji": InputCase(
        lambda f: "emoji cut in half \ud83d", "lone surrogate", method="embed_documents"
    ),
    "text-surrogate-escape": InputCase(
        lambda f: b"caf\xe9".decode("utf-8", "surrogateescape"),
        "lone surrogate",
        method="embed_documents",
    ),
    "text-block-surrogate": InputCase(
        lambda f: {"type": "text", "text": "\udc80"}, "lone surrogate", method="embed_documents"
    ),
    "pair-text-surrogate-documents": InputCase(
        lambda f: ImageInput(image=GOOD_IMAGE, text="\ud800"),
        "paired with the image",
        method="embed_documents",
    ),
    "pair-text-surrogate-images": InputCase(
        lambda f: ImageInput(image=GOOD_IMAGE, text="x\udbff"), "paired with the image"
    ),
    "documents-type-int": InputCase(
        lambda f: 7, "unsupported input type int", method="embed_documents"
    ),
    "documents-bytes-not-image": InputCase(
        lambda f: b"not an image", "plain text", method="embed_documents"
    ),
}

INPUT_CASES: dict[str, InputCase] = {**_file_cases(), **OTHER_CASES}


def _good(method: str) -> tuple[Any, Any]:
    return (GOOD_TEXT if method == "embed_documents" else GOOD_PAIR), GOOD_IMAGE


def _expected(value: Any) -> list[float]:
    if isinstance(value, str):
        return expected_text_vector(value, model=MODEL, input_type="document")
    if isinstance(value, ImageInput):
        return expected_image_vector(
            value.image, model=MODEL, input_type="document", text=value.text
        )
    return expected_image_vector(value, model=MODEL, input_type="document")


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _outcomes(embeddings: Any, method: str, inputs: list[Any], mode: str) -> list[Any]:
    """Each input's vector or error, whichever way the method reports failures."""
    if method == "embed_images":
        if mode == "sync":
            return embeddings.embed_images(inputs, errors="return")  # type: ignore[no-any-return]
        return await embeddings.aembed_images(inputs, errors="return")  # type: ignore[no-any-return]
    call = embeddings.embed_documents if mode == "sync" else embeddings.aembed_documents
    with pytest.raises(ImageInputError) as caught:
        await _maybe_await(call(inputs))
    error = caught.value
    assert error.embeddings is not None
    return [error if vector is None else vector for vector in error.embeddings]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", list(INPUT_CASES.values()), ids=list(INPUT_CASES))
async def test_a_hostile_input_fails_alone_named_and_unsent(
    case: InputCase, mode: str, emulator_for_corpus: FoundryEmulator, image_folder: Path
) -> None:
    settings = {key: value for key, value in case.settings.items() if key != ROOTS}
    if case.settings.get(ROOTS):
        settings["image_roots"] = [image_folder]
    embeddings = make_embeddings(emulator_for_corpus, **settings)
    first, last = _good(case.method)
    before = embedded(emulator_for_corpus)

    outcomes = await _outcomes(
        embeddings, case.method, [first, case.make(image_folder), last], mode
    )

    error = outcomes[1]
    assert isinstance(error, ImageInputError), error
    message = str(error)
    assert error.position == 1 and message.startswith("input 1"), message
    assert case.fragment.lower() in message.lower(), message
    assert SECRET not in message and SECRET not in repr(error)
    assert len(message) <= MAX_MESSAGE, len(message)
    assert outcomes[0] == _expected(first)
    assert outcomes[2] == _expected(last)
    assert embedded(emulator_for_corpus) - before == 2  # the hostile input was never sent


def test_the_corpus_of_inputs_is_large_and_covers_every_layer() -> None:
    assert len(INPUT_CASES) >= 190
    fragments = {case.fragment for case in INPUT_CASES.values()}
    for layer in ("lone surrogate", "more than 50 scans", "MiB", "outside image_roots", "loopback"):
        assert layer in fragments
