"""The service wing: what runs (the SQS listener, the scheduler and its watch) and the HTTP API with /health."""

from __future__ import annotations

import importlib.metadata
import math
import os

from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.calls import UpstreamCalls
from ptpu_adapters.sqs.error_visibility import ErrorVisibility
from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_runtime import health_checks as checks
from ptpu_runtime.api.app import create_app
from ptpu_runtime.api.health import health_router
from ptpu_runtime.api.queue_admin import queue_admin_router
from ptpu_runtime.api.reports import ReportGate, report_router
from ptpu_runtime.api.resync import Resyncs, resync_router
from ptpu_runtime.api.security import TokenVerifier
from ptpu_runtime.config import Settings
from ptpu_runtime.environment import mode_info, register_mode_metrics
from ptpu_runtime.scheduler_watch import SchedulerWatch
from ptpu_runtime.scheduling import ScheduleSettings, SynchronisationScheduler


def build_version() -> str:
    """BUILD_NUMBER as the deployment pipeline sets it, else the package version."""
    try:
        package = importlib.metadata.version("ptpu")
    except importlib.metadata.PackageNotFoundError:
        package = "0.0.0"
    return os.environ.get("BUILD_NUMBER") or package


def _scheduler_watch(settings: ScheduleSettings, registry: CollectorRegistry) -> SchedulerWatch:
    """The scheduler's watch: a /health component, the liveness rule and ptpu_scheduler_* on /prometheus."""
    watch = SchedulerWatch(settings.watch_limits(), processing_enabled=settings.processing_enabled)
    registry.register(watch)
    return watch


def _upstream_health(name: str, client: UpstreamClient, calls: UpstreamCalls) -> checks.UpstreamHealth:
    """`client`'s /health component, with its recent calls (recorded under its service name)."""
    return checks.UpstreamHealth(name, client.ping_answer, calls, client.service)


class Service(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    observability = providers.DependenciesContainer()
    cloud = providers.DependenciesContainer()
    upstreams = providers.DependenciesContainer()
    domain = providers.DependenciesContainer()
    aws, queue_urls, queues, telemetry = cloud.clients, cloud.queue_urls, cloud.queue_admin, observability.telemetry

    listener = providers.Singleton(
        SqsListener, aws.provided.sqs, queue_urls.provided.queue_url, domain.receiver.provided.receive,
        providers.Singleton(
            ListenerSettings, workers=settings.provided.listener_workers,
            wait_seconds=settings.provided.listener_wait_seconds,
            visibility_timeout=providers.Callable(
                math.ceil, settings.provided.sqs_visibility_timeout.total_seconds.call()),
            # One message per worker: a bigger batch leaves messages in hand, their visibility timeout running.
            max_messages=settings.provided.listener_workers),
        error_visibility=providers.Singleton(
            ErrorVisibility, aws.provided.sqs, queue_urls.provided.queue_url,
            settings.provided.sqs_error_visibility_timeout, telemetry, settings.provided.sqs_dlq_name),
        tracer=observability.tracing.provided.tracer)
    scheduler_watch = providers.Singleton(_scheduler_watch, domain.schedule_settings, observability.registry)
    scheduler = providers.Singleton(
        SynchronisationScheduler, domain.synchronisation, cloud.lock, observability.clock, domain.schedule_settings,
        scheduler_watch)

    resyncs = providers.Singleton(Resyncs, domain.resync)  # POST /resync's; the service's stop ends them
    version = providers.Singleton(build_version)
    mode = providers.Singleton(mode_info, settings)
    calls = observability.upstream_calls
    health_checks = providers.List(
        providers.Singleton(_upstream_health, checks.PRISON_API, upstreams.prison_http, calls),
        providers.Singleton(_upstream_health, checks.COMMUNITY_API, upstreams.community_http, calls),
        providers.Singleton(_upstream_health, checks.SEARCH_API, upstreams.search_http, calls),
        providers.Singleton(checks.UpstreamHealth, checks.OAUTH_API, upstreams.auth_http.provided.ping_answer),
        providers.Singleton(
            checks.DynamoTableHealth, checks.MESSAGE_TABLE, aws.provided.dynamodb,
            settings.provided.dynamodb_table_name),
        providers.Singleton(
            checks.DynamoTableHealth, checks.SCHEDULE_TABLE, aws.provided.schedule_dynamodb,
            settings.provided.schedule_table_name),
        providers.Singleton(checks.QueueHealth, queues, dlq_attached=queues.provided.dlq_attached),
        providers.Singleton(checks.BuildInfoHealth, version, mode),
        scheduler_watch,
        cloud.topic_health,  # None (left out) without a topic
    )
    verifier = providers.Singleton(TokenVerifier, settings.provided.oauth_endpoint_url)
    app = providers.Singleton(create_app, version, providers.List(
        providers.Singleton(
            # The registry, with the queue depth gauges and the mode's.
            health_router, health_checks,
            providers.Singleton(register_mode_metrics, cloud.queue_depth.provided.registry, mode),
            version, scheduler_watch, mode),
        providers.Singleton(
            report_router, cloud.repository, observability.clock, verifier,
            providers.Singleton(ReportGate, settings.provided.reports_max_concurrent)),
        providers.Singleton(queue_admin_router, queues, telemetry, verifier),
        providers.Singleton(
            resync_router, domain.resync, domain.synchronisation, observability.clock, verifier, resyncs=resyncs)))
