"""Telemetry events (SPEC §10): structured log lines by default, Application Insights when configured."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from ptpu_core import ports

TELEMETRY_LOGGER = "ptpu.telemetry"


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


class ApplicationInsightsTelemetry:
    """Custom events to Application Insights through azure-monitor-opentelemetry (the `azure` extra).

    The exporter turns a log record carrying `microsoft.custom_event.name` into a custom event.
    Imported lazily so the service runs without the extra installed.
    """

    LOGGER_NAME = "ptpu.appinsights.events"

    def __init__(self, connection_string: str) -> None:
        from azure.monitor.opentelemetry import configure_azure_monitor

        configure_azure_monitor(connection_string=connection_string, logger_name=self.LOGGER_NAME)
        self._log = logging.getLogger(self.LOGGER_NAME)
        self._log.setLevel(logging.INFO)

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        # `extra` may not overwrite LogRecord's own attributes (logging raises), so those are prefixed.
        extra = {
            (f"attr_{key}" if key in _LOG_RECORD_ATTRIBUTES else key): value
            for key, value in _string_attributes(attributes).items()
        }
        extra["microsoft.custom_event.name"] = name
        self._log.info(name, extra=extra)


def _satisfies_port(adapter: LoggingTelemetry) -> ports.Telemetry:
    return adapter  # mypy proves LoggingTelemetry implements the port
