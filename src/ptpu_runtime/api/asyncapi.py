"""The AsyncAPI document served beside the OpenAPI one, with no authentication like it.

`GET /v3/asyncapi` answers the YAML document shipped in the package (`ptpu_runtime/asyncapi.yaml`):
the NOMIS offender events ptpu consumes from its queue and the HMPPS domain events it publishes.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

ASYNCAPI_PATH = "/v3/asyncapi"
ASYNCAPI_MEDIA_TYPE = "application/yaml"


@cache
def asyncapi_document() -> str:
    """The document's YAML text, read once from the installed package."""
    return (files("ptpu_runtime") / "asyncapi.yaml").read_text(encoding="utf-8")


def asyncapi_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(ASYNCAPI_PATH)
    def asyncapi() -> Response:
        return Response(asyncapi_document(), media_type=ASYNCAPI_MEDIA_TYPE)

    return router
