"""The HMPPS domain events ptpu publishes after changing Delius.

- `probation-case.prison-identifier.added`: a NOMS number was set on a probation case (status-change
  matching, SPEC §7 "Matching", scheduled or by POST /resync). Identifiers CRN and NOMS; `bookingNumber` in
  additionalInformation. Also when it replaced a different NOMS number: the replaced number is not in the
  event, as prison-identifier-and-delius (Notifier.identifierAdded after MatchWriter.update) publishes it.
- `probation-case.prison-identifier.updated`: a merge replaced the NOMS number on a case
  (BOOKING_NUMBER-CHANGED); one per CRN moved, with `bookingNumber` and `previousNomsNumber`.

Event types, descriptions and fields as the existing service published them after 2021
(prison-to-probation-update `BookingChangeService` / `OffenderProbationMatchService` with its
`HmppsDomainEventPublisher`), the shapes `custody-key-dates-and-delius` and `prison-identifier-and-delius`
read. `occurredAt` is the moment of the change in Europe/London with its offset.

No change in Delius goes unannounced: `JournalledDomainEventPublisher` remembers, in the record's effect
journal, an event it could not publish; processing the record again publishes it first,
whichever way the retry goes (on a retry offender-search usually already finds the NOMS number on the
case, so the matching step that set it does not run again).
"""

from __future__ import annotations

import json
from datetime import datetime

from ptpu_core.errors import SystemFailure
from ptpu_core.models.domain_event import CRN, NOMS, HmppsDomainEvent, PersonIdentifier
from ptpu_core.models.record import Message
from ptpu_core.models.service_time import SERVICE_ZONE, instant
from ptpu_core.ports import Clock, DomainEventPublisher
from ptpu_core.work.effect_journal import WRITE, EffectJournal, write_key

PRISON_IDENTIFIER_ADDED = "probation-case.prison-identifier.added"
PRISON_IDENTIFIER_UPDATED = "probation-case.prison-identifier.updated"
ADDED_DESCRIPTION = (
    "A probation case has been matched with a booking in the prison system. "
    "The prisoner and booking identifiers have been added to the probation case."
)
UPDATED_DESCRIPTION = (
    "A prison booking number has been changed. "
    "The prison number and booking number have been updated on the probation case."
)


def london(moment: datetime) -> datetime:
    """`moment` (naive = London wall-clock time) as an aware Europe/London datetime."""
    return instant(moment).astimezone(SERVICE_ZONE)


def prison_identifier_added(crn: str, noms_number: str, booking_number: str, occurred_at: datetime) -> HmppsDomainEvent:
    """The event for a NOMS number set on the case `crn`."""
    return HmppsDomainEvent(
        event_type=PRISON_IDENTIFIER_ADDED,
        occurred_at=london(occurred_at),
        description=ADDED_DESCRIPTION,
        identifiers=(PersonIdentifier(CRN, crn), PersonIdentifier(NOMS, noms_number)),
        additional_information={"bookingNumber": booking_number},
    )


def prison_identifier_updated(
    crn: str, noms_number: str, previous_noms_number: str, booking_number: str, occurred_at: datetime
) -> HmppsDomainEvent:
    """The event for the case `crn` whose NOMS number a merge replaced (`previous_noms_number` → `noms_number`)."""
    return HmppsDomainEvent(
        event_type=PRISON_IDENTIFIER_UPDATED,
        occurred_at=london(occurred_at),
        description=UPDATED_DESCRIPTION,
        identifiers=(PersonIdentifier(CRN, crn), PersonIdentifier(NOMS, noms_number)),
        additional_information={"bookingNumber": booking_number, "previousNomsNumber": previous_noms_number},
    )


class Announcer:
    """What the processors call after a Delius write: builds the event at the clock's time and publishes it."""

    def __init__(self, publisher: DomainEventPublisher, clock: Clock) -> None:
        self.publisher = publisher
        self._clock = clock

    def identifier_added(self, crn: str, noms_number: str, booking_number: str) -> None:
        self.publisher.publish(prison_identifier_added(crn, noms_number, booking_number, self._clock.now()))

    def identifier_updated(self, crn: str, noms_number: str, previous_noms_number: str, booking_number: str) -> None:
        event = prison_identifier_updated(crn, noms_number, previous_noms_number, booking_number, self._clock.now())
        self.publisher.publish(event)


_PUBLISHED = "publish"
_OWED = "publish-owed"


def _key(operation: str, event: HmppsDomainEvent) -> str:
    # The same announcement on every attempt: its time is left out.
    return write_key(operation, event.event_type, event.identifiers, event.additional_information)


class JournalledDomainEventPublisher:
    """Publishes each announcement of a record once, and never loses one (see the module docstring).

    Journal steps (kept across attempts, as Delius writes are): `w:publish:<digest>` once published;
    `w:publish-owed:<digest>=<event as JSON>` when publishing failed, so `publish_owed` can publish it
    at the start of the next processing of the record, with the time of the change it announces.
    """

    def __init__(self, real: DomainEventPublisher, journal: EffectJournal, message: Message) -> None:
        self._real = real
        self._journal = journal
        self._message = message

    def publish(self, event: HmppsDomainEvent) -> None:
        published = _key(_PUBLISHED, event)
        if self._journal.landed_write(published) is not None:
            return
        self._journal.before_write()
        try:
            self._real.publish(event)
        except SystemFailure:
            self._journal.wrote(owed_step(event))
            raise
        self._journal.wrote(published)

    def publish_owed(self) -> None:
        """Publish every event an earlier attempt owes; SystemFailure when one still cannot be."""
        for step in sorted(self._message.applied_steps):
            if step.startswith(f"{WRITE}{_OWED}:") and "=" in step:
                self.publish(_decode(step.split("=", 1)[1]))


def owed_step(event: HmppsDomainEvent) -> str:
    """The journal step saying `event` is owed (what a failed publish leaves on its record): a record
    carrying it publishes the event, with its original time, at the start of its next processing."""
    return f"{_key(_OWED, event)}={_encode(event)}"


def _encode(event: HmppsDomainEvent) -> str:
    return json.dumps(
        [
            event.event_type,
            event.occurred_at.isoformat(),
            event.description,
            [[one.type, one.value] for one in event.identifiers],
            [list(pair) for pair in event.additional_information],
            event.version,
        ],
        separators=(",", ":"),
    )


def _decode(text: str) -> HmppsDomainEvent:
    event_type, occurred_at, description, identifiers, information, version = json.loads(text)
    return HmppsDomainEvent(
        event_type=event_type,
        occurred_at=datetime.fromisoformat(occurred_at),
        description=description,
        identifiers=tuple(PersonIdentifier(kind, value) for kind, value in identifiers),
        additional_information=tuple((key, value) for key, value in information),
        version=version,
    )
