"""IMPRISONMENT_STATUS-CHANGED (SPEC §7 steps 1-10): a new sentence; link the Delius record and sync it. Steps 7
(book number, with MATCHING), 8 (LOCATION) and 9 (KEY_DATES) are skipped while their capability is off."""

from __future__ import annotations

import logging

from ptpu_core import telemetry_names as names
from ptpu_core.models.events import EventType, ImprisonmentStatusChangedEvent
from ptpu_core.models.probation import NotFound, UpdateCustody, UpdateCustodyBookingNumber
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done, try_later
from ptpu_core.processors.matching import NotMatched, OffenderMatcher
from ptpu_core.rules.capabilities import Capability, skipped
from ptpu_core.rules.identifiers import require_booking_identifiers
from ptpu_core.rules.key_dates import latest_sentence_start_date, probation_key_dates
from ptpu_core.rules.validation import NOT_ACTIVE, NOT_INTERESTED_PRISON
from ptpu_core.work.unit_of_work import BookingWork

log = logging.getLogger(__name__)

STATUS_CHANGE = EventType.IMPRISONMENT_STATUS_CHANGED.value
Decision = tuple[Outcome, str, dict[str, str]]  # outcome, telemetry event name, its attributes


def process(event: ImprisonmentStatusChangedEvent, work: BookingWork) -> Outcome:
    # Exactly one outcome event per record, always saying which booking and status it was.
    outcome, name, attributes = _decide(event, work)
    work.track_event(name, attributes)
    log.info("Imprisonment status of booking %d: %s", event.booking_id, name)
    return outcome


def _decide(event: ImprisonmentStatusChangedEvent, work: BookingWork) -> Decision:
    booking_id = event.booking_id
    ids = {"bookingId": str(booking_id), "imprisonmentStatusSeq": str(event.imprisonment_status_seq)}
    if event.imprisonment_status_seq != 0:  # 1: NOMIS raises three events; only the insert matters
        return done(State.NO_LONGER_VALID), names.IMPRISONMENT_STATUS_NOT_SEQUENCE_ZERO, ids
    detail = work.get_sentence_detail(booking_id)
    start = detail.sentence_start_date and latest_sentence_start_date(work.get_sentence_terms(booking_id))  # 2, 3
    if start is None:
        return done(State.NO_LONGER_VALID), names.IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE, ids
    booking = work.get_booking(booking_id)
    require_booking_identifiers(booking)
    about = ids | names.booking_attributes(booking) | {"sentenceStartDate": start.isoformat()}
    if not booking.active_flag:  # 4: released since; nothing left to do
        return done(State.COMPLETED), names.IMPRISONMENT_STATUS_IGNORED, about | {"reason": NOT_ACTIVE}

    settings = work.settings
    matcher = OffenderMatcher(work, work.ports.offender_search, work, work, settings, announcer=work)
    match = matcher.ensure_offender_number_exists_in_probation(booking, start)  # 5
    if isinstance(match, NotMatched):
        return try_later(match.state, None, *match.crns), match.telemetry_name, about | match.attributes
    crn = match.crn
    if not settings.is_interested_prison(booking.agency_id):  # 6
        ignored = about | {"reason": NOT_INTERESTED_PRISON}
        return done(State.NO_LONGER_VALID), names.IMPRISONMENT_STATUS_IGNORED, ignored

    noms, book_no = booking.offender_no, booking.booking_no
    capabilities = settings.capabilities
    if not capabilities.matching:  # 7
        work.track_event(names.SKIPPED_BY_CONFIGURATION, about | skipped(Capability.MATCHING, STATUS_CHANGE))
    elif work.update_booking_number(noms, UpdateCustodyBookingNumber(start, book_no)) is None:
        return try_later(State.BOOKING_NUMBER_NOT_ASSIGNED, None, crn), names.BOOKING_NUMBER_NOT_ASSIGNED, about
    # Until Delius is put right (e.g. duplicate custodial events) keep trying while the sentence runs.
    retry_until = detail.sentence_expiry_date
    if not capabilities.location:  # 8
        work.track_event(names.SKIPPED_BY_CONFIGURATION, about | skipped(Capability.LOCATION, STATUS_CHANGE))
    elif booking.agency_id is not None and work.update_custody(noms, book_no, UpdateCustody(booking.agency_id)) is None:
        return try_later(State.LOCATION_NOT_UPDATED, retry_until, crn), names.LOCATION_NOT_UPDATED, about
    if not capabilities.key_dates:
        work.track_event(names.SKIPPED_BY_CONFIGURATION, about | skipped(Capability.KEY_DATES, STATUS_CHANGE))
    else:
        replaced = work.replace_key_dates(noms, book_no, probation_key_dates(detail))  # 9
        if isinstance(replaced, NotFound):
            outcome = try_later(State.KEY_DATES_NOT_UPDATED, retry_until, crn)
            return outcome, names.KEY_DATES_NOT_UPDATED, about | {"reason": replaced.detail}
    return done(State.COMPLETED, crn), names.IMPRISONMENT_STATUS_UPDATED, about | {"crn": crn}  # 10

