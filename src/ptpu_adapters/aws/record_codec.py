"""A stored record <-> a DynamoDB item (low-level attribute values). SPEC §5 names, plus index helpers.

The SPEC attributes are exactly those of the existing service, so either service can read the
other's items. The helper attributes below exist only to place an item in the sparse indexes
(see `message_table.py`); `message_from_item` ignores them, so an item the existing service wrote
is still readable, though it is in no index until a one-off backfill adds the helpers.

Date-times (issue 10 §5 "Time"): `createdDate` / `processedDate` are London wall-clock ISO date-times, as
the existing service (TZ=Europe/London) writes them, whatever this container's zone; the record holds
aware instants (`ptpu_core.service_time`). In October's repeated hour the wall-clock text alone cannot
say which pass a time was in, so a time on the second pass also gets a sparse `createdDateFold` /
`processedDateFold` = 1; without it (every item the existing service wrote) a time is on the first pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.service_time import SERVICE_ZONE, instant, wall_clock

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

PENDING = "P"
PROCESSED = "D"
CREATED = "C"
MAX_SORTABLE_RETRIES = 9999


def format_date_time(value: datetime) -> str:
    """London wall-clock ISO date-time, always with microseconds so that string order is wall-clock order.
    An aware `value` is converted; a naive one is already London wall-clock time."""
    return wall_clock(value).isoformat(timespec="microseconds")


def latest_wall_clock_before(moment: datetime) -> datetime:
    """The latest London wall-clock reading of any instant before `moment` (naive).

    Usually `moment`'s own reading; in the hour after October's change it is up to an hour later (the
    first pass read later than the second), so a wall-clock key range "< this" never misses a record."""
    at = instant(moment)
    hour_before = at - timedelta(hours=1)
    widest = max(at.astimezone(SERVICE_ZONE).utcoffset() or timedelta(0),
                 hour_before.astimezone(SERVICE_ZONE).utcoffset() or timedelta(0))
    return (at + widest).replace(tzinfo=None)


def pending_sort_key(retry_count: int, created: str) -> str:
    return f"{min(retry_count, MAX_SORTABLE_RETRIES):04d}#{created}"


def message_to_item(message: Message) -> Item:
    created = format_date_time(message.created_date)
    item: Item = {
        "id": {"S": message.id},
        "bookingId": {"N": str(message.booking_id)},
        "eventType": {"S": message.event_type},
        "message": {"S": message.message},
        "retryCount": {"N": str(message.retry_count)},
        "createdDate": {"S": created},
        "deleteBy": {"N": str(message.delete_by)},
        "reportable": {"BOOL": message.reportable},
        CREATED_SHARD: {"S": CREATED},
    }
    optional_strings = {
        "offenderNo": message.offender_no,
        "bookingNo": message.booking_no,
        "locationId": message.location_id,
        "locationDescription": message.location_description,
        "legalStatus": message.legal_status,
        "status": message.status.value if message.status is not None else None,
        "matchingCrns": message.matching_crns,
    }
    # Absent rather than null, as the existing service's mapper writes them.
    item.update({name: {"S": value} for name, value in optional_strings.items() if value is not None})
    if message.recall is not None:
        item["recall"] = {"BOOL": message.recall}
    if wall_clock(message.created_date).fold:
        item[CREATED_FOLD] = {"N": "1"}
    if message.processed_date is not None:
        item["processedDate"] = {"S": format_date_time(message.processed_date)}
        if wall_clock(message.processed_date).fold:
            item[PROCESSED_FOLD] = {"N": "1"}
        item[PROCESSED_SHARD] = {"S": PROCESSED}
    else:
        item[PENDING_SHARD] = {"S": PENDING}
        item[PENDING_SORT] = {"S": pending_sort_key(message.retry_count, created)}
        item[PENDING_BOOKING_ID] = {"N": str(message.booking_id)}
    return item


def message_from_item(item: Item) -> Message:
    processed = _string(item, "processedDate")
    status = _string(item, "status")
    return Message(
        id=item["id"]["S"],
        booking_id=int(item["bookingId"]["N"]),
        event_type=item["eventType"]["S"],
        message=item["message"]["S"],
        created_date=_stored_time(item["createdDate"]["S"], CREATED_FOLD in item),
        delete_by=int(item["deleteBy"]["N"]),
        retry_count=int(item["retryCount"]["N"]) if "retryCount" in item else 0,
        processed_date=_stored_time(processed, PROCESSED_FOLD in item) if processed is not None else None,
        reportable=_bool(item, "reportable") or False,
        offender_no=_string(item, "offenderNo"),
        booking_no=_string(item, "bookingNo"),
        location_id=_string(item, "locationId"),
        location_description=_string(item, "locationDescription"),
        recall=_bool(item, "recall"),
        legal_status=_string(item, "legalStatus"),
        status=SynchroniseState(status) if status is not None else None,
        matching_crns=_string(item, "matchingCrns"),
    )


def _stored_time(text: str, second_pass: bool) -> datetime:
    """A stored London wall-clock date-time as an aware instant (`second_pass`: the repeated hour's second)."""
    return instant(datetime.fromisoformat(text).replace(fold=1 if second_pass else 0))


def _string(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None or "NULL" in value else value["S"]


def _bool(item: Item, name: str) -> bool | None:
    value = item.get(name)
    if value is None or "NULL" in value:
        return None
    # The Java SDK v1 mapper may have written booleans as numbers.
    return bool(value["BOOL"]) if "BOOL" in value else value.get("N") == "1"
