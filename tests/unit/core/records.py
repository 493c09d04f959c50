"""Builders and hypothesis strategies for stored records (Message), and a scripted world for the
synchronisation tests (the fakes plus a processor that answers what each test scripts)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, InMemoryMessageRepository, RecordingMetrics, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.record_outcomes import OutcomeRecorder
from ptpu_core.work.unit_of_work import BookingWork

NOW = datetime(2021, 3, 10, 12, 0, 0, tzinfo=UTC)  # noon in London (GMT in March before the change)
HOLD_BACK = timedelta(minutes=60)
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


class ScriptedProcessor:
    """Answers each record with the outcome (or raises the exception) scripted for its id."""

    def __init__(self, default: Outcome | None = None) -> None:
        self.default = default or done(SynchroniseState.COMPLETED)
        self.script: dict[str, Outcome | Exception] = {}
        self.seen: list[Message] = []
        self.on_process: Callable[[Message], None] = lambda m: None

    def process(self, message: Message, work: BookingWork) -> Outcome:
        self.seen.append(message)
        self.on_process(message)
        answer = self.script.get(message.id, self.default)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def seen_ids(self) -> list[str]:
        return [m.id for m in self.seen]


class World:
    def __init__(self, repository: InMemoryMessageRepository | None = None) -> None:
        self.clock = FixedClock(NOW)
        self.repository = repository or InMemoryMessageRepository()
        self.processor = ScriptedProcessor()
        self.metrics = RecordingMetrics()
        self.service = SynchronisationService(
            self.repository,
            fake_ports(self.clock, self.metrics),
            DomainSettings(hold_back=HOLD_BACK),
            process=self.processor.process,
        )
        self.outcomes = OutcomeRecorder(self.repository, self.clock, self.metrics)  # saves outcomes as the cycles do

    def store(self, *messages: Message) -> None:
        for message in messages:
            self.repository.add(message)

    def stored(self, message: Message) -> Message:
        found = self.repository.get(message.id)
        assert found is not None, f"{message.id} was deleted"
        return found
