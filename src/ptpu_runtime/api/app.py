"""The FastAPI application: Swagger UI (local assets) at springdoc's paths, OpenAPI at `/v3/api-docs`, AsyncAPI
(`ptpu_runtime/asyncapi.yaml`) at `/v3/asyncapi`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi_offline import FastAPIOffline

from ptpu_runtime.api.errors import error_body, install_error_handlers
from ptpu_runtime.api.health import BUILD_NAME
from ptpu_runtime.api.middleware import BodyLimit, HeadAsGet

SWAGGER_UI_PATH = "/swagger-ui/index.html"
ASYNCAPI_PATH = "/v3/asyncapi"


def create_app(version: str, routers: Iterable[APIRouter]) -> FastAPI:
    app = FastAPIOffline(
        title=BUILD_NAME, version=version, description="Keeps Delius in step with NOMIS offender events",
        docs_url=SWAGGER_UI_PATH, redoc_url=None, static_url="/swagger-ui/assets", openapi_url="/v3/api-docs",
        swagger_ui_oauth2_redirect_url="/swagger-ui/oauth2-redirect.html",
        # No validator badge: it would fetch validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True})
    build = app.openapi  # FastAPI's document, kept once built: hmpps_errors changes it in place, once
    app.openapi = lambda: app.openapi_schema or hmpps_errors(build())  # type: ignore[method-assign]
    install_error_handlers(app)
    for router in (_documents(), *routers):
        app.include_router(router)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit)
    return app


@cache
def asyncapi_document() -> str:
    return (files("ptpu_runtime") / "asyncapi.yaml").read_text(encoding="utf-8")


def _documents() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    @router.get("/swagger-ui.html")
    def to_swagger_ui() -> RedirectResponse:
        return RedirectResponse(SWAGGER_UI_PATH, status_code=302)

    @router.get(ASYNCAPI_PATH)
    def asyncapi() -> Response:
        return Response(asyncapi_document(), media_type="application/yaml")

    return router


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The HMPPS error body (status and messages), as every HMPPS API answers errors",
    "required": ["status", "userMessage", "developerMessage"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated"},
        "errorCode": {"type": "integer", "nullable": True},
        "userMessage": {"type": "string"},
        "developerMessage": {"type": "string"},
        "moreInfo": {"type": "string", "nullable": True}}}
_ROLE = re.compile(r"ROLE_[A-Z_]+")
# One example per status: the messages the service sends (api/errors.py, security.py, reports.py).
_EXAMPLES: dict[str, tuple[str, str]] = {
    "400": ("Validation failure: daysOld must be 0 or more", "daysOld: must be 0 or more"),
    "401": ("Unauthorised, requires a valid Oauth2 token", "no bearer token"),
    "403": ("Forbidden, requires an authorisation with role {role}", "missing {role}"),
    "404": ("Not found", "no such resource"),
    "429": ("Too many reports running (at most 2 at once); try again later", "Too many reports running"),
    "500": ("Unexpected error", "RuntimeError"),
    "503": ("A service this depends on is unavailable", "UpstreamFailure: see the service log")}


def hmpps_errors(document: dict[str, Any]) -> dict[str, Any]:
    """The document without 422 (a 400 instead), each 4xx/5xx with ErrorResponse; changed in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorResponse"] = ERROR_SCHEMA
    schema = {"$ref": "#/components/schemas/ErrorResponse"}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", {"description": "Validation failure: the message says what is wrong"})
            for code, response in responses.items():
                if code[:1] in ("4", "5") and "content" not in response:
                    example = _example(code, response.get("description", ""))
                    response["content"] = {"application/json": {"schema": schema, "example": example}}
    for fastapi_only in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_only, None)
    return document


def _example(code: str, description: str) -> dict[str, object]:
    """The ErrorResponse the service sends with `code`; a 403's role is the one its description names."""
    role = _ROLE.search(description)
    user, developer = (text.replace("{role}", role.group() if role else "ROLE_...")
                       for text in _EXAMPLES.get(code, ("An error", "see the service log")))
    return error_body(int(code), user, developer)
