"""/health (+ ping, liveness, readiness), /info, /prometheus; /health, which waits on upstreams, has its own pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from ptpu_runtime.health_checks import DOWN, UP, HealthCheck, overall_health
from ptpu_runtime.scheduler_watch import SchedulerWatch

BUILD_NAME = "prison-to-probation-update"
HEALTH_THREADS = 4  # concurrent /health requests being worked out; more wait for one of these


def health_router(
    checks: Sequence[HealthCheck | None], registry: CollectorRegistry, version: str, watch: SchedulerWatch,
    mode: dict[str, Any],
) -> APIRouter:
    """`mode`: the effective mode shown by /info (ptpu_runtime.environment.mode_info)."""
    router = APIRouter(tags=["operations"])
    # Made outside an event loop, anyio binds it to the loop that first serves /health.
    limiter = anyio.CapacityLimiter(HEALTH_THREADS)

    @router.get("/health", summary="UP when every dependency is UP; 503 otherwise")
    async def overall() -> JSONResponse:
        report = await to_thread.run_sync(overall_health, checks, limiter=limiter)
        return JSONResponse(report, status_code=200 if report["status"] == UP else 503)

    @router.get("/health/ping")
    async def ping() -> dict[str, str]:
        return {"status": UP}

    @router.get("/health/liveness", summary="DOWN (503) when the scheduled jobs have stopped running")
    async def liveness() -> JSONResponse:
        alive = watch.alive()[0]
        return JSONResponse({"status": UP if alive else DOWN}, status_code=200 if alive else 503)

    @router.get("/health/readiness")
    async def readiness() -> dict[str, str]:
        return {"status": UP}

    @router.get("/info")
    async def info() -> dict[str, Any]:
        return {"build": {"name": BUILD_NAME, "version": version}, "mode": mode}

    @router.get(
        "/prometheus",
        response_class=Response,
        summary="Metrics; internal: must not be exposed through the ingress")
    async def prometheus() -> Response:
        # Classic text format: the OpenMetrics one would rename ptpu_statusChange_total (see adapters.metrics).
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
