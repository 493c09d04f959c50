"""EXTERNAL_MOVEMENT_RECORD-INSERTED (SPEC §7): tell Delius which prison the prisoner is now in. Tried once.

Every outcome is stored as COMPLETED, as the existing service stores its once-only events;
which outcome it was stays in the telemetry event (updated, not found, ignored).
"""

from __future__ import annotations

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import ExternalMovementInsertedEvent
from ptpu_core.models.prison import Movement, Prisoner
from ptpu_core.models.probation import UpdateCustody
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Done, done
from ptpu_core.ports import CommunityApi, Metrics, PrisonApi, Telemetry
from ptpu_core.processors.attributes import booking_attributes
from ptpu_core.rules.identifiers import require_booking_identifiers
from ptpu_core.rules.validation import NOT_ACTIVE, movement_rejection
from ptpu_core.settings import DomainSettings
from ptpu_core.telemetry_names import NOT_PRESENT

UNKNOWN_DESCRIPTION = "Not known"


class MovementProcessor:
    """Metrics `ptpu.movement`: total/success/fail count only attempted Delius updates (as the existing
    service counts them); a movement ignored on re-check is not a failed sync and is not counted."""

    def __init__(
        self,
        prison_api: PrisonApi,
        community_api: CommunityApi,
        telemetry: Telemetry,
        metrics: Metrics,
        settings: DomainSettings,
    ) -> None:
        self._prison_api = prison_api
        self._community_api = community_api
        self._telemetry = telemetry
        self._metrics = metrics
        self._settings = settings

    def process(self, event: ExternalMovementInsertedEvent) -> Done:
        about = {"bookingId": str(event.booking_id), "movementSeq": str(event.movement_seq)}
        self._telemetry.track_event(names.EXTERNAL_MOVEMENT, about)

        movement = self._prison_api.get_movement(event.booking_id, event.movement_seq)
        if movement is not None:
            about |= _movement_attributes(movement)
        reason = movement_rejection(movement, self._settings)
        if movement is None or reason is not None:
            return self._ignored(about, reason or "")
        booking = self._prison_api.get_booking(event.booking_id)
        require_booking_identifiers(booking)
        about |= booking_attributes(booking)
        if not booking.active_flag:
            return self._ignored(about, NOT_ACTIVE)

        # As the existing service: look the prisoner up, so the outcome event says where NOMIS has them.
        about |= _prisoner_attributes(self._prison_api.get_prisoner(movement.offender_no))
        to_agency = movement.to_agency or ""  # movement_rejection guarantees one
        self._metrics.movement("total")
        custody = self._community_api.update_custody(booking.offender_no, booking.booking_no, UpdateCustody(to_agency))
        if custody is None:
            self._metrics.movement("fail")
            self._telemetry.track_event(names.TRANSFER_PROBATION_RECORD_NOT_FOUND, about)
            return done(State.COMPLETED)
        self._metrics.movement("success")
        description = custody.institution.description if custody.institution else None
        self._telemetry.track_event(
            names.TRANSFER_PROBATION_UPDATED, about | {"toAgencyDescription": description or UNKNOWN_DESCRIPTION}
        )
        return done(State.COMPLETED)

    def _ignored(self, about: dict[str, str], reason: str) -> Done:
        self._telemetry.track_event(names.TRANSFER_IGNORED, about | {"reason": reason})
        return done(State.COMPLETED)


def _movement_attributes(movement: Movement) -> dict[str, str]:
    return {
        "movementType": movement.movement_type,
        "fromAgency": movement.from_agency or NOT_PRESENT,
        "toAgency": movement.to_agency or NOT_PRESENT,
    }


def _prisoner_attributes(prisoner: Prisoner | None) -> dict[str, str]:
    """`latestLocation` and `convictedStatus` from prison-api's prisoner record (GET /api/prisoners),
    named as the existing service's P2PTransferProbationUpdated / ...RecordNotFound carry them."""
    return {
        "latestLocation": (prisoner.latest_location if prisoner else None) or NOT_PRESENT,
        "convictedStatus": (prisoner.convicted_status if prisoner else None) or NOT_PRESENT,
    }
