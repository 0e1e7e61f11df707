"""Checks of the settings and call arguments users pass, with messages that never repeat a secret.

:class:`~.embeddings.AzureAIImageEmbeddings` calls these when an instance is
built (and its public methods when called), so that a setting that could only
fail later, at call time or in the HTTP library, fails at once with a message
saying what to change: a key with whitespace or control characters,
``model_kwargs`` that would overwrite the request or cannot travel as JSON,
image roots that are empty or missing, header values the HTTP libraries
refuse, and a bare string where a list of inputs is expected.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from langchain_azure_image_embeddings._protocols.cohere import Cohere
from langchain_azure_image_embeddings._protocols.model_inference import ModelInference
from langchain_azure_image_embeddings._protocols.wire import encode_body
from langchain_azure_image_embeddings.image_input import ImageInput

__all__ = [
    "RESERVED_BODY_FIELDS",
    "check_call_argument",
    "check_endpoint_text",
    "check_header_value",
    "check_headers",
    "check_image_roots",
    "check_json_text",
    "check_key",
    "check_model_kwargs",
    "check_settings",
    "image_root_entries",
]

RESERVED_BODY_FIELDS = ModelInference.reserved_fields | Cohere.reserved_fields
"""Body fields the package sets itself on either protocol: ``model_kwargs`` may not name them."""

_CHARACTER_NAMES = {
    "\n": "a newline (\\n)",
    "\r": "a carriage return (\\r)",
    "\t": "a tab (\\t)",
    " ": "a space",
    "\x00": "a NUL character",
}


def check_settings(
    *,
    credential: Any,
    endpoint: str | None,
    model_kwargs: Mapping[str, Any],
    client_kwargs: Mapping[str, Any],
    image_roots: Iterable[Path] | None,
    texts: Mapping[str, str | None],
) -> None:
    """Run every construction-time check of :class:`~.embeddings.AzureAIImageEmbeddings`.

    Args:
        credential: The ``credential`` setting.
        endpoint: The ``endpoint`` setting.
        model_kwargs: The ``model_kwargs`` setting.
        client_kwargs: The ``client_kwargs`` setting.
        image_roots: The ``image_roots`` setting, as paths.
        texts: Text settings sent in request bodies, by name (``model`` ...).

    Raises:
        ValueError: A setting would fail at call time; the message says which
            and what to change, and never repeats a key.
    """
    check_key(credential)
    if endpoint is not None:
        check_endpoint_text(endpoint)
    check_model_kwargs(model_kwargs)
    check_headers(client_kwargs)
    check_image_roots(image_roots)
    for name, value in texts.items():
        check_json_text(name, value)


def check_key(credential: Any) -> None:
    """Check an API key given as ``str``, ``SecretStr`` or ``AzureKeyCredential``.

    Token credentials and other objects are not looked at.

    Args:
        credential: The ``credential`` setting.

    Raises:
        ValueError: The key is empty, or holds whitespace, a control character
            or a character outside Latin-1 (which an HTTP header cannot
            carry). The message names the kind of character and its
            position, never the key.
    """
    key = _key_text(credential)
    if key is None:
        return
    if not key:
        raise ValueError(
            "the credential is an empty key: pass the resource's key, or leave credential unset "
            "to use Entra ID (DefaultAzureCredential)"
        )
    problem = _header_problem(key, allow_inner_spaces=False, ascii_only=True)
    if problem is not None:
        raise ValueError(
            f"the credential (API key) contains {problem}; keys never contain these, so it was "
            "probably copied with extra characters (a trailing newline from a file or an "
            "environment variable?): strip it, e.g. key.strip()"
        )


def _key_text(credential: Any) -> str | None:
    if isinstance(credential, str):
        return credential
    if isinstance(credential, SecretStr):
        return credential.get_secret_value()
    from azure.core.credentials import AzureKeyCredential

    if isinstance(credential, AzureKeyCredential):
        key = credential.key
        return key if isinstance(key, str) else None
    return None


def check_header_value(name: str, value: object) -> None:
    """Check one extra request header, as the HTTP libraries (requests, aiohttp) will.

    Args:
        name: The header's name.
        value: Its value.

    Raises:
        ValueError: The name is not an HTTP token, or the value is not a
            string an HTTP header can carry (no CR, LF or other control
            character, Latin-1 only). The value is never repeated.
    """
    if not isinstance(name, str) or not name or not all(_is_token_char(char) for char in name):
        shown = repr(name)[:60] if isinstance(name, str) else type(name).__name__
        raise ValueError(f"the header name {shown} is not a valid HTTP header name")
    if not isinstance(value, str):
        raise ValueError(f"the value of header {name!r} must be a str, not {type(value).__name__}")
    problem = _header_problem(value, allow_inner_spaces=True)
    if problem is not None:
        raise ValueError(
            f"the value of header {name!r} contains {problem}, which HTTP headers cannot carry"
        )


def check_headers(client_kwargs: Mapping[str, Any]) -> None:
    """Check the extra headers of ``client_kwargs`` (``headers``, ``user_agent``), if any.

    Args:
        client_kwargs: The ``client_kwargs`` setting.

    Raises:
        ValueError: ``headers`` is not a mapping, or one of its headers is
            refused by :func:`check_header_value`.
    """
    user_agent = client_kwargs.get("user_agent")
    if user_agent is not None:
        check_header_value("User-Agent", user_agent)
    headers = client_kwargs.get("headers")
    if headers is None:
        return
    if not isinstance(headers, Mapping):
        raise ValueError(
            f"client_kwargs['headers'] must be a mapping of names to values, not "
            f"{type(headers).__name__}"
        )
    for name, value in headers.items():
        check_header_value(name, value)


def _is_token_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "!#$%&'*+-.^_`|~")


def _header_problem(text: str, *, allow_inner_spaces: bool, ascii_only: bool = False) -> str | None:
    """Say what in ``text`` an HTTP header cannot carry, by kind and position (never the text)."""
    for position, char in enumerate(text):
        where = f"at position {position} of {len(text)}"
        if char in _CHARACTER_NAMES and not (
            allow_inner_spaces and char in " \t" and 0 < position < len(text) - 1
        ):
            return f"{_CHARACTER_NAMES[char]} {where}"
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or (
            not allow_inner_spaces and char.isspace()
        ):
            return f"a control or whitespace character (U+{ord(char):04X}) {where}"
        if ord(char) > (0x7F if ascii_only else 0xFF):
            return f"a character outside {'ASCII' if ascii_only else 'Latin-1'} {where}"
    return None


def check_model_kwargs(model_kwargs: Mapping[str, Any]) -> None:
    """Check that ``model_kwargs`` add body fields and can travel as JSON.

    Args:
        model_kwargs: The ``model_kwargs`` setting.

    Raises:
        ValueError: A key is not a string, names a field the package sets
            itself (see :data:`RESERVED_BODY_FIELDS`), or a value cannot be
            serialised to JSON by the encoder requests are sent with (a set,
            bytes, an object, NaN or infinity, an integer beyond 64 bits, a
            string with a lone surrogate ...).
    """
    for key, value in model_kwargs.items():
        if not isinstance(key, str):
            raise ValueError(f"model_kwargs keys must be str, not {type(key).__name__}")
        if key in RESERVED_BODY_FIELDS:
            raise ValueError(
                f"model_kwargs may not set {key!r}: the package sets that field itself "
                "(use the matching setting: model, dimensions, encoding_format, "
                "document_input_type / query_input_type, or the method's inputs); "
                f"reserved fields: {', '.join(sorted(RESERVED_BODY_FIELDS))}"
            )
        problem = _json_problem(value)
        if problem is None:
            try:
                encode_body({key: value})
            except (TypeError, ValueError, OverflowError) as error:
                problem = str(error)[:100]
        if problem is not None:
            raise ValueError(
                f"model_kwargs[{key!r}] cannot be sent as JSON ({problem}); use str, int, "
                "float, bool, None, lists and dicts with str keys"
            )


def _json_problem(value: object, depth: int = 0) -> str | None:
    """What JSON would silently change or cannot hold (the encoder writes NaN as null)."""
    if depth > 64:
        return "nested more than 64 levels deep"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a JSON number"
    if isinstance(value, Mapping):
        for item in value.values():
            problem = _json_problem(item, depth + 1)
            if problem is not None:
                return problem
    elif isinstance(value, (list, tuple)):
        for item in value:
            problem = _json_problem(item, depth + 1)
            if problem is not None:
                return problem
    return None


def check_json_text(name: str, value: str | None) -> None:
    """Check that a text setting (``model``, an input type) can be sent as UTF-8 JSON.

    Args:
        name: The setting's name, for the message.
        value: Its value.

    Raises:
        ValueError: The text holds a lone surrogate (it cannot be encoded as UTF-8).
    """
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"{name} contains a lone surrogate at position {error.start} (U+"
            f"{ord(value[error.start]):04X}); it cannot be sent as UTF-8 JSON"
        ) from None


def check_endpoint_text(endpoint: str) -> None:
    """Refuse an endpoint holding whitespace or control characters (a pasted newline).

    Args:
        endpoint: The ``endpoint`` setting.

    Raises:
        ValueError: The endpoint holds such a character.
    """
    for position, char in enumerate(endpoint):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            raise ValueError(
                f"endpoint contains a whitespace or control character (U+{ord(char):04X}) at "
                f"position {position}; remove it (e.g. endpoint.strip())"
            )


def image_root_entries(value: Any) -> Any:
    """Refuse empty image roots before they become ``Path("")``, the working directory.

    Args:
        value: The ``image_roots`` setting as given (a path, or a list of them).

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: A root is an empty or blank string.
    """
    entries = [value] if isinstance(value, (str, Path)) else value
    if isinstance(entries, Iterable) and not isinstance(entries, (bytes, Mapping)):
        for entry in entries:
            if isinstance(entry, str) and not entry.strip():
                raise ValueError(
                    "image_roots holds an empty path (an unset environment variable?); an empty "
                    "path would mean the working directory. Name the folders images may be read "
                    "from, or leave image_roots unset to read no path given as a string"
                )
    return value


def check_image_roots(roots: Iterable[Path] | None) -> None:
    """Check that every image root exists and is a folder.

    Args:
        roots: The ``image_roots`` setting, converted to paths.

    Raises:
        ValueError: A root does not exist or is not a folder.
    """
    for root in roots or ():
        path = Path(root).expanduser()
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists()
        except (OSError, ValueError):
            is_dir = exists = False
        if not is_dir:
            what = "is not a folder" if exists else "does not exist"
            raise ValueError(
                f"image_roots: {str(path)[:200]!r} {what}; image_roots names the folders image "
                "paths given as strings may be read from"
            )


def check_call_argument(value: object, method: str) -> None:
    """Refuse a single input where a method expects a list (or iterable) of inputs.

    A ``str`` is iterable, so ``embed_documents("hello")`` would otherwise
    embed five one-character texts, and a content block (a ``dict``) would
    be read as its keys.

    Args:
        value: What the caller passed.
        method: The method's name, for the message.

    Raises:
        TypeError: ``value`` is a ``str``, ``bytes``-like, a mapping (one
            content block), an :class:`~.image_input.ImageInput`, or not
            iterable at all.
    """
    if isinstance(value, _SINGLE_INPUTS) or not isinstance(value, Iterable):
        raise TypeError(
            f"{method}() takes a list of inputs, not a single {type(value).__name__}; "
            f"wrap it in a list: {method}([value])"
        )


_SINGLE_INPUTS = (str, bytes, bytearray, memoryview, Mapping, ImageInput)
