"""The FastAPI application factory: routers, error handlers, OpenAPI at /v3/api-docs, Swagger UI (api/docs.py)."""

from __future__ import annotations

from typing import Any

from attrs import frozen
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from ptpu_adapters.sqs.queue_admin import QueueAdmin
from ptpu_core.ports import Clock, MessageRepository, Telemetry
from ptpu_core.use_cases.resync import Resync
from ptpu_runtime.api.body_limit import BodyLimit
from ptpu_runtime.api.docs import documented_app
from ptpu_runtime.api.errors import install_error_handlers
from ptpu_runtime.api.head_requests import HeadAsGet
from ptpu_runtime.api.health import BUILD_NAME, Liveness, health_router
from ptpu_runtime.api.openapi_errors import describe_hmpps_errors
from ptpu_runtime.api.queue_admin import queue_admin_router
from ptpu_runtime.api.report_gate import DEFAULT_MAX_CONCURRENT_REPORTS, ReportGate
from ptpu_runtime.api.reports import report_router
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
        title=BUILD_NAME, version=deps.version, description="Keeps Delius in step with NOMIS offender events"
    )
    install_error_handlers(app)
    app.include_router(health_router(deps.health, deps.registry, deps.version, deps.liveness, deps.mode))
    app.include_router(
        report_router(deps.repository, deps.clock, deps.verifier, ReportGate(deps.max_concurrent_reports))
    )
    app.include_router(queue_admin_router(deps.queues, deps.telemetry, deps.verifier))
    if deps.resync is not None:
        app.include_router(resync_router(deps.resync, deps.verifier))
    if deps.system_failures is not None:
        app.include_router(system_failure_router(deps.system_failures, deps.clock, deps.verifier))
    describe_hmpps_errors(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit)
    return app
