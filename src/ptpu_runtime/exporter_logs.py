"""The trace exporters' own complaints, at most one line a minute each.

With the collector or Application Insights unreachable, the OpenTelemetry and Azure exporters log every
failed batch: about four WARNING/ERROR lines per batch, for spans and for logs, for as long as there is
traffic; and Azure's HTTP policy logs every request's headers at INFO. `ThrottleExporterLogs` (a logging
filter on the root handlers) lets the first record of each of their loggers through, then one a minute
with the count of those held back; the HTTP policy's INFO lines are dropped. The service's own logs are
untouched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

EXPORTER_LOGGERS = ("opentelemetry.", "azure.")
AZURE_HTTP_POLICY = "azure.core.pipeline.policies.http_logging_policy"
INTERVAL_SECONDS = 60.0


class ThrottleExporterLogs(logging.Filter):
    """Per logger under EXPORTER_LOGGERS: the first record, then at most one per `interval_seconds` (its
    message followed by how many were held back). `clock` returns seconds (time.monotonic by default)."""

    def __init__(self, interval_seconds: float = INTERVAL_SECONDS, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._interval = interval_seconds
        self._clock = clock or time.monotonic
        self._guard = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(EXPORTER_LOGGERS):
            return True
        if record.name == AZURE_HTTP_POLICY and record.levelno < logging.WARNING:
            return False
        with self._guard:
            now = self._clock()
            last = self._last.get(record.name)
            if last is not None and now - last < self._interval:
                self._held[record.name] = self._held.get(record.name, 0) + 1
                return False
            held = self._held.pop(record.name, 0)
            self._last[record.name] = now
        if held:
            record.msg = f"{record.getMessage()} ({held} more like this in the last minute, not shown)"
            record.args = None
        return True


def throttle_exporter_logs(filter_: ThrottleExporterLogs | None = None) -> ThrottleExporterLogs:
    """Install the filter on every handler of the root logger (once per handler); returns it."""
    chosen = filter_ or ThrottleExporterLogs()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, ThrottleExporterLogs) for existing in handler.filters):
            handler.addFilter(chosen)
    return chosen
