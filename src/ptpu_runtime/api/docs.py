"""Swagger UI served from the installed package, at springdoc's paths, so it renders with no internet.

The UI's JavaScript, CSS and icon come from `fastapi-offline` (a kept PyPI package that ships a current
swagger-ui-dist), mounted under `/swagger-ui/assets`; nothing on the page points at a CDN. Paths as the
existing Spring service (springdoc-openapi): the page is `/swagger-ui/index.html`, `/swagger-ui.html`
redirects to it, and the document is `/v3/api-docs`. `GET /` redirects to
the page too, so a browser pointed at the service lands somewhere useful. The AsyncAPI document of the
queue and topic is beside the OpenAPI one, at `/v3/asyncapi` (api/asyncapi.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline

from ptpu_runtime.api.asyncapi import asyncapi_router

OPENAPI_PATH = "/v3/api-docs"
SWAGGER_UI_PATH = "/swagger-ui/index.html"
SWAGGER_UI_LEGACY_PATH = "/swagger-ui.html"
SWAGGER_ASSETS_PATH = "/swagger-ui/assets"
# Swagger UI's default validator badge fetches https://validator.swagger.io/... for any non-loopback
# host: off, so the page makes no request beyond the service itself.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None, "persistAuthorization": True}


def documented_app(**fastapi_arguments: Any) -> FastAPI:
    """A FastAPI app whose OpenAPI document and Swagger UI are at springdoc's paths, assets served locally.

    `fastapi_arguments`: title, version, description (anything FastAPI takes except the docs URLs)."""
    app = FastAPIOffline(
        docs_url=SWAGGER_UI_PATH,
        redoc_url=None,
        static_url=SWAGGER_ASSETS_PATH,
        openapi_url=OPENAPI_PATH,
        swagger_ui_oauth2_redirect_url="/swagger-ui/oauth2-redirect.html",
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        **fastapi_arguments,
    )
    app.include_router(_redirects())
    app.include_router(asyncapi_router())  # the AsyncAPI document beside the OpenAPI one
    return app


def _redirects() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse(SWAGGER_UI_PATH, status_code=302)

    @router.get(SWAGGER_UI_LEGACY_PATH)
    def legacy() -> RedirectResponse:
        return RedirectResponse(SWAGGER_UI_PATH, status_code=302)

    return router
