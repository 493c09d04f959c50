"""Stored records generated straight into the emulator's message table (parallel BatchWriteItem)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import EVENT_TYPES, inner_message

from ptpu_adapters.dynamodb.record_codec import Item, message_to_item
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.rules.retry_policy import epoch_seconds

# The current hour, so generated records are always within their 30-day life: the store leaves expired
# records out of the pending queries, and a fixed date here would silently empty the read-cost figures.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
_BATCH = 25  # DynamoDB's BatchWriteItem limit


def record(booking_id: int, event_type: str, created: datetime, processed: bool) -> Message:
    return Message(
        id=str(uuid.uuid4()),
        booking_id=booking_id,
        event_type=event_type,
        message=inner_message(event_type, booking_id),
        created_date=created,
        delete_by=epoch_seconds(created + timedelta(days=30)),
        processed_date=created + timedelta(minutes=20) if processed else None,
        reportable=True,
        status=SynchroniseState.COMPLETED if processed else SynchroniseState.VALIDATED,
        offender_no="A1234BC",
        booking_no="38339A",
        location_id="MDI",
        location_description="Moorland (HMP & YOI)",
        recall=False,
        legal_status="SENTENCED",
    )


def processed_history(count: int, first_booking: int = 5_000_000) -> Iterator[Item]:
    """`count` processed records over the past 30 days, five per booking, of every event type."""
    for n in range(count):
        created = NOW - timedelta(days=30) + timedelta(seconds=n * 25)
        yield message_to_item(record(first_booking + n // 5, EVENT_TYPES[n % 5], created, processed=True))


def due(records: int, bookings: Sequence[int], age: timedelta = timedelta(hours=1)) -> list[Message]:
    """Unprocessed records, never tried, older than the hold-back, spread evenly over `bookings`."""
    return [
        record(
            bookings[n % len(bookings)], EVENT_TYPES[(n // len(bookings)) % 5], NOW - age - timedelta(seconds=n), False
        )
        for n in range(records)
    ]


def batch_write(client: Any, table: str, items: Iterator[Item] | Sequence[Item], writers: int = 4) -> int:
    """Write items with `writers` concurrent BatchWriteItem streams; returns how many were written."""

    def chunks() -> Iterator[list[Item]]:
        chunk: list[Item] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == _BATCH:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def write(chunk: list[Item]) -> int:
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return len(chunk)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        return sum(pool.map(write, chunks()))
