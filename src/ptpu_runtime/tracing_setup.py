"""Where traces and telemetry events go: Azure Monitor, OTLP, both, or nowhere.

- `APPLICATIONINSIGHTS_CONNECTION_STRING` set: spans to Application Insights (requests / dependencies)
  and the `P2P*` telemetry events as customEvents, through the exporters of the azure-monitor-opentelemetry
  distribution (a log record carrying `microsoft.custom_event.name` becomes a custom event).
- `OTEL_EXPORTER_OTLP_ENDPOINT` set: spans and the events (as log records) over OTLP/HTTP to
  `<endpoint>/v1/traces` and `<endpoint>/v1/logs`; the exporter reads the other standard
  `OTEL_EXPORTER_OTLP_*` variables (headers, timeout, compression) itself.
- neither: no tracer provider at all (the OpenTelemetry SDK is not even imported); every span is the
  API's no-op one.

What the pipeline holds (sampler, instrumentation, processors) is in `tracing_pipeline`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrs import define, field
from opentelemetry import trace
from opentelemetry.trace import Tracer

from ptpu_adapters.observability.telemetry import OTEL_EVENTS_LOGGER
from ptpu_runtime.config import Settings
from ptpu_runtime.exporter_logs import throttle_exporter_logs

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import LogRecordExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger(__name__)

AZURE_MONITOR = "azure-monitor"
OTLP = "otlp"
# Regular expressions matched (re.search) against the full URL of a request to the API: no request
# telemetry for the probes, the build info and the metrics scrape.
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
    settings: Settings,
    *,
    span_exporters: Sequence[SpanExporter] = (),
    log_exporters: Sequence[LogRecordExporter] = (),
    install_global: bool = True,
) -> Tracing:
    """Set up the exporters `settings` ask for (see the module docstring); none: `Tracing` with the no-op tracer.

    `span_exporters` / `log_exporters` are added as they are and exported synchronously (tests give the
    SDK's in-memory exporters). `install_global` also makes the provider OpenTelemetry's global one (the
    global can be set once per process, so tests leave it)."""
    if not (settings.applicationinsights_connection_string or settings.otel_exporter_otlp_endpoint or span_exporters):
        return Tracing(trace.NoOpTracer())
    from ptpu_runtime.tracing_pipeline import build_pipeline

    tracing = build_pipeline(settings, span_exporters, log_exporters)
    throttle_exporter_logs()  # an unreachable collector is a line a minute, not four per batch
    if install_global:
        trace.set_tracer_provider(tracing.provider)  # type: ignore[arg-type]  # enabled: a provider
    log.info("Tracing to %s", " and ".join(tracing.exporters) or "the given exporters")
    return tracing
