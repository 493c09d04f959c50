"""The configured exporters really send: OTLP/HTTP to a collector, Azure Monitor to an
Application Insights ingestion endpoint, both played by a loopback stub.

What is checked comes from the receivers' formats, not from our code: OTLP's protobuf
ExportTraceServiceRequest / ExportLogsServiceRequest (opentelemetry-proto), and Application Insights'
ingestion envelopes (RequestData for a CONSUMER span, EventData named after the custom event).
"""

from __future__ import annotations

import gzip
import json
import tempfile
import uuid
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import SpanKind
from pytest_httpserver import HTTPServer

from ptpu_adapters.observability.telemetry import LoggingTelemetry
from ptpu_runtime.config import load_settings
from ptpu_runtime.tracing import start_tracing

REQUIRED = {  # the settings every service needs; unused here (nothing is called)
    "OAUTH_ENDPOINT_URL": "http://auth.local/auth", "OAUTH_CLIENT_ID": "ptpu", "OAUTH_CLIENT_SECRET": "secret",
    "PRISON_ENDPOINT_URL": "http://prison.local", "COMMUNITY_ENDPOINT_URL": "http://community.local",
    "OFFENDER_SEARCH_ENDPOINT_URL": "http://search.local", "DYNAMODB_TABLENAME": "messages",
    "DYNAMODB_SCHEDULE_TABLENAME": "schedule",
}


def unit_of_work_with_an_event(tracing) -> int:
    """A CONSUMER span (as a processed record's) holding a P2P event; returns its trace id."""
    events = LoggingTelemetry(otel_events=True)
    with tracing.tracer.start_as_current_span("process SENTENCE_DATES-CHANGED", kind=SpanKind.CONSUMER) as span:
        events.track_event("P2PSentenceDatesChanged", {"bookingId": "1200840", "crn": "X200005"})
        return int(span.get_span_context().trace_id)


def test_otlp_sends_the_spans_and_the_events_to_the_collector(httpserver: HTTPServer):
    httpserver.expect_request("/otel/v1/traces", method="POST").respond_with_data(b"", status=200)
    httpserver.expect_request("/otel/v1/logs", method="POST").respond_with_data(b"", status=200)
    settings = load_settings({**REQUIRED, "OTEL_EXPORTER_OTLP_ENDPOINT": httpserver.url_for("/otel"),
                              "OTEL_SERVICE_NAME": "ptpu-test"})
    tracing = start_tracing(settings, install_global=False)
    assert tracing.exporters == ("otlp",)
    trace_id = unit_of_work_with_an_event(tracing)
    tracing.shutdown()  # flushes the batches

    bodies = {request.path: request.get_data() for request, _ in httpserver.log}
    traces = ExportTraceServiceRequest.FromString(bodies["/otel/v1/traces"])
    [resource_spans] = traces.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
    [span] = [s for scope in resource_spans.scope_spans for s in scope.spans]
    assert (service, span.name, int.from_bytes(span.trace_id, "big")) == (
        "ptpu-test", "process SENTENCE_DATES-CHANGED", trace_id)
    assert [event.name for event in span.events] == ["P2PSentenceDatesChanged"]
    logs = ExportLogsServiceRequest.FromString(bodies["/otel/v1/logs"])
    [record] = [r for resource in logs.resource_logs for scope in resource.scope_logs for r in scope.log_records]
    attributes = {a.key: a.value.string_value for a in record.attributes}
    assert attributes["microsoft.custom_event.name"] == "P2PSentenceDatesChanged"
    assert (attributes["crn"], int.from_bytes(record.trace_id, "big")) == ("X200005", trace_id)


def envelopes(httpserver: HTTPServer) -> list[dict[str, Any]]:
    found = []
    for request, _ in httpserver.log:
        body = request.get_data()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        text = body.decode()
        found += json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines()]
    return found


def test_azure_monitor_sends_a_request_and_a_custom_event(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path):
    # No call home from a test: the exporter's own usage statistics, its SDK stats and its control plane
    # (settings.sdk.monitor.azure.com) are switched off by the exporter's documented variables.
    for switch in ("STATSBEAT_DISABLED_ALL", "SDKSTATS_DISABLED", "CONTROLPLANE_DISABLED"):
        monkeypatch.setenv(f"APPLICATIONINSIGHTS_{switch}", "true")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the exporter's offline store lives under the temp dir
    httpserver.expect_request("/v2.1/track", method="POST").respond_with_json(
        {"itemsReceived": 1, "itemsAccepted": 1, "errors": []})
    key = str(uuid.uuid4())
    connection = f"InstrumentationKey={key};IngestionEndpoint={httpserver.url_for('/')}"
    tracing = start_tracing(load_settings({**REQUIRED, "APPLICATIONINSIGHTS_CONNECTION_STRING": connection}),
                            install_global=False)
    assert tracing.exporters == ("azure-monitor",)
    trace_id = unit_of_work_with_an_event(tracing)
    tracing.shutdown()

    sent = envelopes(httpserver)
    assert {e["iKey"] for e in sent} == {key}
    [request] = [e for e in sent if e["data"]["baseType"] == "RequestData"]
    assert request["data"]["baseData"]["name"] == "process SENTENCE_DATES-CHANGED"
    assert request["tags"]["ai.operation.id"] == format(trace_id, "032x")
    assert request["tags"]["ai.cloud.role"] == "prison-to-probation-update"
    [event] = [e for e in sent if e["data"]["baseType"] == "EventData"]
    assert event["data"]["baseData"]["name"] == "P2PSentenceDatesChanged"
    assert event["data"]["baseData"]["properties"]["crn"] == "X200005"
    assert event["tags"]["ai.operation.id"] == format(trace_id, "032x")


def test_azure_monitor_keeps_nothing_on_disk_when_application_insights_refuses(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    """Batches Application Insights does not take are dropped, not kept as files under /tmp (the Azure
    exporter's default) holding NOMS numbers and CRNs after every process has stopped."""
    for switch in ("STATSBEAT_DISABLED_ALL", "SDKSTATS_DISABLED", "CONTROLPLANE_DISABLED"):
        monkeypatch.setenv(f"APPLICATIONINSIGHTS_{switch}", "true")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # gettempdir() is cached: TMPDIR alone is too late
    httpserver.expect_request("/v2.1/track", method="POST").respond_with_data(b"busy", status=503)  # retryable
    connection = f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint={httpserver.url_for('/')}"
    tracing = start_tracing(load_settings({**REQUIRED, "APPLICATIONINSIGHTS_CONNECTION_STRING": connection}),
                            install_global=False)
    unit_of_work_with_an_event(tracing)
    tracing.shutdown()

    assert len(httpserver.log) >= 1  # it did try to send them
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
