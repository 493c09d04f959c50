"""EXTERNAL_MOVEMENT_RECORD-INSERTED (SPEC §7): tell Delius which prison the prisoner is now in. Tried once,
stored COMPLETED whatever the outcome (the telemetry event says which), as the existing service."""

from __future__ import annotations

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import ExternalMovementInsertedEvent
from ptpu_core.models.probation import UpdateCustody
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Done, done
from ptpu_core.rules.identifiers import require_booking_identifiers
from ptpu_core.rules.validation import NOT_ACTIVE, movement_rejection
from ptpu_core.telemetry_names import NOT_PRESENT
from ptpu_core.work.unit_of_work import BookingWork

UNKNOWN_DESCRIPTION = "Not known"


def process(event: ExternalMovementInsertedEvent, work: BookingWork) -> Done:
    about = {"bookingId": str(event.booking_id), "movementSeq": str(event.movement_seq)}
    work.track_event(names.EXTERNAL_MOVEMENT, about)

    movement = work.get_movement(event.booking_id, event.movement_seq)
    if movement is not None:
        about |= {"movementType": movement.movement_type, "fromAgency": movement.from_agency or NOT_PRESENT,
                  "toAgency": movement.to_agency or NOT_PRESENT}
    reason = movement_rejection(movement, work.settings)
    if movement is None or reason is not None:
        return _ignored(work, about, reason or "")
    booking = work.get_booking(event.booking_id)
    require_booking_identifiers(booking)
    about |= names.booking_attributes(booking)
    if not booking.active_flag:
        return _ignored(work, about, NOT_ACTIVE)

    # As the existing service: the outcome event says where prison-api's prisoner record has them.
    prisoner = work.get_prisoner(movement.offender_no)
    about |= {"latestLocation": (prisoner.latest_location if prisoner else None) or NOT_PRESENT,
              "convictedStatus": (prisoner.convicted_status if prisoner else None) or NOT_PRESENT}
    to_agency = movement.to_agency or ""  # movement_rejection guarantees one
    work.movement("total")
    custody = work.update_custody(booking.offender_no, booking.booking_no, UpdateCustody(to_agency))
    if custody is None:
        work.movement("fail")
        work.track_event(names.TRANSFER_PROBATION_RECORD_NOT_FOUND, about)
        return done(State.COMPLETED)
    work.movement("success")
    description = custody.institution.description if custody.institution else None
    about |= {"toAgencyDescription": description or UNKNOWN_DESCRIPTION}
    work.track_event(names.TRANSFER_PROBATION_UPDATED, about)
    return done(State.COMPLETED)


def _ignored(work: BookingWork, about: dict[str, str], reason: str) -> Done:
    work.track_event(names.TRANSFER_IGNORED, about | {"reason": reason})
    return done(State.COMPLETED)

