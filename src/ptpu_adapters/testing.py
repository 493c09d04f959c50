"""Test support for the adapters: the real adapters checked against the core's ports by mypy."""

from __future__ import annotations

from ptpu_adapters.http.community_api import CommunityApiClient, DryRunCommunityApi
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_adapters.observability.metrics import PrometheusMetrics
from ptpu_adapters.observability.telemetry import LoggingTelemetry
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher, NoDomainEventTopic, SnsDomainEventPublisher
from ptpu_core import ports
from ptpu_core.use_cases.resync import LatestBookings


def _conforms(
    community: CommunityApiClient, dry_run: DryRunCommunityApi, search: OffenderSearchClient, prison: PrisonApiClient,
    metrics: PrometheusMetrics, logging: LoggingTelemetry,
    sns: SnsDomainEventPublisher, dry_sns: DryRunDomainEventPublisher, no_topic: NoDomainEventTopic,
) -> None:
    """Never called: mypy checks here that each adapter satisfies its port."""
    _community: list[ports.CommunityApi] = [community, dry_run]
    _search: ports.OffenderSearchApi = search
    _prison: ports.PrisonApi = prison
    _latest: LatestBookings = prison
    _metrics: ports.Metrics = metrics
    _telemetry: ports.Telemetry = logging
    _publishers: list[ports.DomainEventPublisher] = [sns, dry_sns, no_topic]
