"""Items in exactly the format the existing (Kotlin) service writes, for the cut-over tests.

Restated from `entity/Message.kt` (ministryofjustice/prison-to-probation-update) saved by the AWS
SDK v1 DynamoDBMapper, and checked against the captured items in tests/fixtures/original-2021/
dynamodb-items: numbers as N, booleans as N "1"/"0" (or absent when null), date-times as Java's
`LocalDateTime.toString()` (no seconds when zero; fraction of 3, 6 or 9 digits), `deleteBy` epoch
seconds, `status` any string, `matchingCrns` joined with ", ", no ptpu helper attributes.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from attrs import frozen

from ptpu_core.rules.retry_policy import epoch_seconds

ISC = "IMPRISONMENT_STATUS-CHANGED"
SDC = "SENTENCE_DATES-CHANGED"
# Retry counts: never tried, each retry tier (SHORT 1-4, MEDIUM 5-10, LONG 11+), and beyond.
PENDING_RETRIES = (0, 1, 4, 5, 10, 11, 25)
ODD_STATUSES = ("MATCHED", "matched", "SOMETHING_NEW", "")
KNOWN_STATUSES = ("VALIDATED", "NO_MATCH", "TOO_MANY_MATCHES", "ERROR", "NO_MATCH_WITH_SENTENCE_DATE")


def java_date_time(moment: datetime, style: int) -> str:
    """LocalDateTime.toString() of `moment` with (style % 4) = 0: whole minute, 1: whole second,
    2: milliseconds, 3: nanoseconds (the moment's microseconds then three more digits)."""
    text = moment.strftime("%Y-%m-%dT%H:%M")
    match style % 4:
        case 0:
            return text
        case 1:
            return f"{text}:{moment.second:02d}"
        case 2:
            return f"{text}:{moment.second:02d}.{moment.microsecond // 1000:03d}"
        case _:
            return f"{text}:{moment.second:02d}.{moment.microsecond:06d}123"


@frozen
class OldItem:
    item: dict[str, Any]
    pending: bool

    @property
    def id(self) -> str:
        return str(self.item["id"]["S"])


def old_item(n: int, now: datetime, pending: bool) -> OldItem:
    """The n-th item: pending ones cycle through every retry tier and odd statuses."""
    style = n % 4
    created = now - timedelta(days=1 + n % 5, minutes=17 * n) + timedelta(microseconds=(n * 7919) % 1_000_000)
    if style == 0:
        created = created.replace(second=0, microsecond=0)
    elif style == 1:
        created = created.replace(microsecond=0)
    elif style == 2:
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
    # Two pending records per booking, of different types (aggregation keeps both); processed ones share.
    booking_id = 1_300_000 + n // 2 if pending else 1_200_000 + n % 50
    event_type = (ISC if n % 2 else SDC) if pending else (ISC if n % 3 else SDC)
    statuses = ODD_STATUSES + KNOWN_STATUSES
    item: dict[str, Any] = {
        "id": {"S": str(uuid.UUID(int=n + 1))},
        "bookingId": {"N": str(booking_id)},
        "retryCount": {"N": str(PENDING_RETRIES[n % len(PENDING_RETRIES)] if pending else n % 3)},
        "createdDate": {"S": java_date_time(created, style)},
        "deleteBy": {"N": str(epoch_seconds(now + timedelta(days=20)))},
        "eventType": {"S": event_type},
        "message": {"S": json.dumps({"eventType": event_type, "bookingId": booking_id, "imprisonmentStatusSeq": 0})},
        "reportable": {"N": str(n % 2)},
        "offenderNo": {"S": f"A{5000 + n % 1000}DY"},
        "locationId": {"S": "MDI"},
        "locationDescription": {"S": "Moorland (HMP & YOI)"},
        "legalStatus": {"S": "SENTENCED"},
        "status": {"S": statuses[n % len(statuses)] if pending else ("COMPLETED" if n % 7 else "MATCHED")},
    }
    if n % 4 != 3:
        item["recall"] = {"N": str(n % 2)}
    if n % 5 == 0:
        item["matchingCrns"] = {"S": "X142620, X181002"}
    if not pending:
        item["processedDate"] = {"S": java_date_time(created + timedelta(hours=1, seconds=n % 60), style + 1)}
    return OldItem(item, pending)


def old_items(count: int, now: datetime, pending_share: float = 0.4) -> list[OldItem]:
    pending = int(count * pending_share)
    return [old_item(n, now, pending=n < pending) for n in range(count)]


def put_all(dynamodb: Any, table: str, items: list[OldItem]) -> None:
    for start in range(0, len(items), 25):
        requests: dict[str, Any] = {
            table: [{"PutRequest": {"Item": old.item}} for old in items[start : start + 25]]
        }
        while requests:
            requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
