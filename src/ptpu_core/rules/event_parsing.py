"""Reading the inner NOMIS offender-event message (SPEC §2) into a typed event."""

from __future__ import annotations

import json
import re
from typing import Any

from ptpu_core.errors import InvalidMessage
from ptpu_core.models import events
from ptpu_core.models.events import EventType


def parse_event(event_type: str, message_json: str) -> events.OffenderEvent | None:
    """The event in `message_json`; None for an event type we do not handle; InvalidMessage when it is wrong."""
    kind = EventType.of(event_type)
    if kind is None:
        return None
    body = _json_object(message_json)
    booking_id = _int_field(body, "bookingId", minimum=1)
    match kind:
        case EventType.IMPRISONMENT_STATUS_CHANGED:
            # NOMIS leaves it out of some events; the existing service's JSON reader then saw 0 (the insert).
            seq = _int_field(body, "imprisonmentStatusSeq") if "imprisonmentStatusSeq" in body else 0
            return events.ImprisonmentStatusChangedEvent(booking_id, seq)
        case EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED:
            return events.ExternalMovementInsertedEvent(booking_id, _int_field(body, "movementSeq"))
        case EventType.BOOKING_NUMBER_CHANGED:
            return events.BookingNumberChangedEvent(booking_id)
        case EventType.SENTENCE_DATES_CHANGED:
            return events.SentenceDatesChangedEvent(booking_id)
        case EventType.CONFIRMED_RELEASE_DATE_CHANGED:
            return events.ConfirmedReleaseDateChangedEvent(booking_id)
    raise AssertionError(f"unhandled event type {kind}")  # pragma: no cover - the match is exhaustive


def _json_object(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise InvalidMessage(f"inner message is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise InvalidMessage(f"inner message is not a JSON object but {type(body).__name__}")
    return body


def _int_field(body: dict[str, Any], name: str, minimum: int = 0) -> int:
    """An id (`minimum` 1) or a sequence (0 up): from `minimum` to a Java long's largest, as NOMIS's Long fields."""
    if name not in body:
        raise InvalidMessage(f"inner message lacks required field {name}")
    value = body[name]
    try:
        number = whole_number(value)
    except ValueError:
        raise InvalidMessage(f"field {name} must be an integer, not {json.dumps(value)[:40]}") from None
    if not minimum <= number <= MAX_LONG:
        raise InvalidMessage(f"field {name} must be from {minimum} to {MAX_LONG}, not {json.dumps(value)[:40]}")
    return number


_DIGITS = re.compile(r"-?[0-9]+")
MAX_LONG = 2**63 - 1


def whole_number(value: Any) -> int:
    """`value` as an int: a JSON integer, or a string of decimal digits ("1200835") as the Kotlin service's Gson
    Long fields take; ValueError for anything else (a bool, a fraction, blanks, other text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise ValueError(f"not a whole number: {value!r}")
