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
    outcome, name, attributes = _decide(event, work)
    # Exactly one outcome event per record, always saying which booking and status it was (merged last: these win).
    work.track_event(name, attributes | _ids(event))
    log.info("Imprisonment status of booking %d: %s", event.booking_id, name)
    return outcome


def _decide(event: ImprisonmentStatusChangedEvent, work: BookingWork) -> Decision:
    booking_id = event.booking_id
    if event.imprisonment_status_seq != 0:  # 1: NOMIS raises three events; only the insert matters
        return done(State.NO_LONGER_VALID), names.IMPRISONMENT_STATUS_NOT_SEQUENCE_ZERO, {}
    detail = work.get_sentence_detail(booking_id)
    if detail.sentence_start_date is None:  # 2
        return done(State.NO_LONGER_VALID), names.IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE, {}
    start = latest_sentence_start_date(work.get_sentence_terms(booking_id))  # 3
    if start is None:
        return done(State.NO_LONGER_VALID), names.IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE, {}
    booking = work.get_booking(booking_id)
    require_booking_identifiers(booking)
    about = names.booking_attributes(booking) | {"sentenceStartDate": start.isoformat()}
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
        _skip(work, Capability.MATCHING, event, about)
    elif work.update_booking_number(noms, UpdateCustodyBookingNumber(start, book_no)) is None:
        return try_later(State.BOOKING_NUMBER_NOT_ASSIGNED, None, crn), names.BOOKING_NUMBER_NOT_ASSIGNED, about
    # Until Delius is put right (e.g. duplicate custodial events) keep trying while the sentence runs.
    retry_until = detail.sentence_expiry_date
    if not capabilities.location:  # 8
        _skip(work, Capability.LOCATION, event, about)
    elif booking.agency_id is not None and work.update_custody(noms, book_no, UpdateCustody(booking.agency_id)) is None:
        return try_later(State.LOCATION_NOT_UPDATED, retry_until, crn), names.LOCATION_NOT_UPDATED, about
    if not capabilities.key_dates:
        _skip(work, Capability.KEY_DATES, event, about)
    else:
        replaced = work.replace_key_dates(noms, book_no, probation_key_dates(detail))  # 9
        if isinstance(replaced, NotFound):
            outcome = try_later(State.KEY_DATES_NOT_UPDATED, retry_until, crn)
            return outcome, names.KEY_DATES_NOT_UPDATED, about | {"reason": replaced.detail}
    return done(State.COMPLETED, crn), names.IMPRISONMENT_STATUS_UPDATED, about | {"crn": crn}  # 10


def _ids(event: ImprisonmentStatusChangedEvent) -> dict[str, str]:
    return {"bookingId": str(event.booking_id), "imprisonmentStatusSeq": str(event.imprisonment_status_seq)}


def _skip(
    work: BookingWork, capability: Capability, event: ImprisonmentStatusChangedEvent, about: dict[str, str]
) -> None:
    """One P2PSkippedByConfiguration for a step whose capability is switched off (the ids merged last)."""
    work.track_event(names.SKIPPED_BY_CONFIGURATION, about | skipped(capability, STATUS_CHANGE) | _ids(event))
