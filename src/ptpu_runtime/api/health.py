"""Open operational endpoints: /health (+ ping, liveness, readiness), /info, /prometheus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from ptpu_runtime.health_checks import UP, HealthService

BUILD_NAME = "prison-to-probation-update"


def health_router(health: HealthService, registry: CollectorRegistry, version: str) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health", summary="UP when every dependency is UP; 503 otherwise")
    async def overall() -> JSONResponse:
        report = await run_in_threadpool(health.health)
        return JSONResponse(report, status_code=200 if report["status"] == UP else 503)

    @router.get("/health/ping")
    def ping() -> dict[str, str]:
        return {"status": UP}

    @router.get("/health/liveness")
    def liveness() -> dict[str, str]:
        return {"status": UP}

    @router.get("/health/readiness")
    def readiness() -> dict[str, str]:
        return {"status": UP}

    @router.get("/info")
    def info() -> dict[str, Any]:
        return {"build": {"name": BUILD_NAME, "version": version}}

    @router.get(
        "/prometheus",
        response_class=Response,
        summary="Metrics; internal: must not be exposed through the ingress",
    )
    def prometheus() -> Response:
        # Classic text format: the OpenMetrics one would rename ptpu_statusChange_total (see adapters.metrics).
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
