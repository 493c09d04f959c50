"""Where traces and telemetry events go (issue 11 §5): Azure Monitor, OTLP, both, or nowhere.

- `APPLICATIONINSIGHTS_CONNECTION_STRING` set: spans to Application Insights (requests / dependencies)
  and the `P2P*` telemetry events as customEvents, through the exporters of the azure-monitor-opentelemetry
  distribution (a log record carrying `microsoft.custom_event.name` becomes a custom event).
- `OTEL_EXPORTER_OTLP_ENDPOINT` set: spans and the events (as log records) over OTLP/HTTP to
  `<endpoint>/v1/traces` and `<endpoint>/v1/logs`; the exporter reads the other standard `OTEL_EXPORTER_OTLP_*`
  variables (headers, timeout, compression) itself.
- neither: no tracer provider at all; every span is OpenTelemetry's no-op one.

One tracer provider serves both exporters (rather than the distro's `configure_azure_monitor`, which builds
its own) so that one sampling rule and one instrumentation set apply whichever is configured:
- requests and botocore are instrumented (every upstream HTTP call and every DynamoDB / SQS / SNS call
  inside a span becomes its child), the FastAPI app too, except `/health*`, `/info` and `/prometheus`;
- a call with no span around it (the listener's long poll, the scheduler's lock and selection queries, a
  health check's pings) starts no trace: a root CLIENT span is dropped, so probes and idle polling send
  nothing. Everything under a received message, a processed record or an API request is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from attrs import define, field
from opentelemetry import trace
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import SpanKind, Tracer

from ptpu_adapters.telemetry import OTEL_EVENTS_LOGGER
from ptpu_adapters.tracing import TRACER_NAME
from ptpu_runtime.config import Settings

log = logging.getLogger(__name__)

AZURE_MONITOR = "azure-monitor"
OTLP = "otlp"
# Regular expressions matched (re.search) against the full URL of a request to the API.
UNTRACED_PATHS = r"://[^/]+/health(/[^?]*)?(\?.*)?$,://[^/]+/info/?(\?.*)?$,://[^/]+/prometheus/?(\?.*)?$"


class NoLoneCalls(Sampler):
    """Root sampler: drop a CLIENT span that starts a trace (a call made outside any unit of work)."""

    def should_sample(self, parent_context: Any, trace_id: int, name: str, kind: SpanKind | None = None,
                      attributes: Any = None, links: Any = None, trace_state: Any = None) -> SamplingResult:
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "NoLoneCalls"


SAMPLER = ParentBased(root=NoLoneCalls())


@define
class Tracing:
    """What `start_tracing` set up. `tracer` is the no-op tracer when `exporters` is empty."""

    tracer: Tracer
    exporters: tuple[str, ...] = ()
    provider: TracerProvider | None = None
    logger_provider: LoggerProvider | None = None
    _instrumentors: list[Any] = field(factory=list)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def instrument_app(self, app: Any) -> Any:
        """The FastAPI `app` with server spans for every path but `UNTRACED_PATHS` (unchanged when off)."""
        if self.provider is not None:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            FastAPIInstrumentor.instrument_app(app, tracer_provider=self.provider, excluded_urls=UNTRACED_PATHS)
        return app

    def shutdown(self) -> None:
        """Send what is buffered and undo the instrumentation (at the end of `ptpu serve`, and in tests)."""
        for instrumentor in self._instrumentors:
            instrumentor.uninstrument()
        self._instrumentors.clear()
        events = logging.getLogger(OTEL_EVENTS_LOGGER)
        for handler in [h for h in events.handlers if isinstance(h, LoggingHandler)]:
            events.removeHandler(handler)
        if self.provider is not None:
            self.provider.shutdown()
        if self.logger_provider is not None:
            self.logger_provider.shutdown()


def start_tracing(
    settings: Settings,
    *,
    span_exporters: Sequence[SpanExporter] = (),
    log_exporters: Sequence[LogRecordExporter] = (),
    install_global: bool = True,
) -> Tracing:
    """Set up the exporters `settings` ask for (see the module docstring); none: `Tracing` with the no-op tracer.

    `span_exporters` / `log_exporters` are added as they are, exported synchronously (tests give the SDK's
    in-memory exporters). `install_global` also makes the provider OpenTelemetry's global one (`ptpu serve`;
    the global can be set once per process, so tests leave it). Raises ImportError only if the
    `[service]` extra is incomplete."""
    spans: list[tuple[str, SpanExporter]] = []
    logs: list[LogRecordExporter] = []
    if settings.applicationinsights_connection_string:
        from azure.monitor.opentelemetry.exporter import AzureMonitorLogExporter, AzureMonitorTraceExporter

        connection = settings.applicationinsights_connection_string
        spans.append((AZURE_MONITOR, AzureMonitorTraceExporter(connection_string=connection)))
        logs.append(AzureMonitorLogExporter(connection_string=connection))
    if settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        base = settings.otel_exporter_otlp_endpoint.rstrip("/")
        spans.append((OTLP, OTLPSpanExporter(endpoint=f"{base}/v1/traces")))
        logs.append(OTLPLogExporter(endpoint=f"{base}/v1/logs"))
    if not spans and not span_exporters:
        return Tracing(trace.NoOpTracer())
    resource = Resource.create({"service.name": settings.otel_service_name})
    provider = TracerProvider(resource=resource, sampler=SAMPLER)
    for _, exporter in spans:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    for exporter in span_exporters:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    logger_provider = _event_pipeline(resource, logs, log_exporters)
    tracing = Tracing(provider.get_tracer(TRACER_NAME), tuple(name for name, _ in spans), provider, logger_provider)
    _instrument(tracing, provider)
    if install_global:
        trace.set_tracer_provider(provider)
    log.info("Tracing to %s", " and ".join(tracing.exporters) or "the given exporters")
    return tracing


def _event_pipeline(
    resource: Resource, exporters: Sequence[LogRecordExporter], synchronous: Sequence[LogRecordExporter]
) -> LoggerProvider | None:
    """The P2P events' OTel log records: a handler on the events logger feeding the log exporters."""
    if not exporters and not synchronous:
        return None
    provider = LoggerProvider(resource=resource)
    for exporter in exporters:
        provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    for exporter in synchronous:
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    events = logging.getLogger(OTEL_EVENTS_LOGGER)
    events.setLevel(logging.INFO)
    events.propagate = False  # the JSON log line is LoggingTelemetry's; this logger feeds OTel only
    events.addHandler(LoggingHandler(level=logging.INFO, logger_provider=provider))
    return provider


def _instrument(tracing: Tracing, provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    for instrumentor in (RequestsInstrumentor(), BotocoreInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider)
            tracing._instrumentors.append(instrumentor)
