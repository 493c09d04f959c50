"""The one place that builds everything from Settings (dependency-injector).

Usage: `container = Container(settings=load_settings())`; tests swap any provider with
`container.<provider>.override(fake)`. Nothing here runs at import time.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import os
from datetime import timedelta
from typing import Any

from attrs import frozen
from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry

from ptpu_adapters.aws.clients import AwsClients, make_clients
from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.schedule_cover import ScheduleCover
from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_adapters.http.base import TokenProvider, UpstreamClient, cookieless_session
from ptpu_adapters.http.call_observer import CallObserver, Observers
from ptpu_adapters.http.client_metrics import HttpClientMetrics
from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.dry_run import DryRunCommunityApi
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_adapters.http.recent_calls import RecentCalls
from ptpu_adapters.observability.dlq_counting import DlqCountingTelemetry
from ptpu_adapters.observability.metrics import PrometheusMetrics
from ptpu_adapters.observability.telemetry import LoggingTelemetry, OpenTelemetryEvents
from ptpu_adapters.observability.tracing import OpenTelemetryRecords
from ptpu_adapters.provisioning import AwsResourceNames, provision
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher
from ptpu_adapters.sqs.error_visibility import ErrorVisibility
from ptpu_adapters.sqs.listener import SqsListener
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin
from ptpu_adapters.sqs.queue_depth import SampledQueueDepth
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.errors import ConfigError
from ptpu_core.ports import CommunityApi, Telemetry
from ptpu_core.rules.booking_order import PodSpread
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.settings import DomainSettings
from ptpu_core.use_cases.receive import EventReceiver
from ptpu_core.use_cases.resync import Resync
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.booking_work import CycleSettings
from ptpu_core.work.record_tracing import NO_TRACING, RecordTracing
from ptpu_core.work.unit_of_work import DryRun, Ports
from ptpu_runtime import health_checks as components
from ptpu_runtime.api.app import ApiDependencies, create_app
from ptpu_runtime.api.security import TokenVerifier
from ptpu_runtime.config import Settings
from ptpu_runtime.domain_event_wiring import domain_event_publisher, domain_event_topic_health
from ptpu_runtime.effective_mode import mode_info
from ptpu_runtime.health_checks import BuildInfoHealth, DynamoTableHealth, HealthService, PingHealth, QueueHealth
from ptpu_runtime.scheduler_watch import SchedulerWatch
from ptpu_runtime.scheduling import ScheduleSettings, SynchronisationScheduler, same_run_window
from ptpu_runtime.startup_checks import check_aws
from ptpu_runtime.tracing_setup import Tracing, start_tracing
from ptpu_runtime.upstream_health import UpstreamHealth
from ptpu_runtime.workers import ThreadedRunner

log = logging.getLogger(__name__)


@frozen
class QueueUrls:
    queue_url: str
    dlq_url: str | None


def build_version() -> str:
    """BUILD_NUMBER as the deployment pipeline sets it, else the package version."""
    try:
        package = importlib.metadata.version("ptpu")
    except importlib.metadata.PackageNotFoundError:
        package = "0.0.0"
    return os.environ.get("BUILD_NUMBER") or package


def _aws_clients(settings: Settings) -> AwsClients:
    return make_clients(
        settings.aws_provider,
        settings.aws_region,
        sqs_endpoint_url=settings.sqs_endpoint_url,
        dynamodb_endpoint_url=settings.dynamodb_endpoint_url,
        sns_endpoint_url=settings.sns_endpoint_url,
        sqs_credentials=settings.sqs_credentials,
        dlq_credentials=settings.dlq_credentials,
        dynamodb_credentials=settings.dynamodb_credentials,
        schedule_credentials=settings.schedule_credentials,
    )


def _queue_urls(settings: Settings, clients: AwsClients) -> QueueUrls:
    """With an emulator, create what is missing (SPEC §11); on AWS, only look the queues up."""
    if settings.emulated_aws:
        names = AwsResourceNames(
            queue=settings.sqs_queue_name,
            dlq=settings.sqs_dlq_name,
            topic=settings.sns_topic_name,
            message_table=settings.dynamodb_table_name,
            schedule_table=settings.schedule_table_name,
        )
        resources = provision(clients, names)
        log.info("Provisioned emulated queues, topic and tables")
        return QueueUrls(resources.queue_url, resources.dlq_url)
    queue_url = _existing_queue_url(clients.sqs, "SQS_QUEUE_NAME", settings.sqs_queue_name)
    dlq_url = _existing_queue_url(clients.dlq_sqs, "SQS_DLQ_NAME", settings.sqs_dlq_name)
    return QueueUrls(queue_url, dlq_url)


def _existing_queue_url(sqs: Any, setting: str, name: str) -> str:
    """A wrong queue name is a configuration mistake: one line naming the setting, not a stack trace."""
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except sqs.exceptions.QueueDoesNotExist:
        raise ConfigError(f"{setting}: queue '{name}' not found") from None


class _NoTokens:
    """For a client that only pings (GET /health/ping needs no token): asking for one is a wiring bug."""

    def token(self) -> str:
        raise RuntimeError("hmpps-auth is only pinged: no call to it needs a token")

    def invalidate(self) -> None:
        return None


NO_TOKENS = _NoTokens()


UPSTREAM_APIS = ("prison-api", "community-api", "offender-search")


def _upstream(
    service: str, base_url: str, tokens: TokenProvider, settings: Settings, observer: CallObserver | None = None
) -> UpstreamClient:
    return UpstreamClient(
        service,
        base_url,
        tokens,
        connect_timeout=settings.http_connect_timeout.total_seconds(),
        read_timeout=settings.http_read_timeout.total_seconds(),
        # Every thread that may call at once keeps its connection: processing workers, listener, a ping.
        session=cookieless_session(settings.processor_workers + settings.listener_workers + 1),
        observer=observer,  # metrics and each API's recent calls on /health
    )


def _community_api(settings: Settings, real: CommunityApi, telemetry: Telemetry) -> CommunityApi:
    return DryRunCommunityApi(real, telemetry) if settings.dry_run else real


def _telemetry(tracing: Tracing, metrics: PrometheusMetrics) -> Telemetry:
    """JSON log lines; with tracing on, also span events and exported log records; every
    `<eventType>-sent-to-dlq` event also counted (ptpu_messages_sent_to_dlq_total)."""
    events = OpenTelemetryEvents(LoggingTelemetry()) if tracing.enabled else LoggingTelemetry()
    return DlqCountingTelemetry(events, metrics.sent_to_dlq)


def _record_tracing(tracing: Tracing) -> RecordTracing:
    """With tracing on, each record's processing and save in its own span; off, nothing."""
    return OpenTelemetryRecords(tracing.tracer) if tracing.enabled else NO_TRACING


