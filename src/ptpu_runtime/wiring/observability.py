"""The observability wing: clock, Prometheus registry and metrics, telemetry events, tracing, upstream calls."""

from __future__ import annotations

from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry

from ptpu_adapters.http.calls import UpstreamCalls
from ptpu_adapters.observability.metrics import PrometheusMetrics
from ptpu_adapters.observability.telemetry import LoggingTelemetry
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.ports import Telemetry
from ptpu_runtime.config import Settings
from ptpu_runtime.tracing import Tracing, start_tracing

UPSTREAM_APIS = ("prison-api", "community-api", "offender-search")


def _telemetry(tracing: Tracing, metrics: PrometheusMetrics) -> Telemetry:
    """JSON log lines (with tracing on, span events and log records too); DLQ events also counted."""
    return LoggingTelemetry(otel_events=tracing.enabled, count_sent_to_dlq=metrics.sent_to_dlq)


class Observability(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    tracing = providers.Singleton(start_tracing, settings)  # exporters per settings; shut down by `serve`
    registry = providers.Singleton(CollectorRegistry, auto_describe=True)
    metrics = providers.Singleton(PrometheusMetrics, registry)
    telemetry = providers.Singleton(_telemetry, tracing, metrics)
    # Every upstream call's metrics, and each API's recent calls for its /health component.
    upstream_calls = providers.Singleton(UpstreamCalls, registry, UPSTREAM_APIS)
