"""W3C trace context across SNS/SQS and the stored record, with the SDK and its in-memory exporter.

Formats checked against the W3C Trace Context recommendation (traceparent = version-traceid-parentid-flags)
and AWS's message-attribute shapes: SNS Publish takes {"DataType", "StringValue"}; an SNS notification
delivered to SQS carries {"Type", "Value"}; SQS's ReceiveMessage answers {"DataType", "StringValue"}.
"""

import json
from datetime import UTC, datetime

import pytest
from attrs import evolve
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState, use_span

from ptpu_adapters.observability.tracing import (
    context_from_fields,
    current_trace_fields,
    inject_sns_attributes,
    message_trace_fields,
    record_context,
    with_current_trace,
)
from ptpu_core.models.record import Message

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
SPAN_ID = 0x00F067AA0BA902B7
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def remote_span(state: TraceState | None = None) -> NonRecordingSpan:
    return NonRecordingSpan(SpanContext(TRACE_ID, SPAN_ID, is_remote=True, trace_flags=TraceFlags(1),
                                        trace_state=state or TraceState()))


def test_sns_attributes_get_the_current_context_as_string_attributes():
    event_type = {"DataType": "String", "StringValue": "probation-case.prison-identifier.added"}
    given = {"eventType": event_type}
    with use_span(remote_span(TraceState([("rojo", "00f067aa0ba902b7")]))):
        attributes = inject_sns_attributes(given)
    assert attributes == {
        "eventType": event_type,
        "traceparent": {"DataType": "String", "StringValue": TRACEPARENT},
        "tracestate": {"DataType": "String", "StringValue": "rojo=00f067aa0ba902b7"},
    }
    assert given == {"eventType": event_type}  # the caller's dict is left as it was


def test_sns_attributes_of_a_child_span_name_the_child_in_the_same_trace():
    provider = TracerProvider()
    with use_span(remote_span()), provider.get_tracer("t").start_as_current_span("publish") as child:
        attributes = inject_sns_attributes()
    version, trace_id, parent_id, flags = attributes["traceparent"]["StringValue"].split("-")
    assert (version, trace_id, flags) == ("00", f"{TRACE_ID:032x}", "01")
    assert parent_id == f"{child.get_span_context().span_id:016x}" != f"{SPAN_ID:016x}"
    assert "tracestate" not in attributes  # an empty tracestate is not sent


def test_without_a_span_nothing_is_added():
    assert inject_sns_attributes({"eventType": {"DataType": "String", "StringValue": "x"}}) == {
        "eventType": {"DataType": "String", "StringValue": "x"}
    }
    assert current_trace_fields() == {}


def test_context_read_from_sqs_attributes_first_then_the_sns_envelope():
    envelope_parent = "00-11111111111111111111111111111111-2222222222222222-01"
    body = json.dumps({"Type": "Notification", "Message": "{}",
                       "MessageAttributes": {"traceparent": {"Type": "String", "Value": envelope_parent}}})
    assert message_trace_fields({"Body": body}) == {"traceparent": envelope_parent}
    sqs = {"Body": body, "MessageAttributes": {"traceparent": {"DataType": "String", "StringValue": TRACEPARENT}}}
    assert message_trace_fields(sqs) == {"traceparent": TRACEPARENT}


@pytest.mark.parametrize("body", ["not json", "[1]", json.dumps({"MessageAttributes": "x"}), ""])
def test_a_body_without_an_envelope_carries_no_context(body):
    assert message_trace_fields({"Body": body}) == {}


@pytest.mark.parametrize("traceparent", ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", ""])
def test_an_invalid_traceparent_gives_no_parent(traceparent):
    assert context_from_fields({"traceparent": traceparent}) is None


def test_a_stored_record_takes_the_current_context_and_gives_it_back():
    record = Message(id="r1", booking_id=1, event_type="BOOKING_NUMBER-CHANGED", message="{}",
                     created_date=datetime(2026, 11, 30, tzinfo=UTC), delete_by=0)
    assert with_current_trace(record) is record  # no span: unchanged
    with use_span(remote_span(TraceState([("rojo", "1")]))):
        traced = with_current_trace(record)
    assert (traced.trace_parent, traced.trace_state) == (TRACEPARENT, "rojo=1")
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("process", context=record_context(traced)):
        pass
    (span,) = exporter.get_finished_spans()
    assert span.context.trace_id == TRACE_ID and span.parent is not None and span.parent.span_id == SPAN_ID
    assert span.context.trace_state.get("rojo") == "1"
    with use_span(remote_span()):
        assert with_current_trace(traced) is traced  # a record keeps the context it was stored with


def test_the_stored_item_carries_the_context_only_when_there_is_one():
    from ptpu_adapters.dynamodb.record_codec import message_from_item, message_to_item

    record = Message(id="r1", booking_id=1, event_type="BOOKING_NUMBER-CHANGED", message="{}",
                     created_date=datetime(2026, 11, 30, tzinfo=UTC), delete_by=0)
    plain = message_to_item(record)
    assert "traceparent" not in plain and "tracestate" not in plain  # absent, as the mapper writes nulls
    traced = evolve(record, trace_parent=TRACEPARENT, trace_state="rojo=1")
    item = message_to_item(traced)
    assert (item["traceparent"], item["tracestate"]) == ({"S": TRACEPARENT}, {"S": "rojo=1"})
    assert message_from_item(item) == traced
    assert message_from_item(plain) == record


def test_a_published_domain_event_carries_the_current_trace_beside_its_event_type():
    from ptpu_adapters.sns.domain_event_topic import message_attributes
    from ptpu_core.work.domain_events import prison_identifier_added

    event = prison_identifier_added("X100001", "A5089DY", "38339A", datetime(2021, 7, 1, 12, 0, tzinfo=UTC))
    with use_span(remote_span()):
        attributes = message_attributes(event)
    assert attributes == {
        "eventType": {"DataType": "String", "StringValue": "probation-case.prison-identifier.added"},
        "traceparent": {"DataType": "String", "StringValue": TRACEPARENT},
    }