def _whole_seconds(duration: timedelta) -> int:
    return math.ceil(duration.total_seconds())


def _domain(settings: Settings) -> DomainSettings:
    return settings.domain()


def _schedule_settings(settings: Settings) -> ScheduleSettings:
    return ScheduleSettings(
        processing_enabled=settings.message_processor_enabled,
        processing_delay=settings.message_processor_delay,
        crons={
            RetryTier.SHORT: settings.short_retry_cron,
            RetryTier.MEDIUM: settings.medium_retry_cron,
            RetryTier.LONG: settings.long_retry_cron,
        },
        lock_at_most=settings.lock_at_most,
        system_failure_delay=settings.system_failure_retry_delay,
        system_failure_limit=settings.system_failure_retry_limit,
    )


def _scheduler_watch(settings: ScheduleSettings, registry: CollectorRegistry) -> SchedulerWatch:
    """The scheduler's watch: a /health component, the liveness rule and ptpu_scheduler_* on /prometheus."""
    watch = SchedulerWatch(settings.watch_limits())
    registry.register(watch)
    return watch


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    domain_settings = providers.Singleton(_domain, settings)

    clock = providers.Singleton(SystemClock)
    tracing = providers.Singleton(start_tracing, settings)  # exporters per settings; shut down by `serve`
    registry = providers.Singleton(CollectorRegistry, auto_describe=True)
    metrics = providers.Singleton(PrometheusMetrics, registry)
    telemetry = providers.Singleton(_telemetry, tracing, metrics)
    # Every upstream call: http_client_requests_seconds and ptpu_upstream_calls_total, and each API's recent
    # calls for its /health component.
    recent_calls = providers.Singleton(RecentCalls)
    upstream_observer = providers.Singleton(
        Observers, providers.List(providers.Singleton(HttpClientMetrics, registry, UPSTREAM_APIS), recent_calls)
    )

    # AWS: one set of clients; queue URLs resolved (and emulated resources created) on first use.
    aws = providers.Singleton(_aws_clients, settings)
    queue_urls = providers.Singleton(_queue_urls, settings, aws)
    # Run by `ptpu serve` before anything starts: each AWS failure becomes a one-line ConfigError.
    aws_preflight = providers.Callable(check_aws, settings, aws, queue_urls.provider)
    repository = providers.Singleton(
        DynamoMessageRepository, aws.provided.dynamodb, settings.provided.dynamodb_table_name, metrics=metrics
    )
    # Pods share work by per-booking leases; `scheduleLock` only keeps the existing service out.
    lock = providers.Singleton(ScheduleCover, aws.provided.schedule_dynamodb, settings.provided.schedule_table_name)
    booking_leases = providers.Singleton(
        DynamoBookingLeases,
        aws.provided.schedule_dynamodb,
        settings.provided.schedule_table_name,
        settings.provided.booking_lease,
    )
    booking_runner = providers.Singleton(ThreadedRunner, settings.provided.processor_workers)
    queue_admin = providers.Singleton(
        SqsQueueAdmin,
        aws.provided.sqs,
        queue_urls.provided.queue_url,
        queue_urls.provided.dlq_url,
        aws.provided.dlq_sqs,
    )
    # Queue and DLQ depth gauges, sampled at most every 30 s off the scrape; on the registry /prometheus serves.
    queue_depth = providers.Singleton(SampledQueueDepth, queue_admin, registry)

    # Upstream APIs share one token provider (one cached token for the whole service).
    token_provider = providers.Singleton(
        HmppsAuthTokenProvider,
        settings.provided.oauth_endpoint_url,
        settings.provided.oauth_client_id,
        settings.provided.oauth_client_secret,
        providers.Singleton(cookieless_session),
    )
    prison_http = providers.Singleton(
        _upstream, "prison-api", settings.provided.prison_endpoint_url, token_provider, settings, upstream_observer
    )
    community_http = providers.Singleton(
        _upstream, "community-api", settings.provided.community_endpoint_url, token_provider, settings,
        upstream_observer,
    )
    search_http = providers.Singleton(
        _upstream, "offender-search", settings.provided.offender_search_endpoint_url, token_provider, settings,
        upstream_observer,
    )
    # hmpps-auth is only pinged for /health: that client gets no token provider to misuse.
    auth_http = providers.Singleton(
        _upstream, "hmpps-auth", settings.provided.oauth_endpoint_url, providers.Object(NO_TOKENS), settings
    )
    prison_api = providers.Singleton(PrisonApiClient, prison_http)
    offender_search = providers.Singleton(OffenderSearchClient, search_http)
    delius_api = providers.Singleton(CommunityApiClient, community_http)
    community_api = providers.Singleton(_community_api, settings, delius_api, telemetry)

    domain_events = providers.Singleton(domain_event_publisher, settings, aws, telemetry)

    # The domain's use cases.
    receiver = providers.Singleton(
        EventReceiver, prison_api, repository, clock, domain_settings, telemetry, metrics=metrics
    )
    # The ports a booking's unit of work uses: the real community-api client (a dry run reports through
    # DryRunCommunityApi, for scheduled processing when PRISONTOPROBATION_DRY_RUN is on, for /resync per request).
    ports = providers.Singleton(
        Ports, prison_api, delius_api, offender_search, telemetry, metrics, clock, domain_events
    )
    synchronisation = providers.Singleton(
        SynchronisationService, repository, ports, domain_settings,
        providers.Singleton(
            CycleSettings, runner=booking_runner, leases=booking_leases,
            retry_same_run_within=providers.Callable(
                same_run_window, providers.Singleton(_schedule_settings, settings)
            ),
            # Pods start apart; leases without an owner give a seed drawn at random.
            booking_order=providers.Factory(PodSpread, providers.Callable(getattr, booking_leases, "locked_by", None)),
            tracing=providers.Callable(_record_tracing, tracing),
        ),
        dry_run=providers.Singleton(DryRun, providers.Object(DryRunCommunityApi)),
    )
    resync = providers.Singleton(
        Resync, ports, domain_settings, prison_api, leases=booking_leases, owed_announcements=repository,
        dry_run=providers.Singleton(
            DryRun, providers.Object(DryRunCommunityApi), providers.Object(DryRunDomainEventPublisher)
        ),
    )

    # What runs: the listener, the scheduled jobs, the HTTP API.
    listener = providers.Singleton(
        SqsListener,
        aws.provided.sqs,
        queue_urls.provided.queue_url,
        receiver.provided.receive,
        workers=settings.provided.listener_workers,
        wait_seconds=settings.provided.listener_wait_seconds,
        visibility_timeout=providers.Callable(_whole_seconds, settings.provided.sqs_visibility_timeout),
        # One message per worker: a bigger batch leaves messages waiting in hand, their visibility
        # timeout running, until a worker is free.
        max_messages=settings.provided.listener_workers,
        error_visibility=providers.Singleton(
            ErrorVisibility, aws.provided.sqs, queue_urls.provided.queue_url,
            settings.provided.sqs_error_visibility_timeout, telemetry, settings.provided.sqs_dlq_name,
        ),
        tracer=tracing.provided.tracer,
    )
    schedule_settings = providers.Singleton(_schedule_settings, settings)
    scheduler_watch = providers.Singleton(_scheduler_watch, schedule_settings, registry)
    scheduler = providers.Singleton(
        SynchronisationScheduler, synchronisation, lock, clock, schedule_settings, scheduler_watch
    )

    version = providers.Singleton(build_version)
    health_checks = providers.List(
        providers.Singleton(
            UpstreamHealth, components.PRISON_API, "prison-api", prison_http.provided.ping_answer, recent_calls
        ),
        providers.Singleton(
            UpstreamHealth, components.COMMUNITY_API, "community-api", community_http.provided.ping_answer,
            recent_calls,
        ),
        providers.Singleton(
            UpstreamHealth, components.SEARCH_API, "offender-search", search_http.provided.ping_answer, recent_calls
        ),
        providers.Singleton(PingHealth, components.OAUTH_API, auth_http.provided.ping_answer),
        providers.Singleton(
            DynamoTableHealth, components.MESSAGE_TABLE, aws.provided.dynamodb, settings.provided.dynamodb_table_name
        ),
        providers.Singleton(
            DynamoTableHealth, components.SCHEDULE_TABLE, aws.provided.schedule_dynamodb,
            settings.provided.schedule_table_name,
        ),
        providers.Singleton(QueueHealth, queue_admin, dlq_attached=queue_admin.provided.dlq_attached),
        providers.Singleton(BuildInfoHealth, version),
        scheduler_watch,
        providers.Callable(domain_event_topic_health, settings, aws),  # None (left out) without a topic
    )
    health = providers.Singleton(HealthService, health_checks)
    verifier = providers.Singleton(TokenVerifier, settings.provided.oauth_endpoint_url)
    app = providers.Singleton(
        create_app,
        providers.Singleton(
            ApiDependencies,
            repository=repository,
            clock=clock,
            queues=queue_admin,
            telemetry=telemetry,
            health=health,
            registry=queue_depth.provided.registry,  # the registry, with the queue depth gauges on it
            verifier=verifier,
            version=version,
            max_concurrent_reports=settings.provided.reports_max_concurrent,
            resync=resync,
            liveness=scheduler_watch,
            system_failures=synchronisation,
            mode=providers.Callable(mode_info, settings),
        ),
    )
