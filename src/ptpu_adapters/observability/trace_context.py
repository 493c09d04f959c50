"""W3C trace context (`traceparent` / `tracestate`, no baggage) carried across the queue: in SQS message
attributes (`StringValue`), an SNS envelope's MessageAttributes (`Value`), SNS Publish attributes and a
stored record's `trace_parent` / `trace_state`. With tracing off nothing is injected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import evolve
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ptpu_core.models.record import Message

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
TRACE_FIELDS = (TRACEPARENT, TRACESTATE)
_W3C = TraceContextTextMapPropagator()


def current_trace_fields(context: Context | None = None) -> dict[str, str]:
    """The current span's W3C fields, e.g. {"traceparent": "00-<32 hex>-<16 hex>-01"} (plus "tracestate"
    when it has one); {} when there is no valid span (tracing off)."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier, context=context)
    return {name: carrier[name] for name in TRACE_FIELDS if carrier.get(name)}


def context_from_fields(fields: Mapping[str, str | None]) -> Context | None:
    """The remote span context in `fields` ({"traceparent": ..., "tracestate": ...}), None when there is no
    valid traceparent (a malformed one is ignored, as the W3C propagator does)."""
    carrier = {name: value for name, value in fields.items() if isinstance(value, str) and value}
    if TRACEPARENT not in carrier:
        return None
    context = _W3C.extract(carrier)
    return context if context else None


def with_current_trace(message: Message) -> Message:
    """`message` carrying the current trace context, unless it already has one or there is none."""
    if message.trace_parent is not None:
        return message
    fields = current_trace_fields()
    if not fields:
        return message
    return evolve(message, trace_parent=fields[TRACEPARENT], trace_state=fields.get(TRACESTATE))


def record_context(message: Message) -> Context | None:
    """The context a stored record was created in (None when it has none: the existing service's records,
    or tracing was off when it was received)."""
    return context_from_fields({TRACEPARENT: message.trace_parent, TRACESTATE: message.trace_state})


def inject_sns_attributes(attributes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """SNS `Publish` MessageAttributes with the current trace context added as String attributes.

    `attributes` (e.g. {"eventType": {"DataType": "String", "StringValue": "probation-case..."}}) is not
    changed; the answer is a new dict holding them plus `traceparent` (and `tracestate` when the context
    has one), each `{"DataType": "String", "StringValue": value}`. An attribute of the same name given by
    the caller is replaced (the trace context is the current one). With no current span (tracing off)
    the answer equals `attributes`.
    """
    merged = dict(attributes or {})
    for name, value in current_trace_fields().items():
        merged[name] = {"DataType": "String", "StringValue": value}
    return merged


def sqs_message_fields(message: Mapping[str, Any]) -> dict[str, str]:
    """The W3C fields among a received SQS message's MessageAttributes (StringValue of String attributes)."""
    attributes = message.get("MessageAttributes")
    return _fields(attributes, "StringValue")


def sns_envelope_fields(envelope: Mapping[str, Any]) -> dict[str, str]:
    """The W3C fields among an SNS notification envelope's MessageAttributes (their `Value`)."""
    return _fields(envelope.get("MessageAttributes"), "Value")


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
