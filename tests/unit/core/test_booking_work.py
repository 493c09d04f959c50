"""One booking's unit of work reads each prison-api resource once and replaces identical key dates once."""

from __future__ import annotations

import pytest
from builders import (
    BOOKING_ID,
    BOOKING_NO,
    OFFENDER_NO,
    RELEASE_DATE,
    SENTENCE_DATES,
    STATUS_CHANGE,
    Fakes,
    a_stored,
    inner_message,
)

from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.probation import ReplaceCustodyKeyDates, UpdateCustody
from ptpu_core.models.record import SynchroniseState
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.unit_of_work import BookingWork

KEY_DATES = ReplaceCustodyKeyDates(licence_expiry_date=None)


def test_a_bookings_work_reads_each_prison_api_resource_once() -> None:
    fakes = Fakes()
    prison = BookingWork(fakes.ports(), fakes.settings)

    for _ in range(3):
        assert prison.get_booking(BOOKING_ID).offender_no == OFFENDER_NO
        prison.get_sentence_detail(BOOKING_ID)
        prison.get_sentence_terms(BOOKING_ID)
        prison.get_prisoner(OFFENDER_NO)

    assert fakes.prison.call_names() == ["get_booking", "get_sentence_detail", "get_sentence_terms", "get_prisoner"]


def test_a_failed_read_is_not_remembered() -> None:
    fakes = Fakes()
    prison = BookingWork(fakes.ports(), fakes.settings)
    fakes.prison.failing_calls.add("get_booking")
    with pytest.raises(UpstreamFailure):
        prison.get_booking(BOOKING_ID)
    fakes.prison.failing_calls.clear()

    assert prison.get_booking(BOOKING_ID).booking_no == BOOKING_NO
    assert fakes.prison.call_names() == ["get_booking", "get_booking"]


def test_an_identical_key_dates_replacement_is_sent_once_until_another_write() -> None:
    fakes = Fakes()
    fakes.linked_offender()
    community = BookingWork(fakes.ports(), fakes.settings)

    first = community.replace_key_dates(OFFENDER_NO, BOOKING_NO, KEY_DATES)
    again = community.replace_key_dates(OFFENDER_NO, BOOKING_NO, KEY_DATES)
    assert again == first
    community.update_custody(OFFENDER_NO, BOOKING_NO, UpdateCustody("MDI"))  # a write between: send again
    community.replace_key_dates(OFFENDER_NO, BOOKING_NO, KEY_DATES)
    other = ReplaceCustodyKeyDates(licence_expiry_date=fakes.clock.today())
    community.replace_key_dates(OFFENDER_NO, BOOKING_NO, other)  # different values: sent

    assert fakes.community.call_names() == [
        "replace_key_dates", "update_custody", "replace_key_dates", "replace_key_dates"
    ]


def test_a_booking_with_both_key_date_events_and_a_status_change_reads_and_writes_once_each() -> None:
    fakes = Fakes()
    fakes.linked_offender()
    records = [
        a_stored(STATUS_CHANGE, inner_message(STATUS_CHANGE, imprisonmentStatusSeq=0), id="status"),
        a_stored(SENTENCE_DATES, id="dates"),
        a_stored(RELEASE_DATE, id="release"),
    ]
    for stored in records:
        fakes.repository.add(stored)
    service = SynchronisationService(fakes.repository, fakes.ports(), fakes.settings)

    summary = service.process_due()

    assert summary == CycleSummary(bookings=1, processed=3, done=3)
    prison_calls = fakes.prison.call_names()
    assert prison_calls.count("get_booking") == 1
    assert prison_calls.count("get_sentence_detail") == 1
    assert fakes.community.call_names().count("replace_key_dates") == 1
    states = {m.id: fakes.repository.get(m.id).status for m in records}  # type: ignore[union-attr]
    assert states == {
        "status": SynchroniseState.COMPLETED,
        "dates": SynchroniseState.COMPLETED,
        "release": SynchroniseState.COMPLETED,
    }
    assert fakes.metrics.count("sentenceDateChange", "success") == 2  # each record still counts its outcome
    delius = fakes.community.offenders["X142620"]
    assert BOOKING_NO in delius.key_dates


def test_each_bookings_work_starts_afresh() -> None:
    """The service makes a new unit of work for each pass of a booking: nothing read or written in one cycle
    is answered from memory in the next."""
    fakes = Fakes()
    fakes.linked_offender()
    service = SynchronisationService(fakes.repository, fakes.ports(), fakes.settings)

    fakes.repository.add(a_stored(SENTENCE_DATES, id="one"))
    assert service.process_due() == CycleSummary(bookings=1, processed=1, done=1)
    fakes.repository.add(a_stored(SENTENCE_DATES, id="two"))
    assert service.process_due() == CycleSummary(bookings=1, processed=1, done=1)

    assert fakes.prison.call_names().count("get_booking") == 2
    assert fakes.community.call_names().count("replace_key_dates") == 2
