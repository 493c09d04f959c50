"""Reading ptpu's AsyncAPI document and validating payloads against its message schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml
from jsonschema import Draft7Validator

from ptpu_runtime.api.app import asyncapi_document


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(asyncapi_document())


def messages() -> dict[str, dict[str, Any]]:
    """components.messages, by the message's `name` (the event type)."""
    return {message["name"]: message for message in document()["components"]["messages"].values()}


def validator(schema_name: str) -> Draft7Validator:
    """A validator for components.schemas.<schema_name>; its $refs resolve inside the document.
    AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 7."""
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": document()["components"]}
    return Draft7Validator(root)


def payload_validator(event_type: str) -> Draft7Validator:
    """The validator of the payload of the message named `event_type`."""
    reference = messages()[event_type]["payload"]["$ref"]
    return validator(reference.rsplit("/", 1)[1])


def errors(schema: Draft7Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in schema.iter_errors(instance)]
