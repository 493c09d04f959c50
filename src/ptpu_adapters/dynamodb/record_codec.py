"""A stored record <-> a DynamoDB item (low-level attribute values) in the existing service's names (SPEC §5),
so either service reads the other's items, plus sparse index helpers ignored on reading. Dates are London
wall-clock ISO date-times; one on the second pass of October's repeated hour also gets a `...Fold` = 1.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from ptpu_core.models.record import Message, state_of, state_text
from ptpu_core.models.service_time import SERVICE_ZONE, instant, wall_clock
from ptpu_core.rules.retry_policy import initial_delete_by

Item = dict[str, dict[str, Any]]

# Helper attributes (sparse: present only in the state named).
PENDING_SHARD = "pendingShard"  # unprocessed only: constant partition of the pending index
PENDING_SORT = "pendingSort"  # unprocessed only: "<retryCount:04d>#<createdDate>"
PENDING_BOOKING_ID = "pendingBookingId"  # unprocessed only: the booking, for a booking's open work
PROCESSED_SHARD = "processedShard"  # processed only
CREATED_SHARD = "createdShard"  # every item written by this service
CREATED_FOLD = "createdDateFold"  # only when createdDate is on the second pass of a repeated hour
PROCESSED_FOLD = "processedDateFold"  # the same for processedDate
HELPER_ATTRIBUTES = (
    PENDING_SHARD, PENDING_SORT, PENDING_BOOKING_ID, PROCESSED_SHARD, CREATED_SHARD, CREATED_FOLD, PROCESSED_FOLD
)

# Ours alone (the existing service ignores it): the string set of steps processing already did
# (ptpu_core.work.effect_journal).
APPLIED_STEPS = "appliedSteps"

PENDING = "P"
PROCESSED = "D"
CREATED = "C"
MAX_SORTABLE_RETRIES = 9999


def format_date_time(value: datetime) -> str:
    """London wall-clock ISO date-time with microseconds (string order is time order); naive `value`: London."""
    return wall_clock(value).isoformat(timespec="microseconds")


def latest_wall_clock_before(moment: datetime) -> datetime:
    """The latest London wall-clock reading (naive) of any instant before `moment`: up to an hour past its
    own in the hour after October's change, so a key range "< this" never misses a record."""
    at = instant(moment)
    hour_before = at - timedelta(hours=1)
    widest = max(at.astimezone(SERVICE_ZONE).utcoffset() or timedelta(0),
                 hour_before.astimezone(SERVICE_ZONE).utcoffset() or timedelta(0))
    return (at + widest).replace(tzinfo=None)


def pending_sort_key(retry_count: int, created: str) -> str:
    return f"{min(retry_count, MAX_SORTABLE_RETRIES):04d}#{created}"


_SERIALIZER = TypeSerializer()
# Record fields stored under these names as they are: optional strings, then the rest. The last three are ours
# alone (the existing service ignores them): the creating event's W3C trace context and SNS MessageId.
_TEXTS = {
    "offender_no": "offenderNo", "booking_no": "bookingNo", "location_id": "locationId",
    "location_description": "locationDescription", "legal_status": "legalStatus", "matching_crns": "matchingCrns",
    "trace_parent": "traceparent", "trace_state": "tracestate", "sns_message_id": "snsMessageId",
}
_AS_THEY_ARE = {
    **_TEXTS, "id": "id", "booking_id": "bookingId", "event_type": "eventType", "message": "message",
    "retry_count": "retryCount", "delete_by": "deleteBy", "reportable": "reportable", "recall": "recall",
}


