"""The validator of the official OpenAPI definitions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_azure_image_embeddings.emulator.schema import (
    SchemaViolation,
    SpecSchemas,
    UnsupportedSchemaError,
    load_spec_document,
    spec_schemas,
)

EXAMPLES = Path(__file__).parents[2] / "integration_tests" / "emulator" / "data"


def test_packaged_spec_is_the_official_2025_04_01_document():
    document = load_spec_document()
    assert document["info"]["version"] == "2025-04-01"
    assert {"/images/embeddings", "/embeddings", "/info"} <= set(document["paths"])
    assert document["paths"]["/images/embeddings"]["post"]["parameters"][2]["schema"] == {
        "$ref": "#/definitions/ImageEmbeddingsOptions"
    }


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_official_example_bodies_are_valid(name):
    example = json.loads((EXAMPLES / name).read_text())
    spec_schemas().validate(example["parameters"]["body"], "ImageEmbeddingsOptions")
    spec_schemas().validate(example["responses"]["200"]["body"], "EmbeddingsResult")


@pytest.mark.parametrize(
    ("body", "path", "reason"),
    [
        ([], "", "expected an object, got array"),
        ({}, "input", "required property missing"),
        ({"input": "x"}, "input", "expected an array, got string"),
        ({"input": [{}]}, "input[0].image", "required property missing"),
        ({"input": [{"image": 1}]}, "input[0].image", "expected a string, got integer"),
        ({"input": [{"image": "x", "text": 2}]}, "input[0].text", "expected a string"),
        ({"input": [], "dimensions": "5"}, "dimensions", "expected an integer, got string"),
        ({"input": [], "dimensions": True}, "dimensions", "expected an integer, got boolean"),
        ({"input": [], "dimensions": 2.5}, "dimensions", "expected an integer, got number"),
        ({"input": [], "dimensions": 2**31}, "dimensions", "int32"),
        ({"input": [], "model": 3}, "model", "expected a string"),
        ({"input": [], "input_type": ["query"]}, "input_type", "expected a string"),
    ],
)
def test_violations_name_the_path(body, path, reason):
    with pytest.raises(SchemaViolation, match=reason) as caught:
        spec_schemas().validate(body, "ImageEmbeddingsOptions")
    assert caught.value.path == path


def test_open_enums_and_null_optionals_are_accepted():
    schemas = spec_schemas()
    schemas.validate(
        {"input": [{"image": "x", "text": None}], "encoding_format": "float16", "dimensions": None},
        "ImageEmbeddingsOptions",
    )
    schemas.validate({"input": ["a"], "input_type": "passage", "extra": 1}, "EmbeddingsOptions")
    with pytest.raises(SchemaViolation, match="expected an array, got null"):
        schemas.validate({"input": None}, "EmbeddingsOptions")


def test_closed_enums_additional_properties_and_min_length_are_enforced():
    schemas = SpecSchemas(
        definitions={
            "Thing": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "name": {"type": "string", "minLength": 2},
                },
                "additionalProperties": False,
            }
        }
    )
    schemas.validate({"kind": "a", "name": "ok"}, "Thing")
    for bad in ({"kind": "c"}, {"name": "x"}, {"other": 1}):
        with pytest.raises(SchemaViolation):
            schemas.validate(bad, "Thing")


def test_unsupported_keywords_are_not_silently_ignored():
    schemas = SpecSchemas(definitions={"Thing": {"type": "string", "pattern": "^a"}})
    with pytest.raises(UnsupportedSchemaError, match="pattern"):
        schemas.validate("b", "Thing")
