"""Where traces and the `P2P*` events go: Application Insights, OTLP/HTTP, both through one provider, or neither
(the OpenTelemetry SDK not imported, every span the API's no-op one)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrs import define, field
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from ptpu_adapters.observability.telemetry import OTEL_EVENTS_LOGGER
from ptpu_adapters.observability.tracing import TRACER_NAME
from ptpu_runtime.config import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import LogRecordExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.sdk.trace.sampling import Sampler

log = logging.getLogger(__name__)

AZURE_MONITOR = "azure-monitor"
OTLP = "otlp"
# Matched (re.search) against a request's full URL: no request spans for the probes, /info and the scrape.
UNTRACED_PATHS = r"://[^/]+/health(/[^?]*)?(\?.*)?$,://[^/]+/info/?(\?.*)?$,://[^/]+/prometheus/?(\?.*)?$"


@define
class Tracing:
    """What `start_tracing` set up. Off (`enabled` False): `tracer` is the API's no-op tracer, nothing else."""

    tracer: Tracer
    exporters: tuple[str, ...] = ()
    provider: TracerProvider | None = None
    logger_provider: LoggerProvider | None = None
    instrumentors: list[Any] = field(factory=list)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def instrument_app(self, app: Any) -> Any:
        """The FastAPI `app` with one SERVER span per request except `UNTRACED_PATHS` (unchanged when off)."""
        if self.provider is not None:
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            # Not the ASGI receive/send spans inside each request: they say nothing here.
            FastAPIInstrumentor.instrument_app(app, tracer_provider=self.provider, excluded_urls=UNTRACED_PATHS,
                                               exclude_spans=["receive", "send"])
        return app

    def shutdown(self) -> None:
        """Send what is buffered and undo the instrumentation (at the end of `ptpu serve`, and in tests)."""
        for instrumentor in self.instrumentors:
            instrumentor.uninstrument()
        self.instrumentors.clear()
        events = logging.getLogger(OTEL_EVENTS_LOGGER)
        for handler in list(events.handlers):
            events.removeHandler(handler)
        if self.provider is not None:
            self.provider.shutdown()
        if self.logger_provider is not None:
            self.logger_provider.shutdown()


def start_tracing(
    settings: Settings, *, span_exporters: Sequence[SpanExporter] = (), log_exporters: Sequence[LogRecordExporter] = (),
    install_global: bool = True,
) -> Tracing:
    """Providers, exporters (batched; tests' `span_exporters` / `log_exporters` synchronous) and instrumentation;
    the P2P events' OTel log records from a handler on the events logger."""
    if not (settings.applicationinsights_connection_string or settings.otel_exporter_otlp_endpoint or span_exporters):
        return Tracing(trace.NoOpTracer())
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, SimpleLogRecordProcessor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased

    resource = Resource.create({"service.name": settings.otel_service_name})
    # No atexit flush: `ptpu serve` flushes within a bound at its stop.
    provider = TracerProvider(resource=resource, sampler=ParentBased(root=no_lone_calls()), shutdown_on_exit=False)
    logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    spans, logs = _configured_exporters(settings, provider)
    for processor in [*map(BatchSpanProcessor, spans.values()), *map(SimpleSpanProcessor, span_exporters)]:
        provider.add_span_processor(processor)
    for log_processor in [*map(BatchLogRecordProcessor, logs), *map(SimpleLogRecordProcessor, log_exporters)]:
        logger_provider.add_log_record_processor(log_processor)
    events = logging.getLogger(OTEL_EVENTS_LOGGER)
    events.setLevel(logging.INFO)
    events.propagate = False  # the JSON log line is LoggingTelemetry's; this logger feeds OTel only
    events.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))
    tracing = Tracing(provider.get_tracer(TRACER_NAME), tuple(spans), provider, logger_provider)
    for instrumentor in (RequestsInstrumentor(), BotocoreInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider)
            tracing.instrumentors.append(instrumentor)
    if install_global:
        trace.set_tracer_provider(provider)
    log.info("Tracing to %s", " and ".join(tracing.exporters) or "the given exporters")
    return tracing


def no_lone_calls() -> Sampler:
    """The root sampler: a CLIENT span that would start a trace (the long poll, lock queries, pings) is dropped."""
    from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

    class NoLoneCalls(Sampler):
        def should_sample(self, parent_context: Any, trace_id: int, name: str, kind: SpanKind | None = None,
                          attributes: Any = None, links: Any = None, trace_state: Any = None) -> SamplingResult:
            if kind == SpanKind.CLIENT:
                return SamplingResult(Decision.DROP)
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

        def get_description(self) -> str:
            return "NoLoneCalls"

    return NoLoneCalls()


def _configured_exporters(
    settings: Settings, provider: TracerProvider
) -> tuple[dict[str, SpanExporter], list[LogRecordExporter]]:
    spans: dict[str, SpanExporter] = {}
    logs: list[LogRecordExporter] = []
    if settings.applicationinsights_connection_string:
        from azure.monitor.opentelemetry.exporter import AzureMonitorLogExporter, AzureMonitorTraceExporter

        connection = settings.applicationinsights_connection_string
        # No offline storage: files under /tmp would keep NOMS numbers and CRNs beyond the process.
        spans[AZURE_MONITOR] = AzureMonitorTraceExporter(
            connection_string=connection, tracer_provider=provider, disable_offline_storage=True)
        logs.append(AzureMonitorLogExporter(connection_string=connection, disable_offline_storage=True))
    if settings.otel_exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        base = settings.otel_exporter_otlp_endpoint.rstrip("/")
        spans[OTLP] = OTLPSpanExporter(endpoint=f"{base}/v1/traces")
        logs.append(OTLPLogExporter(endpoint=f"{base}/v1/logs"))
    return spans, logs
