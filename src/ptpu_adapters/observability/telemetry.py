"""Telemetry events (SPEC §10): JSON log lines, plus the trace pipeline (Azure Monitor, OTLP) when configured."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping

from opentelemetry import trace

TELEMETRY_LOGGER = "ptpu.telemetry"
OTEL_EVENTS_LOGGER = "ptpu.otel.events"
# The log record attribute the Azure Monitor exporter turns into a customEvents row of that name.
CUSTOM_EVENT_NAME = "microsoft.custom_event.name"


_LOG_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
SENT_TO_DLQ_SUFFIX = "-sent-to-dlq"


class LoggingTelemetry:
    """One JSON line per event, {"event": name, "attributes": {...}}, on `logger` (default `ptpu.telemetry`).
    With `otel_events`, each event also as a span event on the current span and as a log record on
    `ptpu.otel.events` carrying `microsoft.custom_event.name`, which the Azure Monitor exporter sends as a
    customEvents row (as Application Insights' trackEvent did for the existing service) and OTLP as a log record.
    Each hmpps-sqs `<eventType>-sent-to-dlq` event is also counted by `count_sent_to_dlq(event_type)`, so
    ptpu_messages_sent_to_dlq_total and App Insights agree."""

    def __init__(
        self, logger: logging.Logger | None = None, *, otel_events: bool = False,
        count_sent_to_dlq: Callable[[str], None] | None = None,
    ) -> None:
        self._log = logger or logging.getLogger(TELEMETRY_LOGGER)
        self.otel_events = otel_events
        self._otel_log = logging.getLogger(OTEL_EVENTS_LOGGER)
        self._count_sent_to_dlq = count_sent_to_dlq

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        values = {key: str(value) for key, value in attributes.items() if value is not None}
        self._log.info(json.dumps({"event": name, "attributes": values}))
        if self.otel_events:
            trace.get_current_span().add_event(name, values)
            # `extra` may not overwrite LogRecord's own attributes (logging raises), so those are prefixed.
            extra: dict[str, str] = {
                (f"attr_{key}" if key in _LOG_RECORD_ATTRIBUTES else key): value for key, value in values.items()
            }
            extra[CUSTOM_EVENT_NAME] = name
            self._otel_log.info(name, extra=extra)
        if self._count_sent_to_dlq is not None and name.endswith(SENT_TO_DLQ_SUFFIX):
            self._count_sent_to_dlq(name.removesuffix(SENT_TO_DLQ_SUFFIX))
