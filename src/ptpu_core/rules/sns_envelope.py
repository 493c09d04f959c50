"""Unwrap an SQS body holding an `offender_events` SNS notification (SPEC §2), reading only `Message` and
`MessageAttributes.eventType.Value` as the Kotlin `PrisonerChangesListenerPusher.kt`."""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen

from ptpu_core.errors import InvalidMessage
from ptpu_core.rules.event_parsing import whole_number


@frozen
class SnsNotification:
    """`sns_message_id`: None when the envelope has none; a record's id derives from it."""

    event_type: str
    message: str  # the inner message, still JSON text
    sns_message_id: str | None


def parse_envelope(body: str, sqs_message_id: str | None = None) -> SnsNotification:
    """The notification in an SQS message `body`; InvalidMessage (naming `sqs_message_id`) when it is not one
    (not a JSON object, a `Type` other than Notification, no `Message` string, no or a blank eventType)."""
    if not isinstance(body, str):
        raise InvalidMessage(f"body is not text but {type(body).__name__}", sqs_message_id)
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder can follow
        raise InvalidMessage("body is not JSON", sqs_message_id) from None
    if not isinstance(envelope, dict):
        raise InvalidMessage("body is not a JSON object", sqs_message_id)
    # No "Type" at all is a notification: the Kotlin service reads only Message and MessageAttributes.
    if "Type" in envelope and envelope["Type"] != "Notification":
        raise InvalidMessage(f"envelope Type is {envelope.get('Type')!r}, not 'Notification'", sqs_message_id)
    message = envelope.get("Message")
    if not isinstance(message, str):
        raise InvalidMessage("envelope has no Message string", sqs_message_id)
    event_type = _attribute(envelope, "eventType")
    if not event_type:
        raise InvalidMessage("envelope has no (or a blank) MessageAttributes.eventType.Value", sqs_message_id)
    sns_id = envelope.get("MessageId")
    return SnsNotification(event_type, message, sns_id if isinstance(sns_id, str) else None)


def event_type_hint(body: str) -> str | None:
    """The eventType of a body that may not be a valid envelope (for a poison message's DLQ event), or None."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError, TypeError):
        return None
    return _attribute(envelope, "eventType") if isinstance(envelope, dict) else None


def booking_id_of(inner_message: str) -> int | None:
    """The inner message's usable bookingId (a numeric string counts), only to keep a booking's order."""
    try:
        return whole_number(json.loads(inner_message).get("bookingId"))
    except (ValueError, AttributeError, RecursionError):  # not JSON, not an object, or no whole number
        return None


def _attribute(envelope: dict[str, Any], name: str) -> str | None:
    attribute = envelope.get("MessageAttributes")
    for key in (name, "Value"):
        attribute = attribute.get(key) if isinstance(attribute, dict) else None
    return attribute if isinstance(attribute, str) and attribute.strip() else None
