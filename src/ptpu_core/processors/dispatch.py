"""The per-record entry point of phases 2 and 3: parse the stored event and hand it to its processor."""

from __future__ import annotations

import logging

from ptpu_core import telemetry_names as names
from ptpu_core.errors import InvalidMessage
from ptpu_core.event_parsing import parse_event
from ptpu_core.identifiers import InvalidIdentifier
from ptpu_core.matching import OffenderMatcher
from ptpu_core.models.events import (
    BookingNumberChangedEvent,
    ConfirmedReleaseDateChangedEvent,
    ExternalMovementInsertedEvent,
    ImprisonmentStatusChangedEvent,
    OffenderEvent,
    SentenceDatesChangedEvent,
)
from ptpu_core.models.record import Message
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done
from ptpu_core.ports import Clock, CommunityApi, Metrics, OffenderSearchApi, PrisonApi, Telemetry
from ptpu_core.processors.booking_number import BookingNumberProcessor
from ptpu_core.processors.imprisonment_status import ImprisonmentStatusProcessor
from ptpu_core.processors.movement import MovementProcessor
from ptpu_core.processors.sentence_dates import SentenceDatesProcessor
from ptpu_core.settings import DomainSettings

log = logging.getLogger(__name__)


class MessageProcessor:
    """SystemFailure from any port propagates: the caller retries the record (SPEC §7 last line)."""

    def __init__(
        self,
        prison_api: PrisonApi,
        community_api: CommunityApi,
        offender_search: OffenderSearchApi,
        telemetry: Telemetry,
        metrics: Metrics,
        clock: Clock,
        settings: DomainSettings,
    ) -> None:
        self._clock = clock  # part of the agreed API; no processing rule reads the time today
        self._telemetry = telemetry
        matcher = OffenderMatcher(prison_api, offender_search, community_api, telemetry, settings)
        self._imprisonment_status = ImprisonmentStatusProcessor(prison_api, community_api, matcher, telemetry, settings)
        self._movement = MovementProcessor(prison_api, community_api, telemetry, metrics, settings)
        self._sentence_dates = SentenceDatesProcessor(prison_api, community_api, telemetry, metrics, settings)
        self._booking_number = BookingNumberProcessor(prison_api, community_api, telemetry, settings)

    def process(self, message: Message) -> Outcome:
        try:
            event = parse_event(message.event_type, message.message)
        except InvalidMessage as error:
            # It was valid when stored, so this is a bug or a hand-edited record; retrying cannot help.
            log.error("Record %s (booking %d) cannot be read: %s", message.id, message.booking_id, error)
            return done(State.NO_LONGER_VALID)
        if event is None:
            log.warning("Record %s has event type %s, which we do not process", message.id, message.event_type)
            return done(State.NO_LONGER_VALID)
        try:
            return self._process(event)
        except InvalidIdentifier as bad:
            return self._refuse(message, bad)

    def _process(self, event: OffenderEvent) -> Outcome:
        match event:
            case ImprisonmentStatusChangedEvent():
                return self._imprisonment_status.process(event)
            case ExternalMovementInsertedEvent():
                return self._movement.process(event)
            case SentenceDatesChangedEvent() | ConfirmedReleaseDateChangedEvent():
                return self._sentence_dates.process(event)
            case BookingNumberChangedEvent():
                return self._booking_number.process(event)
        raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover - the match is exhaustive

    def _refuse(self, message: Message, bad: InvalidIdentifier) -> Outcome:
        """Issue 13 §2: an upstream value that cannot be an identifier ends the record as NOT_VALID,
        with telemetry naming the field and the value, and nothing written to Delius. Retrying
        cannot help: the value is prison-api's or offender-search's data, not a passing failure."""
        log.warning("Record %s (booking %d): %s; refused, nothing written", message.id, message.booking_id, bad)
        self._telemetry.track_event(
            names.IDENTIFIER_REJECTED,
            {
                "bookingId": str(message.booking_id),
                "eventType": message.event_type,
                "field": bad.field,
                "value": str(bad.value),
            },
        )
        return done(State.NOT_VALID)
