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
    for kind in (ApiError, RequestValidationError, StarletteHTTPException, SystemFailure, Exception):
        app.add_exception_handler(kind, _answer)


async def _answer(request: Request, error: Exception) -> JSONResponse:
    answer = _as_api_error(request, error)
    body = error_body(answer.status, answer.user_message, answer.developer_message)
    return JSONResponse(body, status_code=answer.status, headers=answer.headers)


def _as_api_error(request: Request, error: Exception) -> ApiError:
    if isinstance(error, ApiError):
        return error
    if isinstance(error, RequestValidationError):
        # FastAPI would answer 422 in its own shape; HMPPS services answer 400.
        return bad_request("; ".join(_describe(problem) for problem in error.errors()))
    if isinstance(error, StarletteHTTPException):
        return ApiError(error.status_code, str(error.detail), headers=error.headers)
    if isinstance(error, SystemFailure):
        # The failure's text can carry account ids, role ARNs or upstream bodies: the log has it all.
        log.error("%s %s failed: %s", request.method, request.url.path, error)
        return ApiError(503, "A service this depends on is unavailable", f"{type(error).__name__}: see the service log")
    log.exception("%s %s failed unexpectedly", request.method, request.url.path)
    return ApiError(500, "Unexpected error", type(error).__name__)


def _describe(problem: dict[str, object]) -> str:
    location = problem.get("loc") or ()
    name = str(location[-1]) if isinstance(location, list | tuple) and location else "request"
    return f"{name}: {problem.get('msg', 'invalid')}"
