"""One trace from a published SNS message to the community-api write.

The real container against the AWS emulator (moto server) and the simulated HMPPS APIs on loopback; the
tracing pipeline is the production one (`start_tracing`) with the SDK's in-memory exporters added. The
W3C traceparent published with the SNS message is the parent of the listener's span; the stored record
carries the context, so processing (another cycle, here straight after) continues the same trace, down
to the HTTP PUT to community-api and the DynamoDB calls.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from simulated_service_env import simulated_service_env

from ptpu_adapters.observability.tracing import inject_sns_attributes
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_runtime.tracing import Tracing, start_tracing
from ptpu_sandbox.emulator import MotoEmulator
from ptpu_sandbox.simulators import SimulatedHmpps
from ptpu_sandbox.simulators.seed import sentence_dates_changed

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PUBLISHER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PUBLISHER_SPAN}-01"
BOOKING = 1200840  # the sandbox's sentence-dates scenario: a linked prisoner, one key-dates POST
KEY_DATES_PATH = "/secure/offenders/nomsNumber/A5094DY/bookingNumber/38344A/custody/keyDates"


@pytest.fixture
def env(aws_emulator: MotoEmulator, hmpps: SimulatedHmpps) -> dict[str, str]:
    hmpps.reset()
    return simulated_service_env(aws_emulator, hmpps, HTTP_READ_TIMEOUT="2s")


class Traced:
    def __init__(self, env: dict[str, str]) -> None:
        self.spans = InMemorySpanExporter()
        self.logs = InMemoryLogRecordExporter()
        self.container = Container(settings=load_settings(env))
        self.tracing: Tracing = start_tracing(
            self.container.settings(), span_exporters=[self.spans], log_exporters=[self.logs], install_global=False
        )
        self.container.tracing.override(providers.Object(self.tracing))

    def publish(self, attributes: dict[str, dict[str, str]]) -> None:
        """SENTENCE_DATES-CHANGED through SNS with `attributes` beside eventType, as another service
        (prison-offender-events) publishes it: outside this process's botocore instrumentation, which would
        otherwise open its own producer span and replace the traceparent with that span's."""
        event = sentence_dates_changed(BOOKING)
        sns = self.container.aws().sns
        event_type = {"DataType": "String", "StringValue": event.event_type}
        with suppress_instrumentation():
            topic_arn = sns.create_topic(Name=self.container.settings().sns_topic_name)["TopicArn"]
            sns.publish(TopicArn=topic_arn, Message=json.dumps(event.message),
                        MessageAttributes={"eventType": event_type, **attributes})

    def receive(self) -> None:
        listener = self.container.listener()
        for _ in range(5):
            if listener.poll_once():
                return
        raise AssertionError("the published message never reached the queue")

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())


@pytest.fixture
def traced(env: dict[str, str]) -> Iterator[Traced]:
    setup = Traced(env)
    setup.container.queue_urls()  # provisions the queue, topic, subscription and tables
    setup.spans.clear()  # provisioning's calls are outside any unit of work (dropped anyway)
    yield setup
    setup.tracing.shutdown()


def by_name(spans: list[ReadableSpan], prefix: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name.startswith(prefix)]


