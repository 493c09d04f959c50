"""W3C trace context (`traceparent` / `tracestate`, no baggage) carried across the queue: in SQS message
attributes (`StringValue`), an SNS envelope's MessageAttributes (`Value`), SNS Publish attributes and a
stored record's `trace_parent` / `trace_state`. With tracing off nothing is injected.
"""

from __future__ import annotations

import json
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
    """The current span's W3C fields, e.g. {"traceparent": "00-<32 hex>-<16 hex>-01"}; {} without a valid span."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier, context=context)
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
