"""The OpenTelemetry SDK pipeline behind `tracing_setup.start_tracing` (imported only when tracing is on).

One tracer provider serves both exporters (rather than the distro's `configure_azure_monitor`, which
builds its own providers and instruments its own library list) so that one sampling rule and one
instrumentation set apply whichever exporter is configured:
- requests and botocore are instrumented: every upstream HTTP call and every DynamoDB / SQS / SNS call
  made inside a span becomes its child;
- a call with no span around it (the listener's long poll, the scheduler's lock and selection queries,
  a health check's pings) starts no trace: a root CLIENT span is dropped (`NoLoneCalls`), so probes and
  idle polling send nothing. Everything under a received message, a processed record or an API request
  is kept, and a parent's sampling decision (the W3C sampled flag) is followed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import SpanKind

from ptpu_adapters.observability.telemetry import OTEL_EVENTS_LOGGER
from ptpu_adapters.observability.tracing import TRACER_NAME
from ptpu_runtime.config import Settings
from ptpu_runtime.tracing_setup import AZURE_MONITOR, OTLP, Tracing


class NoLoneCalls(Sampler):
    """Root sampler: drop a CLIENT span that would start a trace (a call made outside any unit of work)."""

    def should_sample(self, parent_context: Any, trace_id: int, name: str, kind: SpanKind | None = None,
                      attributes: Any = None, links: Any = None, trace_state: Any = None) -> SamplingResult:
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "NoLoneCalls"


SAMPLER = ParentBased(root=NoLoneCalls())


def build_pipeline(
    settings: Settings, span_exporters: Sequence[SpanExporter], log_exporters: Sequence[LogRecordExporter]
) -> Tracing:
    """Providers, exporters (batched; the given ones synchronous), the events' log handler, instrumentation."""
    resource = Resource.create({"service.name": settings.otel_service_name})
    # No atexit flush of its own: `ptpu serve` flushes within a bound at its stop (cli), and an atexit flush
    # to an unreachable collector held the exit for its whole retry schedule.
    provider = TracerProvider(resource=resource, sampler=SAMPLER, shutdown_on_exit=False)
    spans, logs = _configured_exporters(settings, provider)
    for _, exporter in spans:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    for exporter in span_exporters:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing = Tracing(provider.get_tracer(TRACER_NAME), tuple(name for name, _ in spans), provider,
                      _event_pipeline(resource, logs, log_exporters))
    for instrumentor in (RequestsInstrumentor(), BotocoreInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider)
            tracing.instrumentors.append(instrumentor)
    return tracing


def _configured_exporters(
    settings: Settings, provider: TracerProvider
) -> tuple[list[tuple[str, SpanExporter]], list[LogRecordExporter]]:
    spans: list[tuple[str, SpanExporter]] = []
    logs: list[LogRecordExporter] = []
    if settings.applicationinsights_connection_string:
        from azure.monitor.opentelemetry.exporter import AzureMonitorLogExporter, AzureMonitorTraceExporter

        connection = settings.applicationinsights_connection_string
        # No offline storage: by default the exporter keeps batches it could not send as files under /tmp,
        # which hold the P2P events' NOMS numbers and CRNs and outlive the process.
        # A batch Azure does not take is dropped instead.
        # Given the provider, it reads the service's resource from it rather than from the global one.
        trace_exporter = AzureMonitorTraceExporter(
            connection_string=connection, tracer_provider=provider, disable_offline_storage=True
        )
        spans.append((AZURE_MONITOR, trace_exporter))
        logs.append(AzureMonitorLogExporter(connection_string=connection, disable_offline_storage=True))
    if settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        base = settings.otel_exporter_otlp_endpoint.rstrip("/")
        spans.append((OTLP, OTLPSpanExporter(endpoint=f"{base}/v1/traces")))
        logs.append(OTLPLogExporter(endpoint=f"{base}/v1/logs"))
    return spans, logs


def _event_pipeline(
    resource: Resource, exporters: Sequence[LogRecordExporter], synchronous: Sequence[LogRecordExporter]
) -> LoggerProvider | None:
    """The P2P events' OTel log records: a handler on the events logger feeding the log exporters."""
    if not exporters and not synchronous:
        return None
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)  # flushed by `ptpu serve` (see above)
    for exporter in exporters:
        provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    for exporter in synchronous:
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    events = logging.getLogger(OTEL_EVENTS_LOGGER)
    events.setLevel(logging.INFO)
    events.propagate = False  # the JSON log line is LoggingTelemetry's; this logger feeds OTel only
    events.addHandler(LoggingHandler(level=logging.INFO, logger_provider=provider))
    return provider
