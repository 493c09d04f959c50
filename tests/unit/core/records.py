"""Builders and hypothesis strategies for stored records (Message), for the core unit tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import strategies as st

from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.retry_policy import initial_delete_by

NOW = datetime(2021, 3, 10, 12, 0, 0)
STATUS_CHANGE = EventType.IMPRISONMENT_STATUS_CHANGED.value
MOVEMENT = EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value
SENTENCE_DATES = EventType.SENTENCE_DATES_CHANGED.value
RELEASE_DATE = EventType.CONFIRMED_RELEASE_DATE_CHANGED.value
BOOKING_NUMBER = EventType.BOOKING_NUMBER_CHANGED.value
ALL_EVENT_TYPES = [e.value for e in EventType]

_ids = itertools.count(1)


def record(
    booking_id: int = 1200835,
    event_type: str = STATUS_CHANGE,
    created: datetime | None = None,
    *,
    age: timedelta | None = None,
    id: str | None = None,  # noqa: A002 - mirrors the Message field
    retry_count: int = 0,
    status: SynchroniseState | None = SynchroniseState.VALIDATED,
    processed: datetime | None = None,
    location_id: str | None = "MDI",
    delete_by: int | None = None,
) -> Message:
    """A stored record; `age` (before NOW) is an alternative to an explicit `created`."""
    if created is None:
        created = NOW - (age if age is not None else timedelta(hours=2))
    return Message(
        id=id or f"msg-{next(_ids):05d}",
        booking_id=booking_id,
        event_type=event_type,
        message=f'{{"bookingId": {booking_id}}}',
        created_date=created,
        delete_by=delete_by if delete_by is not None else initial_delete_by(created),
        retry_count=retry_count,
        processed_date=processed,
        reportable=True,
        offender_no="A5089DY",
        booking_no="38339A",
        location_id=location_id,
        status=status,
    )


# A small space of bookings, types and instants so that collisions (same booking and type,
# equal created dates) are common.
event_types = st.sampled_from([*ALL_EVENT_TYPES, "SOMETHING_ELSE", "ANOTHER_UNKNOWN"])
created_dates = st.integers(min_value=0, max_value=20).map(lambda minutes: NOW - timedelta(minutes=minutes))


@st.composite
def record_batches(draw: st.DrawFn, max_size: int = 30) -> list[Message]:
    """Records with unique ids over a few bookings, in arbitrary order."""
    rows = draw(
        st.lists(
            st.tuples(st.integers(min_value=1, max_value=4), event_types, created_dates),
            max_size=max_size,
        )
    )
    ids = draw(st.permutations(range(len(rows))))
    return [
        record(booking_id, event_type, created, id=f"id-{ids[n]:03d}")
        for n, (booking_id, event_type, created) in enumerate(rows)
    ]
