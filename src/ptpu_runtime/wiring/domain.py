"""The domain wing: the core's use cases (receive, synchronise, re-sync) and the booking workers."""

from __future__ import annotations

from dependency_injector import containers, providers

from ptpu_adapters.http.community_api import DryRunCommunityApi
from ptpu_adapters.observability.tracing import OpenTelemetryRecords
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher
from ptpu_core.rules.booking_order import PodSpread
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.use_cases.receive import EventReceiver
from ptpu_core.use_cases.resync import Resync
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.cycle import NO_TRACING, CycleSettings, RecordTracing
from ptpu_core.work.unit_of_work import DryRun, Ports
from ptpu_runtime.config import Settings
from ptpu_runtime.scheduling import ScheduleSettings, same_run_window
from ptpu_runtime.tracing import Tracing
from ptpu_runtime.workers import ThreadedRunner


def _record_tracing(tracing: Tracing) -> RecordTracing:
    """With tracing on, each record's processing and save in its own span; off, nothing."""
    return OpenTelemetryRecords(tracing.tracer) if tracing.enabled else NO_TRACING


def _schedule_settings(settings: Settings) -> ScheduleSettings:
    crons = {RetryTier.SHORT: settings.short_retry_cron, RetryTier.MEDIUM: settings.medium_retry_cron,
             RetryTier.LONG: settings.long_retry_cron}
    return ScheduleSettings(
        processing_enabled=settings.message_processor_enabled, processing_delay=settings.message_processor_delay,
        crons=crons, lock_at_most=settings.lock_at_most, system_failure_delay=settings.system_failure_retry_delay,
        system_failure_limit=settings.system_failure_retry_limit)


class Domain(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    observability = providers.DependenciesContainer()
    cloud = providers.DependenciesContainer()
    upstreams = providers.DependenciesContainer()
    prison_api, repository, leases = upstreams.prison_api, cloud.repository, cloud.booking_leases

    domain_settings = providers.Singleton(settings.provided.domain.call())
    schedule_settings = providers.Singleton(_schedule_settings, settings)
    booking_runner = providers.Singleton(ThreadedRunner, settings.provided.processor_workers)

    receiver = providers.Singleton(
        EventReceiver, prison_api, repository, observability.clock, domain_settings, metrics=observability.metrics)
    # The real community-api client: a dry run reports through DryRunCommunityApi instead.
    ports = providers.Singleton(
        Ports, prison_api, upstreams.community_api, upstreams.offender_search, observability.telemetry,
        observability.metrics, observability.clock, cloud.domain_events)
    synchronisation = providers.Singleton(
        SynchronisationService, repository, ports, domain_settings,
        providers.Singleton(
            CycleSettings, runner=booking_runner, leases=leases,
            retry_same_run_within=providers.Callable(same_run_window, schedule_settings),
            # Pods start apart; leases without an owner give a seed drawn at random.
            booking_order=providers.Factory(PodSpread, providers.Callable(getattr, leases, "locked_by", None)),
            tracing=providers.Callable(_record_tracing, observability.tracing)),
        dry_run=providers.Singleton(DryRun, providers.Object(DryRunCommunityApi)))
    resync = providers.Singleton(
        Resync, ports, domain_settings, prison_api, leases=leases, owed_announcements=repository,
        dry_run=providers.Singleton(
            DryRun, providers.Object(DryRunCommunityApi), providers.Object(DryRunDomainEventPublisher)))
