"""Spans around the service's own units of work: one per received SQS message, one per processed record,
each a child of the trace context the work came with; upstream HTTP and AWS calls inside become child
spans by instrumentation (`ptpu_runtime.tracing`). A failure is recorded and the span set ERROR.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from ptpu_adapters.observability.trace_context import (
    context_from_fields,
    record_context,
    sns_envelope_fields,
    sqs_message_fields,
)
from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome

TRACER_NAME = "ptpu"
MESSAGING_SYSTEM = "aws_sqs"


def default_tracer() -> Tracer:
    """The global provider's tracer (the no-op one unless a provider was installed)."""
    return trace.get_tracer(TRACER_NAME)


def mark_failed(error: BaseException, span: Span | None = None) -> None:
    """Record `error` on `span` (default: the current span) and set its status ERROR ("Type: message")."""
    target = span if span is not None else trace.get_current_span()
    target.record_exception(error)
    target.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))


def message_trace_fields(message: dict[str, Any]) -> dict[str, str]:
    """The W3C fields a received SQS message carries: its own message attributes first, else those of the
    SNS envelope in its body (never raises: a body that is not an envelope simply has none)."""
    fields = sqs_message_fields(message)
    if fields:
        return fields
    try:
        envelope = json.loads(message.get("Body") or "")
    except (ValueError, RecursionError, TypeError):
        return {}
    return sns_envelope_fields(envelope) if isinstance(envelope, dict) else {}


@contextmanager
def received_message_span(tracer: Tracer, message: dict[str, Any], queue_name: str) -> Iterator[Span]:
    """A CONSUMER span "<queue> process" for one SQS message, child of the context it carries.

    Attributes: messaging.system, messaging.destination.name, messaging.message.id (the SQS MessageId).
    An exception escaping the block marks the span failed and propagates. With the no-op tracer (tracing
    off) the message is not even read for a context."""
    if isinstance(tracer, trace.NoOpTracer):
        yield trace.INVALID_SPAN
        return
    parent = context_from_fields(message_trace_fields(message))
    attributes = {
        "messaging.system": MESSAGING_SYSTEM,
        "messaging.operation": "process",
        "messaging.destination.name": queue_name,
        "messaging.message.id": str(message.get("MessageId", "")),
    }
    with tracer.start_as_current_span(
        f"{queue_name} process", context=parent, kind=SpanKind.CONSUMER, attributes=attributes,
        record_exception=False, set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as error:
            mark_failed(error, span)
            raise


class OpenTelemetryRecords:
    """ptpu_core.work.record_tracing.RecordTracing on OpenTelemetry: each record's processing and save in a span,
    child of the record's stored context, so the upstream calls, the one store write and the P2P events of
    the record are in the trace of the event that created it. The span ("process <eventType>", kind
    CONSUMER) carries ptpu.record.id, ptpu.booking.id, ptpu.event.type, ptpu.retry.count and, once decided,
    ptpu.outcome ("Done" / "TryLater") and ptpu.status (the state stored). A failure is recorded and the
    span set ERROR."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    @contextmanager
    def record(self, message: Message) -> Iterator[_OtelRecordSpan]:
        with _record_span(self._tracer, message) as span:
            try:
                yield _OtelRecordSpan(span)
            except BaseException as error:
                mark_failed(error, span)
                raise


class _OtelRecordSpan:
    def __init__(self, span: Span) -> None:
        self._span = span

    def outcome(self, outcome: Outcome) -> None:
        self._span.set_attribute("ptpu.outcome", type(outcome).__name__)
        self._span.set_attribute("ptpu.status", str(outcome.status.state.value))

    def failed(self, error: BaseException) -> None:
        mark_failed(error, self._span)


@contextmanager
def _record_span(tracer: Tracer, message: Message) -> Iterator[Span]:
    attributes: dict[str, str | int] = {
        "ptpu.record.id": message.id,
        "ptpu.booking.id": message.booking_id,
        "ptpu.event.type": message.event_type,
        "ptpu.retry.count": message.retry_count,
    }
    with tracer.start_as_current_span(
        f"process {message.event_type}", context=record_context(message), kind=SpanKind.CONSUMER,
        attributes=attributes, record_exception=False, set_status_on_exception=False,
    ) as span:
        yield span
