"""One stored record through its processor (SPEC §7). An unhandled event type is Done COMPLETED (the Kotlin
MessageProcessor), an unreadable payload Done NO_LONGER_VALID; SystemFailure propagates: the record is retried."""

from __future__ import annotations

import logging

from ptpu_core import telemetry_names as names
from ptpu_core.errors import InvalidMessage
from ptpu_core.models import events
from ptpu_core.models.record import Message
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done
from ptpu_core.processors import booking_number, imprisonment_status, movement, sentence_dates
from ptpu_core.rules.capabilities import skipped
from ptpu_core.rules.event_parsing import parse_event
from ptpu_core.rules.identifiers import InvalidIdentifier
from ptpu_core.work.unit_of_work import BookingWork

log = logging.getLogger(__name__)


def process(message: Message, work: BookingWork) -> Outcome:
    """The record's outcome; what an earlier attempt of it could not announce is published first."""
    work.publish_owed()
    try:
        event = parse_event(message.event_type, message.message)
    except InvalidMessage as error:
        # It was valid when stored, so this is a bug or a hand-edited record; retrying cannot help.
        log.error("Record %s (booking %d) cannot be read: %s", message.log_ref, message.booking_id, error)
        work.unreadable_record("message")
        return done(State.NO_LONGER_VALID)
    if event is None:
        log.warning("Record %s has event type %r, which we do not process", message.log_ref, message.event_type)
        return done(State.COMPLETED)
    if not work.settings.capabilities.handles(message.event_type):
        # Stored before its type's capabilities were all switched off: no upstream call.
        log.info("Record %s (%s) not processed: its capabilities are switched off", message.log_ref, message.event_type)
        for capability in work.settings.capabilities.switched_off_for(message.event_type):
            work.track_event(names.SKIPPED_BY_CONFIGURATION,
                             {"bookingId": str(message.booking_id)} | skipped(capability, message.event_type))
        return done(State.NO_LONGER_VALID)
    try:
        match event:
            case events.ImprisonmentStatusChangedEvent():
                return imprisonment_status.process(event, work)
            case events.ExternalMovementInsertedEvent():
                return movement.process(event, work)
            case events.SentenceDatesChangedEvent() | events.ConfirmedReleaseDateChangedEvent():
                return sentence_dates.process(event, work)
            case events.BookingNumberChangedEvent():
                return booking_number.process(event, work)
    except InvalidIdentifier as bad:
        # An upstream value that cannot be an identifier: nothing written; retrying cannot help.
        log.warning("Record %s (booking %d): %s; refused, nothing written", message.log_ref, message.booking_id, bad)
        work.track_event(names.IDENTIFIER_REJECTED, {"bookingId": str(message.booking_id),
                         "eventType": message.event_type, "field": bad.field, "value": str(bad.value)})
        return done(State.NOT_VALID)
    raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover - the match is exhaustive

