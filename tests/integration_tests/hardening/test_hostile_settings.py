"""The hostile-input corpus, settings and call arguments: refused at once, never echoing a key.

A setting that could only fail later (at call time, in the HTTP library, or
by silently changing the request) is refused when the instance is built,
with a message naming the setting and what to write instead; a single input
given where a list is expected is a ``TypeError``. Nothing reaches the
emulator in either case.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AzureKeyCredential
from pydantic import SecretStr

from langchain_azure_image_embeddings import (
    AzureAIImageEmbeddings,
    EmbeddingBatchError,
    EmbeddingServiceError,
    ImageInput,
    ImageInputError,
)
from langchain_azure_image_embeddings.emulator import FoundryEmulator

from ...conftest import jpeg_bytes, make_embeddings
from .conftest import SECRET, embedded

MARK = "SeCrEtKeY42"
"""Part of every bad key below: it must never appear in a message."""

_BAD_KEY_CHARACTERS = {
    "newline": ("\n", "newline"),
    "crlf": ("\r\n", "carriage return"),
    "carriage-return": ("\r", "carriage return"),
    "tab": ("\t", "tab"),
    "space": (" ", "space"),
    "nul": ("\x00", "NUL"),
    "delete": ("\x7f", "control"),
    "escape": ("\x1b", "control"),
    "no-break-space": ("\u00a0", "U+00A0"),
    "line-separator": ("\u2028", "U+2028"),
    "zero-width-space": ("\u200b", "U+200B"),
    "latin-1-letter": ("\u00e9", "outside ASCII"),
    "cyrillic": ("\u043a", "outside ASCII"),
    "emoji": ("\U0001f511", "outside ASCII"),
}
_PLACES: dict[str, Callable[[str], str]] = {
    "trailing": lambda char: MARK + char,
    "leading": lambda char: char + MARK,
    "inside": lambda char: MARK[:5] + char + MARK[5:],
}
_KEY_FORMS: dict[str, Callable[[str], Any]] = {
    "str": lambda key: key,
    "secretstr": SecretStr,
    "azurekeycredential": AzureKeyCredential,
}


def _key_cases() -> dict[str, tuple[dict[str, Any], str]]:
    cases: dict[str, tuple[dict[str, Any], str]] = {}
    for name, (char, fragment) in _BAD_KEY_CHARACTERS.items():
        for place, build in _PLACES.items():
            cases[f"key-{name}-{place}"] = ({"credential": build(char)}, fragment)
        for form, wrap in _KEY_FORMS.items():
            cases[f"key-{name}-as-{form}"] = ({"credential": wrap(MARK + char)}, fragment)
    cases["key-empty"] = ({"credential": ""}, "empty key")
    cases["key-empty-secretstr"] = ({"credential": SecretStr("")}, "empty key")
    return cases


_RESERVED = (
    "input",
    "model",
    "input_type",
    "dimensions",
    "encoding_format",
    "texts",
    "images",
    "inputs",
    "embedding_types",
    "output_dimension",
)
_NOT_JSON: dict[str, Any] = {
    "set": {1, 2},
    "frozenset": frozenset({1}),
    "bytes": b"raw",
    "object": object(),
    "nan": float("nan"),
    "infinity": float("inf"),
    "minus-infinity": float("-inf"),
    "int-beyond-64-bits": 2**70,
    "lone-surrogate": "\ud800",
    "int-dict-keys": {1: "one"},
    "nested-set": {"a": [{"b": {1, 2}}]},
    "nested-nan": [1.0, [float("nan")]],
    "complex": 1 + 2j,
}
_BAD_HOSTS = {
    "ipv4-with-port": ("127.0.0.1:8080", "names a port"),
    "name-with-port": ("images.internal:443", "names a port"),
    "ipv6-with-port": ("[::1]:8080", "names a port"),
    "http-url": ("http://images.internal/", "write 'images.internal'"),
    "https-url-with-path": ("https://images.internal:8443/a/b.png", "write 'images.internal'"),
    "scheme-relative-url": ("//images.internal/x", "is a URL"),
    "empty": ("", "empty entry"),
    "blank": ("   ", "empty entry"),
    "space-inside": ("images internal", "not a bare host"),
    "path": ("images.internal/photos", "not a bare host"),
    "userinfo": ("user@images.internal", "not a bare host"),
    "query": ("images.internal?x=1", "not a bare host"),
    "double-dot": ("images..internal", "host name"),
    "leading-hyphen-label": ("-images.internal", "not a valid host name"),
    "not-a-string": (8080, "valid string"),
}


def _settings_cases(folder: Path) -> dict[str, tuple[dict[str, Any], str]]:
    cases = _key_cases()
    for key in _RESERVED:
        cases[f"model-kwargs-sets-{key}"] = ({"model_kwargs": {key: "x"}}, f"may not set {key!r}")
    for name, value in _NOT_JSON.items():
        cases[f"model-kwargs-{name}"] = ({"model_kwargs": {"extra": value}}, "cannot be sent")
    cases["model-kwargs-int-key"] = ({"model_kwargs": {1: "x"}}, "valid string")
    for name, (entry, fragment) in _BAD_HOSTS.items():
        cases[f"host-{name}"] = ({"allowed_remote_hosts": [entry]}, fragment)
    cases.update(
        {
            "roots-empty-string": ({"image_roots": ""}, "empty path"),
            "roots-blank-string": ({"image_roots": "  "}, "empty path"),
            "roots-empty-in-list": ({"image_roots": [str(folder), ""]}, "empty path"),
            "roots-missing": ({"image_roots": [str(folder / "missing")]}, "does not exist"),
            "roots-a-file": ({"image_roots": [str(folder / "good.jpg")]}, "is not a folder"),
            "header-newline": ({"client_kwargs": {"headers": {"x-a": "b\nc"}}}, "newline"),
            "header-crlf-injection": (
                {"client_kwargs": {"headers": {"x-a": "b\r\nX-Evil: 1"}}},
                "carriage return",
            ),
            "header-bad-name": ({"client_kwargs": {"headers": {"bad name": "v"}}}, "header name"),
            "header-not-str": ({"client_kwargs": {"headers": {"x-a": 5}}}, "must be a str"),
            "header-outside-latin-1": (
                {"client_kwargs": {"headers": {"x-a": "\u2603"}}},
                "outside Latin-1",
            ),
            "headers-not-mapping": ({"client_kwargs": {"headers": ["x-a"]}}, "must be a mapping"),
            "user-agent-newline": ({"client_kwargs": {"user_agent": "a\nb"}}, "'User-Agent'"),
            "user-agent-outside-latin-1": (
                {"client_kwargs": {"user_agent": "caf\u2603"}},
                "outside Latin-1",
            ),
            "endpoint-trailing-newline": ({"endpoint": "ENDPOINT\n"}, "whitespace or control"),
            "endpoint-leading-space": ({"endpoint": " ENDPOINT"}, "whitespace or control"),
            "model-lone-surrogate": ({"model": "Cohere\ud800"}, "lone surrogate"),
            "input-type-lone-surrogate": ({"document_input_type": "\udc00"}, "lone surrogate"),
        }
    )
    return cases


_SETTING_NAMES = sorted(_settings_cases(Path("/nonexistent")))


@pytest.mark.parametrize("name", _SETTING_NAMES)
def test_a_bad_setting_is_refused_when_built_without_echoing_the_key(
    name: str, emulator_for_corpus: FoundryEmulator, image_folder: Path
) -> None:
    overrides, fragment = _settings_cases(image_folder)[name]
    if overrides.get("endpoint", "").strip() == "ENDPOINT":
        overrides = {
            "endpoint": overrides["endpoint"].replace("ENDPOINT", emulator_for_corpus.endpoint)
        }
    before = embedded(emulator_for_corpus)

    with pytest.raises(ValueError, match=".") as caught:
        make_embeddings(emulator_for_corpus, **overrides)

    message = str(caught.value)
    assert fragment.lower() in message.lower(), message
    for secret in (MARK, MARK[:5], MARK[5:], SECRET):
        assert secret not in message and secret not in repr(caught.value)
    assert embedded(emulator_for_corpus) == before


async def _call(method: Callable[[Any], Any], argument: Any) -> Any:
    result = method(argument)
    return await result if inspect.isawaitable(result) else result


_SINGLE_VALUES: dict[str, Any] = {
    "str": "hello",
    "bytes": jpeg_bytes((8, 8), seed=1),
    "bytearray": bytearray(b"abc"),
    "memoryview": memoryview(b"abc"),
    "content-block": {"type": "text", "text": "hello"},
    "image-input": ImageInput(image=jpeg_bytes((8, 8), seed=2)),
    "none": None,
    "int": 5,
}
_LIST_METHODS = (
    "embed_documents",
    "embed_image",
    "embed_images",
    "aembed_documents",
    "aembed_image",
    "aembed_images",
)


@pytest.mark.parametrize("method", _LIST_METHODS)
@pytest.mark.parametrize("kind", list(_SINGLE_VALUES))
async def test_a_single_input_where_a_list_is_expected_is_a_type_error(
    method: str, kind: str, emulator_for_corpus: FoundryEmulator
) -> None:
    embeddings = make_embeddings(emulator_for_corpus)
    before = embedded(emulator_for_corpus)

    with pytest.raises(TypeError, match=rf"{method}\(\) takes a list .* wrap it in a list"):
        await _call(getattr(embeddings, method), _SINGLE_VALUES[kind])

    assert embedded(emulator_for_corpus) == before


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_ten_thousand_bad_inputs_give_a_bounded_message_and_keep_every_failure(
    mode: str, emulator_for_corpus: FoundryEmulator
) -> None:
    good = jpeg_bytes((16, 12), seed=21)
    inputs: list[Any] = [b"not an image %d" % i for i in range(10_000)] + [good]
    embeddings = make_embeddings(emulator_for_corpus)

    with pytest.raises(ImageInputError) as caught:
        await _call(embeddings.embed_images if mode == "sync" else embeddings.aembed_images, inputs)

    error = caught.value
    message = str(error)
    assert len(message) < 3_000, len(message)
    assert "10000 inputs could not be used" in message
    assert "and 9,990 more" in message
    assert sorted(error.failures) == list(range(10_000))
    assert error.embeddings is not None and error.embeddings[-1] is not None


def test_the_corpus_of_settings_and_arguments_is_large() -> None:
    assert len(_SETTING_NAMES) + len(_SINGLE_VALUES) * len(_LIST_METHODS) >= 180


@pytest.mark.parametrize(
    "broken",
    [
        {"model_kwargs": {"input": ["injected"]}},
        {"allowed_remote_hosts": ["http://images.internal/"]},
        {"image_roots": ""},
        {"dimensions": -1},
    ],
    ids=["model-kwargs", "hosts", "roots", "dimensions"],
)
def test_no_validation_error_prints_the_key_given_beside_the_bad_setting(
    broken: dict[str, Any], emulator_for_corpus: FoundryEmulator
) -> None:
    # The key is the last setting given: a printed input would end with it.
    with pytest.raises(ValueError, match=".") as caught:
        AzureAIImageEmbeddings(endpoint=emulator_for_corpus.endpoint, **broken, credential=MARK)

    assert MARK not in str(caught.value) and MARK not in repr(caught.value)


def test_ten_thousand_failures_of_both_kinds_give_a_bounded_batch_error(
    emulator_for_corpus: FoundryEmulator,
) -> None:
    goods = [jpeg_bytes((16, 12), seed=40 + i) for i in range(3)]
    inputs: list[Any] = [*goods, *(b"not an image %d" % i for i in range(10_000))]
    embeddings = make_embeddings(emulator_for_corpus, max_retries=0, max_concurrency=1)
    emulator_for_corpus.enqueue("500")  # the first request (input 0) fails at the service

    with pytest.raises(EmbeddingBatchError) as caught:
        embeddings.embed_images(inputs)

    error = caught.value
    message = str(error)
    assert len(message) < 3_000, len(message)
    assert "10001 of 10003 inputs failed" in message
    assert "and 9,991 more" in message and "... and 9,991 more (all in .failures)" in message
    assert isinstance(error.failures[0], EmbeddingServiceError)
    assert len(error.failures) == 10_001
    assert error.embeddings[0] is None and error.embeddings[1] is not None