def message_to_item(message: Message) -> Item:
    created = format_date_time(message.created_date)
    processed = message.processed_date
    pending = processed is None
    values = {
        **{name: getattr(message, field) for field, name in _AS_THEY_ARE.items()},
        "createdDate": created,
        CREATED_SHARD: CREATED,
        "status": state_text(message.status) if message.status is not None else None,
        CREATED_FOLD: 1 if wall_clock(message.created_date).fold else None,
        "processedDate": None if processed is None else format_date_time(processed),
        PROCESSED_FOLD: 1 if processed is not None and wall_clock(processed).fold else None,
        PROCESSED_SHARD: None if pending else PROCESSED,
        PENDING_SHARD: PENDING if pending else None,
        PENDING_SORT: pending_sort_key(message.retry_count, created) if pending else None,
        PENDING_BOOKING_ID: message.booking_id if pending else None,
    }
    # Absent rather than null, as the existing service's mapper writes them.
    item: Item = {name: dict(_SERIALIZER.serialize(value)) for name, value in values.items() if value is not None}
    if message.applied_steps:  # a string set cannot be empty: absent means none
        item[APPLIED_STEPS] = {"SS": sorted(message.applied_steps)}
    return item


class UnreadableRecord(ValueError):
    """A required attribute missing or an attribute malformed; `record_id` None when the id is."""

    def __init__(self, record_id: str | None, reason: str) -> None:
        super().__init__(f"record {record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason


# Java's LocalDateTime.toString(): uuuu-MM-ddTHH:mm[:ss[.fraction]] (any 1-9 fraction digits accepted).
_JAVA_LOCAL_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?")


def parse_local_date_time(text: str) -> datetime:
    """Java's `LocalDateTime.toString()` (e.g. `2021-05-04T10:15`, `...T10:15:30.123456789`) or ours, naive,
    digits beyond microseconds dropped; ValueError for anything else (an offset, a space for the T)."""
    match = _JAVA_LOCAL_DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an ISO local date-time")
    year, month, day, hour, minute, second, fraction = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros)


def message_from_item(item: Item) -> Message:
    """An item as either service wrote it, absent attributes defaulted as the existing service's mapper does
    (`entity/Message.kt`): `eventType`, `message` "", `retryCount` 0, `reportable` false, `deleteBy` created
    + the record lifetime. UnreadableRecord when `id`, `bookingId` or `createdDate` is missing or any is malformed."""
    record_id = _text_of(item.get("id"))
    try:
        created = _stored_time(_required(item, "createdDate", "S"), CREATED_FOLD in item)
        processed = _value(item, "processedDate", "S")
        status = _value(item, "status", "S")
        return Message(
            id=_required(item, "id", "S"),
            booking_id=int(_required(item, "bookingId", "N")),
            event_type=_value(item, "eventType", "S") or "",
            message=_value(item, "message", "S") or "",
            created_date=created,
            delete_by=_number(item, "deleteBy", initial_delete_by(created)),
            retry_count=_number(item, "retryCount", 0),
            processed_date=_stored_time(processed, PROCESSED_FOLD in item) if processed is not None else None,
            reportable=_bool(item, "reportable") or False,
            recall=_bool(item, "recall"),
            status=state_of(status) if status is not None else None,
            applied_steps=frozenset(item.get(APPLIED_STEPS, {}).get("SS", ())),
            **{field: _value(item, name, "S") for field, name in _TEXTS.items()},
        )
    except UnreadableRecord:
        raise
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise UnreadableRecord(record_id, f"{type(error).__name__}: {error}") from None


def _text_of(value: dict[str, Any] | None) -> str | None:
    return value.get("S") if isinstance(value, dict) else None


def _required(item: Item, name: str, kind: str) -> str:
    value = item.get(name)
    if value is None or kind not in value:
        raise UnreadableRecord(_text_of(item.get("id")), f"attribute {name} ({kind}) is missing")
    text: str = value[kind]
    return text


def _value(item: Item, name: str, kind: str) -> Any:
    """The attribute's `kind` ("S", "N") value; None when absent or NULL; KeyError when of another kind."""
    value = item.get(name)
    return None if value is None or "NULL" in value else value[kind]


def _number(item: Item, name: str, default: int) -> int:
    value = _value(item, name, "N")
    return default if value is None else int(value)


def _stored_time(text: str, second_pass: bool) -> datetime:
    return instant(parse_local_date_time(text).replace(fold=1 if second_pass else 0))


def _bool(item: Item, name: str) -> bool | None:
    value = item.get(name)
    if value is None or "NULL" in value:
        return None
    # The Java SDK v1 mapper may have written booleans as numbers.
    return bool(value["BOOL"]) if "BOOL" in value else value.get("N") == "1"
