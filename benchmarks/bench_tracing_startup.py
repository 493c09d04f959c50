"""Tracing's cost: start-up time per exporter configuration, and the cost of one received-message
span with tracing off (the API's no-op tracer) and on (the SDK, an in-memory exporter).

Each start-up figure is a fresh interpreter importing the container and calling `start_tracing` (median of
5). Nothing is sent: the Azure connection string and the OTLP endpoint point at a closed loopback port, and
no span is started. Prints a small table; run with `.venv/bin/python benchmarks/bench_tracing_startup.py`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import timeit

REQUIRED = {
    "OAUTH_ENDPOINT_URL": "http://127.0.0.1:9/auth", "OAUTH_CLIENT_ID": "ptpu", "OAUTH_CLIENT_SECRET": "secret",
    "PRISON_ENDPOINT_URL": "http://127.0.0.1:9", "COMMUNITY_ENDPOINT_URL": "http://127.0.0.1:9",
    "OFFENDER_SEARCH_ENDPOINT_URL": "http://127.0.0.1:9", "DYNAMODB_TABLENAME": "messages",
    "DYNAMODB_SCHEDULE_TABLENAME": "schedule",
    # No call home while measuring (the Azure exporter's own statistics and control plane).
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true", "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
}
AZURE = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/"
CONFIGURATIONS = {
    "none": {},
    "otlp": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
    "azure-monitor": {"APPLICATIONINSIGHTS_CONNECTION_STRING": AZURE},
    "both": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "APPLICATIONINSIGHTS_CONNECTION_STRING": AZURE},
}
PROBE = """
import time
started = time.perf_counter()
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
imported = time.perf_counter()
Container(settings=load_settings()).tracing()
print(imported - started, time.perf_counter() - imported)
"""


def start_up(extra: dict[str, str]) -> tuple[float, float]:
    runs = []
    for _ in range(5):
        env = {"PATH": os.environ.get("PATH", ""), **REQUIRED, **extra}
        out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
        imports, tracing = (float(x) for x in out.stdout.split())
        runs.append((imports, tracing))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def span_cost(enabled: bool) -> float:
    from opentelemetry import trace

    from ptpu_adapters.observability.tracing import received_message_span

    if enabled:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        provider = TracerProvider()
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("bench")
    else:
        tracer = trace.NoOpTracer()
    body = '{"Type":"Notification","Message":"{}","MessageAttributes":{"traceparent":{"Type":"String",' \
           '"Value":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}'
    message = {"MessageId": "m", "Body": body}

    def one() -> None:
        with received_message_span(tracer, message, "queue"):
            pass
        if enabled:
            exporter.clear()

    n = 20_000
    return timeit.timeit(one, number=n) / n


def main() -> None:
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"Tracing start-up and span cost ({started}, {os.cpu_count()} cores, Python {sys.version.split()[0]})")
    print("| configuration | import container (s) | start_tracing (s) |")
    print("|---|---|---|")
    for name, extra in CONFIGURATIONS.items():
        imports, tracing = start_up(extra)
        print(f"| {name} | {imports:.2f} | {tracing:.3f} |")
    print(f"received-message span, tracing off: {span_cost(False) * 1e6:.1f} µs")
    print(f"received-message span, tracing on (SDK, in-memory exporter): {span_cost(True) * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
