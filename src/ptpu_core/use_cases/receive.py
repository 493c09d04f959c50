"""Phase 1 (SPEC §3): receive one offender event, validate it, and store it when it may matter."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from enum import Enum

from attrs import define

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.models.service_time import instant
from ptpu_core.ports import Clock, MessageRepository, Metrics, PrisonApi
from ptpu_core.rules.event_parsing import parse_event
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.rules.validation import Dropped, validate
from ptpu_core.settings import DomainSettings

log = logging.getLogger("ptpu.receive")


class Reception(Enum):
    STORED = "STORED"
    NOT_VALID = "NOT_VALID"
    IGNORED = "IGNORED"  # an event type we do not handle
    DUPLICATE = "DUPLICATE"  # a copy of an event already stored
    SWITCHED_OFF = "SWITCHED_OFF"  # every capability its type serves is switched off


# Fixed forever: changing it would let every copy in flight be stored a second time.
SNS_MESSAGE_NAMESPACE = uuid.UUID("6f1b8f5e-3d0a-5a8e-9f0e-7d1c2b3a4f50")


def record_id_for(sns_message_id: str) -> str:
    """A uuid5: the shape of the existing service's random ids, and the same for every copy of one notification."""
    return str(uuid.uuid5(SNS_MESSAGE_NAMESPACE, sns_message_id))


@define
class EventReceiver:
    """InvalidMessage and SystemFailure propagate to the listener (the DLQ, or SQS's redelivery)."""

    _prison_api: PrisonApi
    _repository: MessageRepository
    _clock: Clock
    _settings: DomainSettings
    _new_id: Callable[[], str] = lambda: str(uuid.uuid4())
    _metrics: Metrics | None = None

    def receive(self, event_type: str, message_json: str, sns_message_id: str | None = None) -> Reception:
        """Copies with the same `sns_message_id` are stored once (DUPLICATE, counted); None: a random id. Each
        reception is counted (Metrics.event_received)."""
        reception = self._receive(event_type, message_json, sns_message_id)
        if self._metrics is not None:
            self._metrics.event_received(event_type, reception.value)
        return reception

    def _receive(self, event_type: str, message_json: str, sns_message_id: str | None) -> Reception:
        event = parse_event(event_type, message_json)
        if event is None:
            log.info("Ignoring event of type %s: not an event we handle", event_type)
            return Reception.IGNORED
        if not self._settings.capabilities.handles(event_type):
            # Nothing it could lead to is ours to write: no prison-api call, nothing stored.
            off = ", ".join(c.value for c in self._settings.capabilities.switched_off_for(event_type))
            log.info("Not storing %s for booking %d: switched off (%s)", event_type, event.booking_id, off)
            return Reception.SWITCHED_OFF
        record_id = record_id_for(sns_message_id) if sns_message_id else self._new_id()
        if sns_message_id and self._repository.get(record_id) is not None:
            return self._duplicate(event_type, event.booking_id, sns_message_id, record_id)
        verdict = validate(event, self._prison_api, self._settings)
        if isinstance(verdict, Dropped):
            log.info("Dropping %s for booking %d: %s", event_type, event.booking_id, verdict.reason)
            return Reception.NOT_VALID
        created, booking = instant(self._clock.now()), verdict.booking
        message = Message(
            id=record_id, booking_id=event.booking_id, event_type=event_type, message=message_json,
            created_date=created, delete_by=initial_delete_by(created), retry_count=0,
            status=SynchroniseState.VALIDATED, reportable=True, sns_message_id=sns_message_id,
            offender_no=booking.offender_no, booking_no=booking.booking_no, location_id=booking.agency_id,
            location_description=booking.location_description, recall=booking.recall, legal_status=booking.legal_status,
        )
        if not self._repository.add(message):  # a copy stored meanwhile, or our own lost-answer retry
            return self._duplicate(event_type, event.booking_id, sns_message_id, record_id)
        log.info("Stored %s for booking %d as %s", event_type, event.booking_id, message.log_ref)
        return Reception.STORED

    def _duplicate(self, event_type: str, booking_id: int, sns_message_id: str | None, record_id: str) -> Reception:
        log.info("Duplicate %s for booking %d (SNS message %s): already stored as %s; acknowledged, not stored again",
                 event_type, booking_id, sns_message_id, record_id)
        if self._metrics is not None:
            self._metrics.duplicate_message(event_type)
        return Reception.DUPLICATE
