"""SENTENCE_DATES-CHANGED and CONFIRMED_RELEASE_DATE-CHANGED (SPEC §7): copy key dates to Delius. Tried once,
stored COMPLETED whatever the outcome (the telemetry event says which), as the existing service."""

from __future__ import annotations

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import ConfirmedReleaseDateChangedEvent, SentenceDatesChangedEvent
from ptpu_core.models.probation import NotFound
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Done, done
from ptpu_core.rules.identifiers import require_booking_identifiers
from ptpu_core.rules.key_dates import probation_key_dates, sentence_date_attributes
from ptpu_core.rules.validation import booking_rejection
from ptpu_core.work.unit_of_work import BookingWork

# community-api's 404 body names the booking number when the offender exists but the custodial event does not.
NO_CONVICTION_MARKER = "bookingnumber"


def process(event: SentenceDatesChangedEvent | ConfirmedReleaseDateChangedEvent, work: BookingWork) -> Done:
    booking = work.get_booking(event.booking_id)
    require_booking_identifiers(booking)
    about = {"bookingId": str(event.booking_id)} | names.booking_attributes(booking)
    reason = booking_rejection(booking, work.settings)
    if reason is not None:
        work.track_event(names.SENTENCE_DATES_CHANGE_IGNORED, about | {"reason": reason})
        return done(State.COMPLETED)

    detail = work.get_sentence_detail(event.booking_id)
    about |= sentence_date_attributes(detail)
    work.sentence_date_change("total")
    result = work.replace_key_dates(booking.offender_no, booking.booking_no, probation_key_dates(detail))
    if isinstance(result, NotFound):
        no_conviction = NO_CONVICTION_MARKER in result.detail.lower()
        work.sentence_date_change("fail_no_conviction" if no_conviction else "fail_no_offender")
        work.track_event(names.SENTENCE_DATES_RECORD_NOT_FOUND, about | {"reason": result.detail})
        return done(State.COMPLETED)
    work.sentence_date_change("success")
    work.track_event(names.SENTENCE_DATES_CHANGED, about)
    return done(State.COMPLETED)
