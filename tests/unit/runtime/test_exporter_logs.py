"""An unreachable collector is a line a minute per exporter logger, not four lines per batch."""

from __future__ import annotations

import logging

from ptpu_runtime.logging_setup import AZURE_HTTP_POLICY, NOISY_LOGGERS, ThrottleExporterLogs, configure_logging


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(name: str, message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_an_exporters_repeated_warnings_pass_once_a_minute_with_the_count_held_back() -> None:
    clock = Clock()
    throttle = ThrottleExporterLogs(clock=clock)
    otlp = "opentelemetry.exporter.otlp.proto.http.trace_exporter"
    passed = []
    for second in range(0, 125, 5):  # a failed batch every 5 s for just over two minutes
        clock.now = float(second)
        line = record(otlp, "Transient error ... Max retries exceeded")
        if throttle.filter(line):
            passed.append((second, line.getMessage()))
    assert passed == [
        (0, "Transient error ... Max retries exceeded"),
        (60, "Transient error ... Max retries exceeded (11 more like this in the last minute, not shown)"),
        (120, "Transient error ... Max retries exceeded (11 more like this in the last minute, not shown)"),
    ]


def test_each_exporter_logger_has_its_own_allowance_and_the_services_own_logs_are_untouched() -> None:
    throttle = ThrottleExporterLogs(clock=Clock())
    assert throttle.filter(record("opentelemetry.sdk._shared_internal", "Failed to export span batch"))
    assert throttle.filter(record("azure.monitor.opentelemetry.exporter.export._base", "Retrying"))
    assert not throttle.filter(record("opentelemetry.sdk._shared_internal", "Failed to export span batch"))
    assert all(throttle.filter(record("ptpu_adapters.sqs.listener", "same line")) for _ in range(5))


def test_azures_per_request_header_dump_is_dropped_but_its_warnings_are_not() -> None:
    throttle = ThrottleExporterLogs(clock=Clock())
    assert not throttle.filter(record(AZURE_HTTP_POLICY, "Request URL: ...", logging.INFO))
    assert throttle.filter(record(AZURE_HTTP_POLICY, "Request failed", logging.WARNING))


def test_the_service_log_handler_throttles_the_exporters(capsys, monkeypatch) -> None:
    handlers: list[logging.Handler] = []
    monkeypatch.setattr(logging, "basicConfig", lambda **config: handlers.extend(config["handlers"]))
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    try:
        configure_logging("INFO", "plain")
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    [handler] = handlers
    for _ in range(3):
        handler.handle(record("opentelemetry.sdk._shared_internal", "Failed to export span batch"))
        handler.handle(record("ptpu_adapters.sqs.listener", "same line"))
    lines = capsys.readouterr().err.splitlines()
    assert sum("Failed to export span batch" in line for line in lines) == 1
    assert sum("same line" in line for line in lines) == 3
