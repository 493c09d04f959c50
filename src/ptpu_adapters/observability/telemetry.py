"""Telemetry events (SPEC §10): JSON log lines, plus the trace pipeline (Azure Monitor, OTLP) when configured."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import trace

from ptpu_core import ports

TELEMETRY_LOGGER = "ptpu.telemetry"
OTEL_EVENTS_LOGGER = "ptpu.otel.events"
# The log record attribute the Azure Monitor exporter turns into a customEvents row of that name.
CUSTOM_EVENT_NAME = "microsoft.custom_event.name"


_LOG_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _string_attributes(attributes: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in attributes.items() if value is not None}


class LoggingTelemetry:
    """One JSON line per event: {"event": name, "attributes": {...}} on logger `ptpu.telemetry`."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or logging.getLogger(TELEMETRY_LOGGER)

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        line = json.dumps({"event": name, "attributes": _string_attributes(attributes)})
        self._log.info(line)


class OpenTelemetryEvents:
    """After `inner`, each event as a span event on the current span and as a log record on `ptpu.otel.events`
    carrying `microsoft.custom_event.name`, which the Azure Monitor exporter sends as a customEvents row (as
    Application Insights' trackEvent did for the existing service) and OTLP as a log record."""

    def __init__(self, inner: ports.Telemetry, logger: logging.Logger | None = None) -> None:
        self._inner = inner
        self._log = logger or logging.getLogger(OTEL_EVENTS_LOGGER)

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        self._inner.track_event(name, attributes)
        values = _string_attributes(attributes)
        trace.get_current_span().add_event(name, values)
        # `extra` may not overwrite LogRecord's own attributes (logging raises), so those are prefixed.
        extra: dict[str, str] = {
            (f"attr_{key}" if key in _LOG_RECORD_ATTRIBUTES else key): value for key, value in values.items()
        }
        extra[CUSTOM_EVENT_NAME] = name
        self._log.info(name, extra=extra)


SENT_TO_DLQ_SUFFIX = "-sent-to-dlq"


class DlqCountingTelemetry:
    """Also counts each hmpps-sqs `<eventType>-sent-to-dlq` event by `count(event_type)`, so
    ptpu_messages_sent_to_dlq_total and App Insights agree."""

    def __init__(self, inner: ports.Telemetry, count: Callable[[str], None]) -> None:
        self.inner = inner
        self._count = count

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        self.inner.track_event(name, attributes)
        if name.endswith(SENT_TO_DLQ_SUFFIX):
            self._count(name.removesuffix(SENT_TO_DLQ_SUFFIX))