def is_under(span: ReadableSpan, ancestor: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        above = by_id.get(parent.span_id)
        parent = above.parent if above is not None else None
    return False


def test_one_trace_from_the_published_message_to_the_community_api_call(traced: Traced, hmpps: SimulatedHmpps):
    traced.publish({"traceparent": {"DataType": "String", "StringValue": TRACEPARENT}})
    traced.receive()
    summary = traced.container.synchronisation().process_due()
    assert summary.done == 1

    spans = traced.finished()
    assert {format(s.context.trace_id, "032x") for s in spans} == {TRACE_ID}  # nothing else was traced
    (received,) = by_name(spans, f"{traced.container.settings().sqs_queue_name} process")
    assert received.kind == SpanKind.CONSUMER
    assert received.parent is not None and format(received.parent.span_id, "016x") == PUBLISHER_SPAN
    (record,) = by_name(spans, "process SENTENCE_DATES-CHANGED")
    assert record.parent is not None and record.parent.span_id == received.context.span_id
    assert record.attributes is not None
    assert (record.attributes["ptpu.booking.id"], record.attributes["ptpu.outcome"]) == (BOOKING, "Done")
    assert record.attributes["ptpu.status"] == "COMPLETED"

    # The listener's calls: prison-api validation reads and the DynamoDB put, under the received message.
    received_children = [s for s in spans if is_under(s, received, spans)]
    assert "DynamoDB.PutItem" in {s.name for s in received_children}
    assert any(s.kind == SpanKind.CLIENT and str(s.attributes.get("http.url", "")).startswith(hmpps.prison_url)
               for s in received_children if s.attributes is not None)
    assert "SQS.DeleteMessage" in {s.name for s in received_children}
    # Processing's calls, under the record: the key-dates POST to community-api, and one store write: the
    # save of the outcome, carrying the record's journal.
    record_children = [s for s in spans if is_under(s, record, spans)]
    (put,) = [s for s in record_children
              if s.attributes is not None and s.attributes.get("http.url") == hmpps.community_url + KEY_DATES_PATH]
    assert (put.kind, put.attributes["http.method"], put.attributes["http.status_code"]) == (
        SpanKind.CLIENT, "POST", 200)
    writes = [s.name for s in record_children if s.name.startswith("DynamoDB.") and "Get" not in s.name
              and "Query" not in s.name]
    assert len(writes) == 1, writes
    # The P2P event is a span event on the record's span and a customEvents log record in the same trace.
    assert "P2PSentenceDatesChanged" in [e.name for e in record.events]
    (event,) = [r for r in traced.logs.get_finished_logs()
                if r.log_record.attributes.get("microsoft.custom_event.name") == "P2PSentenceDatesChanged"]
    assert format(event.log_record.trace_id, "032x") == TRACE_ID
    assert event.log_record.attributes["bookingId"] == str(BOOKING)


def test_the_sns_envelope_context_is_used_when_the_sqs_message_has_none(traced: Traced):
    # SNS to SQS without raw delivery: the traceparent arrives inside the envelope's MessageAttributes only.
    traced.publish({"traceparent": {"DataType": "String", "StringValue": TRACEPARENT},
                    "tracestate": {"DataType": "String", "StringValue": "rojo=00f067aa0ba902b7"}})
    traced.receive()
    (received,) = by_name(traced.finished(), f"{traced.container.settings().sqs_queue_name} process")
    assert format(received.context.trace_id, "032x") == TRACE_ID
    assert received.context.trace_state.get("rojo") == "00f067aa0ba902b7"
    (stored,) = [m for m in traced.container.repository().unprocessed_for_booking(BOOKING)]
    assert stored.trace_parent is not None and stored.trace_parent.split("-")[1] == TRACE_ID
    assert stored.trace_state == "rojo=00f067aa0ba902b7"


def test_a_failing_upstream_marks_its_span_and_the_record_span_failed(traced: Traced, hmpps: SimulatedHmpps):
    hmpps.community.inject_fault(status=500, paths=KEY_DATES_PATH, methods=["POST"])
    traced.publish({"traceparent": {"DataType": "String", "StringValue": TRACEPARENT}})
    traced.receive()
    summary = traced.container.synchronisation().process_due()
    assert (summary.errors, summary.retried) == (1, 1)

    spans = traced.finished()
    (record,) = by_name(spans, "process SENTENCE_DATES-CHANGED")
    assert record.status.status_code == StatusCode.ERROR
    (exception,) = [e for e in record.events if e.name == "exception"]
    assert exception.attributes is not None and "500" in str(exception.attributes["exception.message"])
    puts = [s for s in spans if s.attributes is not None and s.attributes.get("http.url") == hmpps.community_url
            + KEY_DATES_PATH]
    assert puts and all(s.status.status_code == StatusCode.ERROR for s in puts)
    assert all(s.attributes["http.status_code"] == 500 for s in puts)
    assert {format(s.context.trace_id, "032x") for s in puts} == {TRACE_ID}


def test_a_poison_message_marks_the_received_message_span_failed(traced: Traced):
    aws = traced.container.aws()
    aws.sqs.send_message(
        QueueUrl=traced.container.queue_urls().queue_url, MessageBody="not an SNS envelope",
        MessageAttributes={"traceparent": {"DataType": "String", "StringValue": TRACEPARENT}},
    )
    traced.receive()
    (received,) = by_name(traced.finished(), f"{traced.container.settings().sqs_queue_name} process")
    assert format(received.context.trace_id, "032x") == TRACE_ID  # read from the SQS message attributes
    assert received.status.status_code == StatusCode.ERROR
    assert [e.attributes["exception.type"] for e in received.events if e.name == "exception"] == [
        "ptpu_core.errors.InvalidMessage"]


def test_health_info_and_metrics_produce_no_telemetry_other_requests_do(traced: Traced, hmpps: SimulatedHmpps):
    app = traced.tracing.instrument_app(traced.container.app())
    client = TestClient(app)
    for path in ("/health", "/health/ping", "/health/liveness", "/health/readiness", "/info", "/prometheus"):
        client.get(path)
    assert traced.finished() == []  # neither server spans nor the pings' and DynamoDB's client spans

    assert client.get("/report/in-progress").status_code == 401  # any other request is traced
    (request,) = traced.finished()
    assert request.kind == SpanKind.SERVER and request.attributes is not None
    assert request.attributes["http.status_code"] == 401


def test_a_domain_event_published_inside_a_record_span_carries_its_trace(traced: Traced):
    # What the domain-event publisher does with inject_sns_attributes: a subscriber of the topic (an SQS
    # queue, SNS envelope delivery) finds the record's trace id in the envelope's traceparent.
    aws = traced.container.aws()
    suffix = uuid.uuid4().hex[:8]
    topic_arn = aws.sns.create_topic(Name=f"domain-events-{suffix}")["TopicArn"]
    queue_url = aws.sqs.create_queue(QueueName=f"consumer-{suffix}")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    event_type = {"DataType": "String", "StringValue": "probation-case.prison-identifier.added"}

    with traced.tracing.tracer.start_as_current_span("process IMPRISONMENT_STATUS-CHANGED") as record:
        aws.sns.publish(TopicArn=topic_arn, Message="{}", MessageAttributes=inject_sns_attributes(
            {"eventType": event_type}))
    [delivered] = aws.sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2)["Messages"]

    envelope = json.loads(delivered["Body"])
    traceparent = envelope["MessageAttributes"]["traceparent"]
    assert traceparent["Type"] == "String"
    assert traceparent["Value"].split("-")[1] == format(record.get_span_context().trace_id, "032x")
    assert envelope["MessageAttributes"]["eventType"]["Value"] == "probation-case.prison-identifier.added"
