"""The HMPPS domain events ptpu publishes after changing Delius (SPEC §7), shaped as the Kotlin
`HmppsDomainEventPublisher`'s with `occurredAt` in Europe/London, and how a record owes one, never lost."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from attrs import evolve, frozen

from ptpu_core.errors import SystemFailure, UpstreamFailure
from ptpu_core.models.domain_event import CRN, NOMS, HmppsDomainEvent, PersonIdentifier
from ptpu_core.models.record import Message
from ptpu_core.models.service_time import SERVICE_ZONE, instant
from ptpu_core.ports import DomainEventPublisher, MessageRepository
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.work.effect_journal import WRITE, write_key

log = logging.getLogger(__name__)


PRISON_IDENTIFIER_ADDED = "probation-case.prison-identifier.added"
PRISON_IDENTIFIER_UPDATED = "probation-case.prison-identifier.updated"
ADDED_DESCRIPTION = (
    "A probation case has been matched with a booking in the prison system. "
    "The prisoner and booking identifiers have been added to the probation case."
)
DOMAIN_EVENTS = "domain-events topic"
UPDATED_DESCRIPTION = (
    "A prison booking number has been changed. "
    "The prison number and booking number have been updated on the probation case."
)


def prison_identifier_added(crn: str, noms_number: str, booking_number: str, occurred_at: datetime) -> HmppsDomainEvent:
    """The event for a NOMS number set on the case `crn`."""
    information = {"bookingNumber": booking_number}
    return _about_case(PRISON_IDENTIFIER_ADDED, ADDED_DESCRIPTION, crn, noms_number, occurred_at, information)


def prison_identifier_updated(
    crn: str, noms_number: str, previous_noms_number: str, booking_number: str, occurred_at: datetime
) -> HmppsDomainEvent:
    """The event for the case `crn` whose NOMS number a merge replaced (`previous_noms_number` → `noms_number`)."""
    information = {"bookingNumber": booking_number, "previousNomsNumber": previous_noms_number}
    return _about_case(PRISON_IDENTIFIER_UPDATED, UPDATED_DESCRIPTION, crn, noms_number, occurred_at, information)


def _about_case(
    event_type: str, description: str, crn: str, noms_number: str, occurred_at: datetime, information: dict[str, str]
) -> HmppsDomainEvent:
    identifiers = (PersonIdentifier(CRN, crn), PersonIdentifier(NOMS, noms_number))
    london = instant(occurred_at).astimezone(SERVICE_ZONE)  # naive: London wall-clock time
    return HmppsDomainEvent(event_type=event_type, occurred_at=london, description=description,
                            identifiers=identifiers, additional_information=information)


PUBLISHED = "publish"
_OWED = "publish-owed"


def event_key(operation: str, event: HmppsDomainEvent) -> str:
    """The journal key of publishing `event`: the same on every attempt (its time is left out)."""
    return write_key(operation, event.event_type, event.identifiers, event.additional_information)


def owed_events(applied_steps: Iterable[str]) -> list[HmppsDomainEvent]:
    """The events a record's journal says an earlier attempt could not publish, in a stable order."""
    prefix = f"{WRITE}{_OWED}:"
    return [_decode(step.split("=", 1)[1]) for step in sorted(applied_steps) if step.startswith(prefix) and "=" in step]


def owed_step(event: HmppsDomainEvent) -> str:
    """What a failed publish leaves on its record: its next processing publishes `event` first, time unchanged."""
    return f"{event_key(_OWED, event)}={_encode(event)}"


# The owed-event format is stored on records (DynamoDB) and read by other pods and other versions: never change
# it, whatever HmppsDomainEvent's fields become. A compact JSON array: [eventType, occurredAt (ISO 8601),
# description, [[type, value], ...] identifiers, [[name, value], ...] additional information, version].
def _encode(event: HmppsDomainEvent) -> str:
    identifiers = [[one.type, one.value] for one in event.identifiers]
    information = [list(pair) for pair in event.additional_information]
    fields = [event.event_type, event.occurred_at.isoformat(), event.description, identifiers, information]
    return json.dumps([*fields, event.version], separators=(",", ":"))


def _decode(text: str) -> HmppsDomainEvent:
    event_type, occurred_at, description, identifiers, information, version = json.loads(text)
    return HmppsDomainEvent(
        event_type=event_type, occurred_at=datetime.fromisoformat(occurred_at), description=description,
        identifiers=tuple(PersonIdentifier(kind, value) for kind, value in identifiers),
        additional_information=tuple((key, value) for key, value in information), version=version,
    )


@frozen
class KeptWhenUnpublished:
    """A re-sync's publisher: a failed publish stores `record` (as an IMPRISONMENT_STATUS-CHANGED) owing the
    event (`owed_step`) for scheduled processing to publish first, then raises UpstreamFailure(DOMAIN_EVENTS)."""

    _real: DomainEventPublisher
    _store: MessageRepository
    _record: Message

    def publish(self, event: HmppsDomainEvent) -> None:
        try:
            self._real.publish(event)
        except SystemFailure as failure:
            owed = evolve(self._record, id=f"resync-owed-{uuid.uuid4()}", applied_steps=frozenset({owed_step(event)}),
                          delete_by=initial_delete_by(self._record.created_date))
            self._store.add(owed)  # a StoreFailure here is this booking's ERROR too
            log.warning("Re-sync could not publish %s (%s): kept on record %s for scheduled processing",
                        event.event_type, failure, owed.id)
            kept = f"publishing {event.event_type} failed; kept on {owed.id}"
            raise UpstreamFailure(DOMAIN_EVENTS, kept) from failure
