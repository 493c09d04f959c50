"""Per-booking aggregation (SPEC §6 steps 3-4): the newest record per event type kept, older ones duplicates."""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from ptpu_core.models.events import EVENT_PRIORITY, OTHER_EVENT_PRIORITY
from ptpu_core.models.record import Message


@frozen
class Aggregation:
    kept: tuple[Message, ...]
    duplicates: tuple[Message, ...]


def _recency(message: Message) -> tuple[object, ...]:
    # Newest by created date, then the greater id: never the order the store returned them in.
    return (message.created_date, message.id)


def aggregate(messages: Iterable[Message]) -> Aggregation:
    """Kept in order of booking (first appearance), event priority and type name; duplicates in input order."""
    inputs = list(messages)
    booking_order: dict[int, int] = {}
    newest: dict[tuple[int, str], Message] = {}
    for message in inputs:
        booking_order.setdefault(message.booking_id, len(booking_order))
        key = (message.booking_id, message.event_type)
        current = newest.get(key)
        if current is None or _recency(message) > _recency(current):
            newest[key] = message

    priority = EVENT_PRIORITY.get
    kept = sorted(newest.values(), key=lambda m: (booking_order[m.booking_id],
                                                  priority(m.event_type, OTHER_EVENT_PRIORITY), m.event_type))
    kept_ids = {id(m) for m in kept}
    duplicates = tuple(m for m in inputs if id(m) not in kept_ids)
    return Aggregation(tuple(kept), duplicates)
