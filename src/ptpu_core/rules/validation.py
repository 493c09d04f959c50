"""Which events can ever matter (SPEC §3). The rules are shared with the processors' re-checks (SPEC §7)."""

from __future__ import annotations

from attrs import frozen

from ptpu_core.models import events
from ptpu_core.models.prison import Booking, Movement
from ptpu_core.ports import PrisonApi
from ptpu_core.settings import DomainSettings

# Reasons, worded as the existing service words them in its telemetry.
NOT_SEQUENCE_ZERO = "Not imprisonment status sequence zero"
NO_SENTENCE_START_DATE = "No sentence start date"
NOT_ACTIVE = "Not an active booking"
NOT_INTERESTED_PRISON = "Not at an interested prison"
MOVEMENT_NOT_FOUND = "Movement not found"
NOT_A_TRANSFER = "Not a transfer"
MOVEMENT_NOT_INTERESTED_PRISON = "Not an interested prison"
NO_MERGED_IDENTIFIERS = "No merged identifiers"

ADMISSION = "ADM"


@frozen
class Kept:
    booking: Booking


@frozen
class Dropped:
    reason: str


Verdict = Kept | Dropped


def movement_rejection(movement: Movement | None, settings: DomainSettings) -> str | None:
    """Why a movement is of no interest, or None when it is an admission into a prison we serve."""
    if movement is None:
        return MOVEMENT_NOT_FOUND
    if movement.movement_type != ADMISSION or movement.to_agency is None:
        return NOT_A_TRANSFER
    if not settings.is_interested_prison(movement.to_agency):
        return MOVEMENT_NOT_INTERESTED_PRISON
    return None


def booking_rejection(booking: Booking, settings: DomainSettings) -> str | None:
    """Why an active-booking event is of no interest, or None when the booking is active at a prison we serve."""
    if not booking.active_flag:
        return NOT_ACTIVE
    if not settings.is_interested_prison(booking.agency_id):
        return NOT_INTERESTED_PRISON
    return None


def validate(event: events.OffenderEvent, prison_api: PrisonApi, settings: DomainSettings) -> Verdict:
    """Keep or drop one event, calling prison-api only as far as the decision needs."""
    booking_id = event.booking_id
    match event:
        case events.ImprisonmentStatusChangedEvent():
            if event.imprisonment_status_seq != 0:
                return Dropped(NOT_SEQUENCE_ZERO)  # no prison-api call: it can never matter
            if prison_api.get_sentence_detail(booking_id).sentence_start_date is None:
                return Dropped(NO_SENTENCE_START_DATE)
            return _active_at_interested_prison(prison_api.get_booking(booking_id), settings)
        case events.ExternalMovementInsertedEvent():
            reason = movement_rejection(prison_api.get_movement(booking_id, event.movement_seq), settings)
            if reason is not None:
                return Dropped(reason)
            booking = prison_api.get_booking(booking_id)
            return Kept(booking) if booking.active_flag else Dropped(NOT_ACTIVE)
        case events.SentenceDatesChangedEvent() | events.ConfirmedReleaseDateChangedEvent():
            return _active_at_interested_prison(prison_api.get_booking(booking_id), settings)
        case events.BookingNumberChangedEvent():
            booking = prison_api.get_booking(booking_id)
            if not settings.is_interested_prison(booking.agency_id):
                return Dropped(NOT_INTERESTED_PRISON)
            if not prison_api.get_merged_identifiers(booking_id):
                return Dropped(NO_MERGED_IDENTIFIERS)
            return Kept(booking)
    raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover - the match is exhaustive


def _active_at_interested_prison(booking: Booking, settings: DomainSettings) -> Verdict:
    reason = booking_rejection(booking, settings)
    return Kept(booking) if reason is None else Dropped(reason)
