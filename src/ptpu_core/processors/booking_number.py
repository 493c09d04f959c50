"""BOOKING_NUMBER-CHANGED (SPEC §7): NOMIS merged prisoner records; move Delius to the surviving NOMS number."""

from __future__ import annotations

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import BookingNumberChangedEvent
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Done, done
from ptpu_core.rules.identifiers import require_noms_number
from ptpu_core.work.unit_of_work import BookingWork


def process(event: BookingNumberChangedEvent, work: BookingWork) -> Done:
    booking = work.get_booking(event.booking_id)
    if not work.settings.is_interested_prison(booking.agency_id):
        # Silent, as the existing service; stored COMPLETED as it stores every once-only event.
        return done(State.COMPLETED)
    require_noms_number(booking.offender_no, "offenderNo")
    about = {"bookingId": str(event.booking_id), "offenderNo": booking.offender_no}
    crns: list[str] = []
    merged_numbers = work.get_merged_identifiers(event.booking_id)
    for merged in merged_numbers:  # every one checked before the first write
        require_noms_number(merged.value, "oldOffenderNo")
    for merged in merged_numbers:
        old = {"oldOffenderNo": merged.value}
        replaced = work.replace_noms_number(merged.value, booking.offender_no)
        if work.settings.dry_run:
            # Only reported (the dry-run adapter answers []): say what would be done, not "offender not found".
            work.track_event(names.BOOKING_NUMBER_CHANGED, about | old | {"dryRun": "true"})
            continue
        if not replaced:
            work.track_event(names.BOOKING_NUMBER_CHANGED_OFFENDER_NOT_FOUND, about | old)
        for ids in replaced:
            work.track_event(names.BOOKING_NUMBER_CHANGED, about | old | {"crn": ids.crn})
            work.identifier_updated(ids.crn, booking.offender_no, merged.value, booking.booking_no)
            crns.append(ids.crn)
    return done(State.COMPLETED, *crns)
