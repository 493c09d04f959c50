"""The service wing: what runs (the SQS listener, the scheduler and its watch) and the HTTP API with /health."""

from __future__ import annotations

import importlib.metadata
import math
import os
from datetime import timedelta

from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry

from ptpu_adapters.sqs.error_visibility import ErrorVisibility
from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_runtime import health_checks as components
from ptpu_runtime.api.app import ApiDependencies, create_app
from ptpu_runtime.api.security import TokenVerifier
from ptpu_runtime.config import Settings
from ptpu_runtime.environment import mode_info
from ptpu_runtime.health_checks import (
    BuildInfoHealth,
    DynamoTableHealth,
    HealthService,
    QueueHealth,
    UpstreamHealth,
)
from ptpu_runtime.scheduler_watch import SchedulerWatch
from ptpu_runtime.scheduling import ScheduleSettings, SynchronisationScheduler


def build_version() -> str:
    """BUILD_NUMBER as the deployment pipeline sets it, else the package version."""
    try:
        package = importlib.metadata.version("ptpu")
    except importlib.metadata.PackageNotFoundError:
        package = "0.0.0"
    return os.environ.get("BUILD_NUMBER") or package


def _whole_seconds(duration: timedelta) -> int:
    return math.ceil(duration.total_seconds())


def _scheduler_watch(settings: ScheduleSettings, registry: CollectorRegistry) -> SchedulerWatch:
    """The scheduler's watch: a /health component, the liveness rule and ptpu_scheduler_* on /prometheus."""
    watch = SchedulerWatch(settings.watch_limits())
    registry.register(watch)
    return watch


class Service(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    observability = providers.DependenciesContainer()
    cloud = providers.DependenciesContainer()
    upstreams = providers.DependenciesContainer()
    domain = providers.DependenciesContainer()
    # The names the listener's arguments use.
    aws, queue_urls, receiver = cloud.clients, cloud.queue_urls, domain.receiver
    telemetry, tracing = observability.telemetry, observability.tracing

    listener = providers.Singleton(
        SqsListener,
        aws.provided.sqs,
        queue_urls.provided.queue_url,
        receiver.provided.receive,
        providers.Singleton(
            ListenerSettings,
            workers=settings.provided.listener_workers,
            wait_seconds=settings.provided.listener_wait_seconds,
            visibility_timeout=providers.Callable(_whole_seconds, settings.provided.sqs_visibility_timeout),
            # One message per worker: a bigger batch leaves messages waiting in hand, their visibility
            # timeout running, until a worker is free.
            max_messages=settings.provided.listener_workers),
        error_visibility=providers.Singleton(
            ErrorVisibility, aws.provided.sqs, queue_urls.provided.queue_url,
            settings.provided.sqs_error_visibility_timeout, telemetry, settings.provided.sqs_dlq_name),
        tracer=tracing.provided.tracer)
    scheduler_watch = providers.Singleton(_scheduler_watch, domain.schedule_settings, observability.registry)
    scheduler = providers.Singleton(
        SynchronisationScheduler, domain.synchronisation, cloud.lock, observability.clock, domain.schedule_settings,
        scheduler_watch)

    version = providers.Singleton(build_version)
    recent_calls = observability.upstream_calls
    health_checks = providers.List(
        providers.Singleton(
            UpstreamHealth, components.PRISON_API, upstreams.prison_http.provided.ping_answer, recent_calls,
            "prison-api"),
        providers.Singleton(
            UpstreamHealth, components.COMMUNITY_API, upstreams.community_http.provided.ping_answer, recent_calls,
            "community-api"),
        providers.Singleton(
            UpstreamHealth, components.SEARCH_API, upstreams.search_http.provided.ping_answer, recent_calls,
            "offender-search"),
        providers.Singleton(UpstreamHealth, components.OAUTH_API, upstreams.auth_http.provided.ping_answer),
        providers.Singleton(
            DynamoTableHealth, components.MESSAGE_TABLE, aws.provided.dynamodb, settings.provided.dynamodb_table_name),
        providers.Singleton(
            DynamoTableHealth, components.SCHEDULE_TABLE, aws.provided.schedule_dynamodb,
            settings.provided.schedule_table_name),
        providers.Singleton(QueueHealth, cloud.queue_admin, dlq_attached=cloud.queue_admin.provided.dlq_attached),
        providers.Singleton(BuildInfoHealth, version),
        scheduler_watch,
        cloud.topic_health,  # None (left out) without a topic
    )
    health = providers.Singleton(HealthService, health_checks)
    verifier = providers.Singleton(TokenVerifier, settings.provided.oauth_endpoint_url)
    app = providers.Singleton(
        create_app,
        providers.Singleton(
            ApiDependencies,
            repository=cloud.repository,
            clock=observability.clock,
            queues=cloud.queue_admin,
            telemetry=telemetry,
            health=health,
            registry=cloud.queue_depth.provided.registry,  # the registry, with the queue depth gauges on it
            verifier=verifier,
            version=version,
            max_concurrent_reports=settings.provided.reports_max_concurrent,
            resync=domain.resync,
            liveness=scheduler_watch,
            system_failures=domain.synchronisation,
            mode=providers.Callable(mode_info, settings)))
