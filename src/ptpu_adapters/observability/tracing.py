"""W3C trace context (no baggage) carried in SQS and SNS message attributes and a stored record's
`trace_parent` / `trace_state` (nothing injected with tracing off); a span per received SQS message and per
processed record, each a child of the context the work came with. An exception leaving a span is recorded,
the span set ERROR, and propagates."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from attrs import evolve, frozen
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
TRACE_FIELDS = (TRACEPARENT, TRACESTATE)
_W3C = TraceContextTextMapPropagator()


def current_trace_fields() -> dict[str, str]:
    """The current span's W3C fields, e.g. {"traceparent": "00-<32 hex>-<16 hex>-01"}; {} without a valid span."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return {name: carrier[name] for name in TRACE_FIELDS if carrier.get(name)}


def context_from_fields(fields: Mapping[str, str | None]) -> Context | None:
    """The remote span context in `fields`; None without a valid traceparent (as the W3C propagator)."""
    carrier = {name: value for name, value in fields.items() if isinstance(value, str) and value}
    if TRACEPARENT not in carrier:
        return None
    return _W3C.extract(carrier) or None


def with_current_trace(message: Message) -> Message:
    """`message` carrying the current trace context, unless it already has one or there is none."""
    fields = {} if message.trace_parent is not None else current_trace_fields()
    if not fields:
        return message
    return evolve(message, trace_parent=fields[TRACEPARENT], trace_state=fields.get(TRACESTATE))


def record_context(message: Message) -> Context | None:
    """The context a stored record was created in; None for the existing service's records or with tracing off."""
    return context_from_fields({TRACEPARENT: message.trace_parent, TRACESTATE: message.trace_state})


def inject_sns_attributes(attributes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A copy of SNS Publish MessageAttributes with the current context's fields set as String attributes."""
    merged = dict(attributes or {})
    for name, value in current_trace_fields().items():
        merged[name] = {"DataType": "String", "StringValue": value}
    return merged


def message_trace_fields(message: dict[str, Any]) -> dict[str, str]:
    """The W3C fields of a received SQS message's own attributes, else of the SNS envelope in its body."""
    fields = _fields(message.get("MessageAttributes"), "StringValue")
    if fields:
        return fields
    try:
        envelope = json.loads(message.get("Body") or "")
    except (ValueError, RecursionError, TypeError):
        return {}
    return _fields(envelope.get("MessageAttributes"), "Value") if isinstance(envelope, dict) else {}


def _fields(attributes: object, value_key: str) -> dict[str, str]:
    if not isinstance(attributes, Mapping):
        return {}
    fields: dict[str, str] = {}
    for name in TRACE_FIELDS:
        attribute = attributes.get(name)
        value = attribute.get(value_key) if isinstance(attribute, Mapping) else None
        if isinstance(value, str) and value:
            fields[name] = value
    return fields


TRACER_NAME = "ptpu"


def default_tracer() -> Tracer:
    """The global provider's tracer (the no-op one unless a provider was installed)."""
    return trace.get_tracer(TRACER_NAME)


def mark_failed(error: BaseException, span: Span | None = None) -> None:
    """Record `error` on `span` (default: the current span) and set its status ERROR ("Type: message")."""
    target = span if span is not None else trace.get_current_span()
    target.record_exception(error)
    target.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))


@contextmanager
def _consumer_span(
    tracer: Tracer, name: str, parent: Context | None, attributes: Mapping[str, str | int]
) -> Iterator[Span]:
    with tracer.start_as_current_span(
        name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes,
        record_exception=False, set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as error:
            mark_failed(error, span)
            raise


def received_message_span(tracer: Tracer, message: dict[str, Any], queue_name: str) -> AbstractContextManager[Span]:
    """"<queue> process" for one SQS message (OpenTelemetry messaging conventions); with the no-op tracer
    the message is not even read for a context."""
    if isinstance(tracer, trace.NoOpTracer):
        return nullcontext(trace.INVALID_SPAN)
    attributes = {
        "messaging.system": "aws_sqs",
        "messaging.operation": "process",
        "messaging.destination.name": queue_name,
        "messaging.message.id": str(message.get("MessageId", "")),
    }
    parent = context_from_fields(message_trace_fields(message))
    return _consumer_span(tracer, f"{queue_name} process", parent, attributes)


@frozen
class OpenTelemetryRecords:
    """ptpu_core.work.cycle.RecordTracing: "process <eventType>", child of the record's stored
    context, with ptpu.record.id, ptpu.booking.id, ptpu.event.type, ptpu.retry.count and, once decided,
    ptpu.outcome ("Done" / "TryLater") and ptpu.status (the state stored)."""

    _tracer: Tracer

    @contextmanager
    def record(self, message: Message) -> Iterator[_OtelRecordSpan]:
        attributes: dict[str, str | int] = {
            "ptpu.record.id": message.id,
            "ptpu.booking.id": message.booking_id,
            "ptpu.event.type": message.event_type,
            "ptpu.retry.count": message.retry_count,
        }
        name = f"process {message.event_type}"
        with _consumer_span(self._tracer, name, record_context(message), attributes) as span:
            yield _OtelRecordSpan(span)


@frozen
class _OtelRecordSpan:
    _span: Span

    def outcome(self, outcome: Outcome) -> None:
        self._span.set_attribute("ptpu.outcome", type(outcome).__name__)
        self._span.set_attribute("ptpu.status", str(outcome.status.state.value))

    def failed(self, error: BaseException) -> None:
        mark_failed(error, self._span)
