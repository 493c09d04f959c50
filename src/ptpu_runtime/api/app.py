"""The FastAPI application: routers, error handlers, middleware; Swagger UI (local assets) at springdoc's
paths, OpenAPI at `/v3/api-docs`, AsyncAPI (`ptpu_runtime/asyncapi.yaml`) at `/v3/asyncapi`. The OpenAPI
document has no 422 and the HMPPS ErrorResponse body on every 4xx/5xx (api/errors.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any

from attrs import frozen
from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CollectorRegistry

from ptpu_adapters.sqs.queue_admin import QueueAdmin
from ptpu_core.ports import Clock, MessageRepository, Telemetry
from ptpu_core.use_cases.resync import Resync
from ptpu_runtime.api.errors import error_body, install_error_handlers
from ptpu_runtime.api.health import BUILD_NAME, Liveness, health_router
from ptpu_runtime.api.middleware import BodyLimit, HeadAsGet
from ptpu_runtime.api.queue_admin import queue_admin_router
from ptpu_runtime.api.reports import DEFAULT_MAX_CONCURRENT_REPORTS, ReportGate, report_router
from ptpu_runtime.api.resync import resync_router
from ptpu_runtime.api.security import TokenVerifier
from ptpu_runtime.api.system_failures import RetriesSystemFailures, system_failure_router
from ptpu_runtime.health_checks import HealthService


@frozen
class ApiDependencies:
    repository: MessageRepository
    clock: Clock
    queues: QueueAdmin
    telemetry: Telemetry
    health: HealthService
    registry: CollectorRegistry
    verifier: TokenVerifier
    version: str
    max_concurrent_reports: int = DEFAULT_MAX_CONCURRENT_REPORTS
    resync: Resync | None = None  # POST /resync is served only when given
    liveness: Liveness | None = None  # /health/liveness answers UP unconditionally without one
    system_failures: RetriesSystemFailures | None = None  # POST /retry-system-failures, likewise
    mode: dict[str, Any] | None = None  # shown by /info (ptpu_runtime.environment)


def create_app(deps: ApiDependencies) -> FastAPI:
    app = documented_app(
        title=BUILD_NAME, version=deps.version, description="Keeps Delius in step with NOMIS offender events")
    install_error_handlers(app)
    app.include_router(health_router(deps.health, deps.registry, deps.version, deps.liveness, deps.mode))
    app.include_router(
        report_router(deps.repository, deps.clock, deps.verifier, ReportGate(deps.max_concurrent_reports)))
    app.include_router(queue_admin_router(deps.queues, deps.telemetry, deps.verifier))
    if deps.resync is not None:
        app.include_router(resync_router(deps.resync, deps.verifier))
    if deps.system_failures is not None:
        app.include_router(system_failure_router(deps.system_failures, deps.clock, deps.verifier))
    describe_hmpps_errors(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit)
    return app


OPENAPI_PATH = "/v3/api-docs"
SWAGGER_UI_PATH = "/swagger-ui/index.html"
SWAGGER_UI_LEGACY_PATH = "/swagger-ui.html"
SWAGGER_ASSETS_PATH = "/swagger-ui/assets"
# No validator badge: it would fetch validator.swagger.io.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None, "persistAuthorization": True}


def documented_app(**fastapi_arguments: Any) -> FastAPI:
    """`fastapi_arguments`: anything FastAPI takes except the docs URLs."""
    app = FastAPIOffline(
        docs_url=SWAGGER_UI_PATH,
        redoc_url=None,
        static_url=SWAGGER_ASSETS_PATH,
        openapi_url=OPENAPI_PATH,
        swagger_ui_oauth2_redirect_url="/swagger-ui/oauth2-redirect.html",
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        **fastapi_arguments)
    app.include_router(_documents())
    return app


ASYNCAPI_PATH = "/v3/asyncapi"


@cache
def asyncapi_document() -> str:
    return (files("ptpu_runtime") / "asyncapi.yaml").read_text(encoding="utf-8")


def _documents() -> APIRouter:
    """The redirects to Swagger UI and the AsyncAPI document (YAML)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    @router.get(SWAGGER_UI_LEGACY_PATH)
    def to_swagger_ui() -> RedirectResponse:
        return RedirectResponse(SWAGGER_UI_PATH, status_code=302)

    @router.get(ASYNCAPI_PATH)
    def asyncapi() -> Response:
        return Response(asyncapi_document(), media_type="application/yaml")

    return router


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
        "moreInfo": {"type": "string", "nullable": True}}}
_ROLE = re.compile(r"ROLE_[A-Z_]+")
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
# One example per status: the messages the service sends (api/errors.py, security.py, reports.py).
_EXAMPLES: dict[str, tuple[str, str]] = {
    "400": ("Validation failure: daysOld must be 0 or more", "daysOld: must be 0 or more"),
    "401": ("Unauthorised, requires a valid Oauth2 token", "no bearer token"),
    "403": ("Forbidden, requires an authorisation with role {role}", "missing {role}"),
    "404": ("Not found", "no such resource"),
    "429": ("Too many reports running (at most 2 at once); try again later", "Too many reports running"),
    "500": ("Unexpected error", "RuntimeError"),
    "503": ("A service this depends on is unavailable", "UpstreamFailure: see the service log")}


def describe_hmpps_errors(app: FastAPI) -> None:
    """Replace `app.openapi` by hmpps_errors of FastAPI's document, built once."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = hmpps_errors(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def hmpps_errors(document: dict[str, Any]) -> dict[str, Any]:
    """The document without 422 (a 400 instead), each 4xx/5xx with ErrorResponse; changed in place."""
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


def _example(code: str, description: str) -> dict[str, object]:
    """The ErrorResponse the service sends with `code`; a 403's role is the one its description names."""
    role = _ROLE.search(description)
    user, developer = (text.replace("{role}", role.group() if role else "ROLE_...")
                       for text in _EXAMPLES.get(code, ("An error", "see the service log")))
    return error_body(int(code), user, developer)
