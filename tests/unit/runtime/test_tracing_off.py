"""With neither exporter configured there is no tracing at all: no tracer provider, no
instrumentation, not even the OpenTelemetry SDK imported; telemetry events stay JSON log lines only.

Run in a fresh interpreter, since instrumentation and the global provider are process-wide."""

import json
import os
import subprocess
import sys

from required_settings import REQUIRED

PROBE = """
import json, sys
import requests
import botocore.client
from opentelemetry import trace
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container

container = Container(settings=load_settings())
tracing = container.tracing()
service = container.synchronisation()
print(json.dumps({
    "enabled": tracing.enabled,
    "exporters": list(tracing.exporters),
    "tracer": type(tracing.tracer).__name__,
    "sdk_loaded": sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "azure.monitor",
                                                                   "opentelemetry.exporter"))),
    "requests_patched": hasattr(requests.Session.send, "__wrapped__"),  # instrumented_send wraps it
    "botocore_patched": "Wrapper" in type(botocore.client.BaseClient.__dict__["_make_api_call"]).__name__,
    "global_provider": type(trace.get_tracer_provider()).__name__,
    "telemetry": type(container.telemetry()).__name__,
    "otel_events": container.telemetry().otel_events,
    "record_tracing": type(service._cycle.tracing).__name__,
}))
"""


def probe(**env: str) -> dict[str, object]:
    environment = {"PATH": os.environ.get("PATH", ""), **REQUIRED, **env}
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_nothing_configured_means_no_provider_no_instrumentation_no_sdk():
    assert probe() == {
        "enabled": False,
        "exporters": [],
        "tracer": "NoOpTracer",
        "sdk_loaded": [],
        "requests_patched": False,
        "botocore_patched": False,
        "global_provider": "ProxyTracerProvider",
        "telemetry": "LoggingTelemetry",
        "otel_events": False,
        "record_tracing": "NoTracing",
    }


def test_an_otlp_endpoint_turns_the_pipeline_on():
    # The exporter is built but nothing is sent: no span is started in the probe (and 127.0.0.1:9 is discard).
    seen = probe(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
    assert (seen["enabled"], seen["exporters"], seen["tracer"]) == (True, ["otlp"], "Tracer")
    assert (seen["requests_patched"], seen["botocore_patched"]) == (True, True)
    assert (seen["global_provider"], seen["otel_events"], seen["record_tracing"]) == (
        "TracerProvider", True, "OpenTelemetryRecords")
