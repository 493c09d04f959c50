"""Spans around the service's own units of work: one per received SQS message, one per processed record,
each a child of the trace context the work came with (upstream HTTP and AWS calls inside are instrumented
by `ptpu_runtime.tracing`). An exception leaving a span is recorded, the span set ERROR, and propagates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from ptpu_adapters.observability.trace_context import context_from_fields, message_trace_fields, record_context
from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome

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


class OpenTelemetryRecords:
    """ptpu_core.work.record_tracing.RecordTracing: "process <eventType>", child of the record's stored
    context, with ptpu.record.id, ptpu.booking.id, ptpu.event.type, ptpu.retry.count and, once decided,
    ptpu.outcome ("Done" / "TryLater") and ptpu.status (the state stored)."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

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


class _OtelRecordSpan:
    def __init__(self, span: Span) -> None:
        self._span = span

    def outcome(self, outcome: Outcome) -> None:
        self._span.set_attribute("ptpu.outcome", type(outcome).__name__)
        self._span.set_attribute("ptpu.status", str(outcome.status.state.value))

    def failed(self, error: BaseException) -> None:
        mark_failed(error, self._span)
