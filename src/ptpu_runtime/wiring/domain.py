"""The domain wing: the core's use cases (receive, synchronise, re-sync) and the booking workers.

Everything from outside the core comes in as a `Dependency`, named as the other wings name it."""

from __future__ import annotations

from dependency_injector import containers, providers

from ptpu_adapters.http.community_api import DryRunCommunityApi
from ptpu_adapters.observability.tracing import OpenTelemetryRecords
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher
from ptpu_core.ports import (
    Clock,
    CommunityApi,
    DomainEventPublisher,
    MessageRepository,
    Metrics,
    OffenderSearchApi,
    PrisonApi,
    Telemetry,
)
from ptpu_core.rules.booking_order import PodSpread
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.settings import DomainSettings
from ptpu_core.use_cases.receive import EventReceiver
from ptpu_core.use_cases.resync import Resync
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.cycle import BookingLeases, CycleSettings
from ptpu_core.work.record_tracing import NO_TRACING, RecordTracing
from ptpu_core.work.unit_of_work import DryRun, Ports
from ptpu_runtime.config import Settings
from ptpu_runtime.scheduling import ScheduleSettings, same_run_window
from ptpu_runtime.tracing import Tracing
from ptpu_runtime.workers import ThreadedRunner


def _record_tracing(tracing: Tracing) -> RecordTracing:
    """With tracing on, each record's processing and save in its own span; off, nothing."""
    return OpenTelemetryRecords(tracing.tracer) if tracing.enabled else NO_TRACING


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


class Domain(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    clock: providers.Dependency[Clock] = providers.Dependency()
    telemetry: providers.Dependency[Telemetry] = providers.Dependency()
    metrics: providers.Dependency[Metrics] = providers.Dependency()
    tracing: providers.Dependency[Tracing] = providers.Dependency()
    repository: providers.Dependency[MessageRepository] = providers.Dependency()
    booking_leases: providers.Dependency[BookingLeases] = providers.Dependency()
    domain_events: providers.Dependency[DomainEventPublisher] = providers.Dependency()
    prison_api: providers.Dependency[PrisonApi] = providers.Dependency()
    offender_search: providers.Dependency[OffenderSearchApi] = providers.Dependency()
    community_api: providers.Dependency[CommunityApi] = providers.Dependency()  # dry run applies inside the work

    domain_settings = providers.Singleton(_domain, settings)
    schedule_settings = providers.Singleton(_schedule_settings, settings)
    booking_runner = providers.Singleton(ThreadedRunner, settings.provided.processor_workers)

    receiver = providers.Singleton(
        EventReceiver, prison_api, repository, clock, domain_settings, metrics=metrics
    )
    # The ports a booking's unit of work uses: the real community-api client (a dry run reports through
    # DryRunCommunityApi, for scheduled processing when PRISONTOPROBATION_DRY_RUN is on, for /resync per request).
    ports = providers.Singleton(
        Ports, prison_api, community_api, offender_search, telemetry, metrics, clock, domain_events
    )
    synchronisation = providers.Singleton(
        SynchronisationService, repository, ports, domain_settings,
        providers.Singleton(
            CycleSettings, runner=booking_runner, leases=booking_leases,
            retry_same_run_within=providers.Callable(same_run_window, schedule_settings),
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
