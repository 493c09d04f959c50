"""The OpenAPI document describes the errors the service really gives: the HMPPS ErrorResponse, no 422.

FastAPI lists a 422 with its own `HTTPValidationError` body on every operation that takes input, but this
service answers bad input with 400 in the HMPPS shape (api/errors.py), like the existing Spring service
and every HMPPS API (`uk.gov.justice.hmpps.kotlin.common.ErrorResponse`: status, errorCode, userMessage,
developerMessage, moreInfo). So no 422 is advertised, and 400/401/403 are described with that body
schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_RESPONSE = "ErrorResponse"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The HMPPS error body (status and messages), as every HMPPS API answers errors",
    "required": ["status", "userMessage", "developerMessage"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated"},
        "errorCode": {"type": "integer", "nullable": True},
        "userMessage": {"type": "string"},
        "developerMessage": {"type": "string"},
        "moreInfo": {"type": "string", "nullable": True},
    },
}
_ROLE = re.compile(r"ROLE_[A-Z_]+")
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
# The example each status shows (Swagger UI shows one per response; a single schema-level example showed
# the 400's "Validation failure" under 401 and 403): the messages the service sends (api/errors.py,
# api/security.py, api/report_gate.py).
_EXAMPLES: dict[str, tuple[str, str]] = {
    "400": ("Validation failure: daysOld must be 0 or more", "daysOld: must be 0 or more"),
    "401": ("Unauthorised, requires a valid Oauth2 token", "no bearer token"),
    "403": ("Forbidden, requires an authorisation with role {role}", "missing {role}"),
    "404": ("Not found", "no such resource"),
    "429": ("Too many reports running (at most 2 at once); try again later", "Too many reports running"),
    "500": ("Unexpected error", "RuntimeError"),
    "503": ("A service this depends on is unavailable", "UpstreamFailure: see the service log"),
}


def describe_hmpps_errors(app: FastAPI) -> None:
    """Replace `app.openapi` so its document has no 422 (a 400 instead) and every 4xx/5xx response has the
    ErrorResponse body; the document is built once, as FastAPI does."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = hmpps_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def hmpps_errors(document: dict[str, Any]) -> dict[str, Any]:
    """The document, changed in place and returned (see the module docstring)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_RESPONSE] = ERROR_SCHEMA
    schema = {"$ref": f"#/components/schemas/{ERROR_RESPONSE}"}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", {"description": "Validation failure: the message says what is wrong"})
            for code, response in responses.items():
                if code[:1] in ("4", "5") and "content" not in response:
                    example = _example(code, response.get("description", ""))
                    response["content"] = {"application/json": {"schema": schema, "example": example}}
    for name in _FASTAPI_ONLY:
        schemas.pop(name, None)
    return document


def _example(code: str, description: str) -> dict[str, Any]:
    """The ErrorResponse the service sends with `code`; a 403's role is the one its description names."""
    role = _ROLE.search(description)
    user, developer = (text.replace("{role}", role.group() if role else "ROLE_...")
                       for text in _EXAMPLES.get(code, ("An error", "see the service log")))
    return {"status": int(code), "errorCode": None, "userMessage": user, "developerMessage": developer,
            "moreInfo": None}
