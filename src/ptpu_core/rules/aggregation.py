"""Per-booking aggregation of stored events (SPEC §6 steps 3-4). Pure: no I/O.

Of the unprocessed records of a booking only the newest per event type matters; older
ones are duplicates to delete. What is kept is processed in event priority order.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from ptpu_core.models.events import event_priority
from ptpu_core.models.record import Message


@frozen
class Aggregation:
    kept: tuple[Message, ...]
    duplicates: tuple[Message, ...]


def _recency(message: Message) -> tuple[object, ...]:
    # Newest by created date; equal created dates are broken by the greater id so the
    # choice never depends on the order the store returned the records in.
    return (message.created_date, message.id)


def aggregate(messages: Iterable[Message]) -> Aggregation:
    """Keep the newest record per (booking, event type); every other record is a duplicate.

    Kept records are ordered by booking (in order of first appearance) and, within a
    booking, by event priority (ties among unknown types by event type name). Duplicates
    keep their input order.
    """
    inputs = list(messages)
    booking_order: dict[int, int] = {}
    newest: dict[tuple[int, str], Message] = {}
    for message in inputs:
        booking_order.setdefault(message.booking_id, len(booking_order))
        key = (message.booking_id, message.event_type)
        current = newest.get(key)
        if current is None or _recency(message) > _recency(current):
            newest[key] = message

    kept = sorted(
        newest.values(),
        key=lambda m: (booking_order[m.booking_id], event_priority(m.event_type), m.event_type),
    )
    kept_ids = {id(m) for m in kept}
    duplicates = tuple(m for m in inputs if id(m) not in kept_ids)
    return Aggregation(tuple(kept), duplicates)
