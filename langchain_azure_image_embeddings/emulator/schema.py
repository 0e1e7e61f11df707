"""Validation of JSON values against the definitions of the official OpenAPI document.

The document (`spec/stable-2025-04-01.openapi.json`) is OpenAPI 2.0. Its request definitions use a
small subset of JSON Schema, which this module implements: `$ref`, `type`, `properties`,
`required`, `items`, `enum`, `additionalProperties`, `minLength` and `format: int32`. A keyword
outside that subset in a definition that is validated raises `UnsupportedSchemaError`, so no
constraint of the spec is silently skipped. Two readings follow the service's documentation:
an enum marked `x-ms-enum.modelAsString` is open (the model answers 422 for a value it does not
support), and `null` for an optional property means "not sent" ("Passing null causes the model
to use its default value").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SPEC_FILE = "stable-2025-04-01.openapi.json"

_IGNORED = frozenset({"description", "x-ms-enum", "x-ms-identifiers", "x-ms-client-name"})
_CHECKED = frozenset(
    {"$ref", "type", "properties", "required", "items", "enum", "additionalProperties"}
    | {"minLength", "format"}
)
_INT32 = (-(2**31), 2**31 - 1)


class SchemaViolation(ValueError):
    """A value that does not match its definition.

    Attributes:
        path: Where, e.g. `input[0].image` (empty for the body itself).
        reason: What is wrong.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path or 'body'}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedSchemaError(RuntimeError):
    """A definition uses a JSON Schema feature this validator does not implement."""


@dataclass(frozen=True)
class SpecSchemas:
    """The definitions of an OpenAPI 2.0 document, with a validator for them."""

    definitions: dict[str, Any]

    def definition(self, name: str) -> dict[str, Any]:
        """Return the raw definition `name`."""
        definition: dict[str, Any] = self.definitions[name]
        return definition

    def property_names(self, name: str) -> frozenset[str]:
        """Return the property names declared by definition `name`."""
        return frozenset(self.definition(name).get("properties", {}))

    def validate(self, value: object, name: str) -> None:
        """Check `value` against definition `name`.

        Raises:
            SchemaViolation: The value does not match.
        """
        self._check(value, {"$ref": f"#/definitions/{name}"}, "")

    def _check(self, value: object, schema: dict[str, Any], path: str) -> None:
        unknown = set(schema) - _CHECKED - _IGNORED
        if unknown:
            raise UnsupportedSchemaError(f"unsupported schema keywords {sorted(unknown)}")
        if "$ref" in schema:
            self._check(value, self.definition(schema["$ref"].rsplit("/", 1)[-1]), path)
            return
        expected = schema.get("type")
        if expected is not None and not _has_type(value, expected):
            raise SchemaViolation(path, f"expected {_ARTICLES[expected]}, got {_json_type(value)}")
        if isinstance(value, str):
            self._check_string(value, schema, path)
        if _has_type(value, "integer") and schema.get("format") == "int32":
            assert isinstance(value, int)
            if not _INT32[0] <= value <= _INT32[1]:
                raise SchemaViolation(path, "integer out of the int32 range")
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                self._check(item, schema["items"], f"{path}[{index}]")
        if isinstance(value, dict):
            self._check_object(value, schema, path)

    def _check_string(self, value: str, schema: dict[str, Any], path: str) -> None:
        if len(value) < schema.get("minLength", 0):
            raise SchemaViolation(path, f"shorter than {schema['minLength']} characters")
        open_enum = schema.get("x-ms-enum", {}).get("modelAsString", False)
        if "enum" in schema and not open_enum and value not in schema["enum"]:
            raise SchemaViolation(path, f"must be one of {schema['enum']}")

    def _check_object(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> None:
        properties: dict[str, Any] = schema.get("properties", {})
        required = schema.get("required", [])
        for key in required:
            if key not in value:
                raise SchemaViolation(_join(path, key), "required property missing")
        for key, item in value.items():
            if item is None and key not in required:
                continue
            if key in properties:
                self._check(item, properties[key], _join(path, key))
                continue
            extra = schema.get("additionalProperties", {})
            if extra is False:
                raise SchemaViolation(_join(path, key), "unknown property")
            if isinstance(extra, dict) and extra:
                self._check(item, extra, _join(path, key))


_ARTICLES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
}


def _has_type(value: object, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    python_type = {"object": dict, "array": list, "string": str, "boolean": bool}[expected]
    return isinstance(value, python_type)


def _json_type(value: object) -> str:
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if _has_type(value, name):
            return name
    return "null"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def load_spec_document() -> dict[str, Any]:
    """Return the packaged official OpenAPI document, parsed."""
    package = resources.files("langchain_azure_image_embeddings.emulator")
    text = package.joinpath("spec", SPEC_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def spec_schemas() -> SpecSchemas:
    """Return the packaged official definitions (loaded once)."""
    return SpecSchemas(definitions=load_spec_document()["definitions"])
