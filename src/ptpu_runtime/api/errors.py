"""Every error answer in the HMPPS shape {status, errorCode, userMessage, developerMessage, moreInfo}."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ptpu_core.errors import SystemFailure

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer in the HMPPS shape; `str()` is the user message, and `developer_message` defaults to it."""

    def __init__(
        self, status: int, user_message: str, developer_message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(user_message)
        self.status = status
        self.user_message = user_message
        self.developer_message = developer_message or user_message
        self.headers = headers


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Validation failure: {message}", message)


def refuse_repeated(names: Iterable[str], what: str) -> None:
    """400 naming a `what` (a query parameter, a key) given more than once: a second value must not win."""
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise bad_request(f"the {what} {repeated[0]!r} appears more than once")


def error_body(status: int, user_message: str, developer_message: str | None = None) -> dict[str, object]:
    return {
        "status": status,
        "errorCode": None,
        "userMessage": user_message,
        "developerMessage": developer_message or user_message,
        "moreInfo": None}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        body = error_body(error.status, error.user_message, error.developer_message)
        return JSONResponse(body, status_code=error.status, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI would answer 422 in its own shape; HMPPS services answer 400.
        return await api_error(request, bad_request("; ".join(_describe(problem) for problem in error.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return await api_error(request, ApiError(error.status_code, str(error.detail), headers=error.headers))

    @app.exception_handler(SystemFailure)
    async def system_failure(request: Request, error: SystemFailure) -> JSONResponse:
        # The failure's text can carry account ids, role ARNs or upstream bodies: the log has it all.
        log.error("%s %s failed: %s", request.method, request.url.path, error)
        return await api_error(request, ApiError(
            503, "A service this depends on is unavailable", f"{type(error).__name__}: see the service log"))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("%s %s failed unexpectedly", request.method, request.url.path)
        return await api_error(request, ApiError(500, "Unexpected error", type(error).__name__))


def _describe(problem: dict[str, object]) -> str:
    location = problem.get("loc") or ()
    name = str(location[-1]) if isinstance(location, list | tuple) and location else "request"
    return f"{name}: {problem.get('msg', 'invalid')}"
