"""Phase 1 (SPEC §3): receive one offender event, validate it, and store it when it may matter."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from enum import Enum

from ptpu_core.event_parsing import parse_event
from ptpu_core.models.prison import Booking
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.ports import Clock, MessageRepository, PrisonApi, Telemetry
from ptpu_core.retry_policy import initial_delete_by
from ptpu_core.service_time import instant
from ptpu_core.settings import DomainSettings
from ptpu_core.validation import Dropped, validate

log = logging.getLogger("ptpu.receive")


class Reception(Enum):
    STORED = "STORED"
    NOT_VALID = "NOT_VALID"
    IGNORED = "IGNORED"  # an event type we do not handle


def _new_id() -> str:
    return str(uuid.uuid4())


class EventReceiver:
    """Parses, validates and stores. InvalidMessage and SystemFailure propagate to the listener,
    which sends a poison message to the DLQ and leaves a failed one for SQS to redeliver."""

    def __init__(
        self,
        prison_api: PrisonApi,
        repository: MessageRepository,
        clock: Clock,
        settings: DomainSettings,
        telemetry: Telemetry,
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self._prison_api = prison_api
        self._repository = repository
        self._clock = clock
        self._settings = settings
        # Validation emits no telemetry (as in the existing service: logs only); kept for the agreed API.
        self._telemetry = telemetry
        self._new_id = new_id

    def receive(self, event_type: str, message_json: str) -> Reception:
        event = parse_event(event_type, message_json)
        if event is None:
            log.info("Ignoring event of type %s: not an event we handle", event_type)
            return Reception.IGNORED
        verdict = validate(event, self._prison_api, self._settings)
        if isinstance(verdict, Dropped):
            log.info("Dropping %s for booking %d: %s", event_type, event.booking_id, verdict.reason)
            return Reception.NOT_VALID
        message = self._record(event.booking_id, event_type, message_json, verdict.booking)
        self._repository.add(message)
        log.info("Stored %s for booking %d as %s", event_type, event.booking_id, message.id)
        return Reception.STORED

    def _record(self, booking_id: int, event_type: str, message_json: str, booking: Booking) -> Message:
        created = instant(self._clock.now())
        return Message(
            id=self._new_id(),
            booking_id=booking_id,
            event_type=event_type,
            message=message_json,
            created_date=created,
            delete_by=initial_delete_by(created),
            retry_count=0,
            status=SynchroniseState.VALIDATED,
            reportable=True,
            offender_no=booking.offender_no,
            booking_no=booking.booking_no,
            location_id=booking.agency_id,
            location_description=booking.location_description,
            recall=booking.recall,
            legal_status=booking.legal_status,
        )
