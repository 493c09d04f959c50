"""SPEC §7 SENTENCE_DATES-CHANGED / CONFIRMED_RELEASE_DATE-CHANGED: re-check, replace key dates, always Done."""

from datetime import date

import pytest
from builders import (
    BOOKING_ID,
    BOOKING_NO,
    OFFENDER_NO,
    PRISON,
    RELEASE_DATE,
    SENTENCE_DATES,
    Fakes,
    a_sentence_detail,
    a_stored,
)

from ptpu_core import telemetry_names as names
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done
from ptpu_core.rules.key_dates import probation_key_dates

CRN = "X142620"
KINDS = ("total", "success", "fail_no_offender", "fail_no_conviction")


@pytest.fixture(params=[SENTENCE_DATES, RELEASE_DATE])
def event_type(request) -> str:
    return request.param


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.delius_offender(CRN, OFFENDER_NO)
    world.prison.sentence_details[BOOKING_ID] = a_sentence_detail(conditional_release_override_date=date(2023, 1, 9))
    return world


def process(fakes: Fakes, event_type: str) -> Outcome:
    return fakes.processor().process(a_stored(event_type))


def counts(fakes: Fakes) -> dict[str, int]:
    return {kind: fakes.metrics.count("sentenceDateChange", kind) for kind in KINDS}


def test_key_dates_are_replaced(fakes: Fakes, event_type: str) -> None:
    assert process(fakes, event_type) == done(State.COMPLETED)

    detail = fakes.prison.sentence_details[BOOKING_ID]
    assert fakes.community.offenders[CRN].key_dates[BOOKING_NO] == probation_key_dates(detail)
    [event] = fakes.telemetry.events
    assert event.name == names.SENTENCE_DATES_CHANGED
    assert event.attributes["bookingId"] == str(BOOKING_ID)
    assert event.attributes["offenderNo"] == OFFENDER_NO
    assert event.attributes["bookingNumber"] == BOOKING_NO
    assert event.attributes["conditionalReleaseOverrideDate"] == "2023-01-09"
    assert event.attributes["sentenceExpiryDate"] == detail.sentence_expiry_date.isoformat()
    assert event.attributes["confirmedReleaseDate"] == detail.confirmed_release_date.isoformat()
    assert counts(fakes) == {"total": 1, "success": 1, "fail_no_offender": 0, "fail_no_conviction": 0}


def test_offender_not_in_delius_is_done_and_fails_no_offender(fakes: Fakes, event_type: str) -> None:
    fakes.community.offenders.clear()
    assert process(fakes, event_type) == done(State.COMPLETED)
    [event] = fakes.telemetry.events
    assert event.name == names.SENTENCE_DATES_RECORD_NOT_FOUND
    assert event.attributes["sentenceStartDate"] == "2020-02-11"
    assert counts(fakes) == {"total": 1, "success": 0, "fail_no_offender": 1, "fail_no_conviction": 0}


def test_no_custodial_event_for_the_booking_fails_no_conviction(fakes: Fakes, event_type: str) -> None:
    detail = "Conviction with bookingNumber 38339A not found for offender with nomsNumber A5089DY"
    fakes.community.key_dates_not_found[(OFFENDER_NO, BOOKING_NO)] = detail
    assert process(fakes, event_type) == done(State.COMPLETED)
    assert fakes.telemetry.events[0].attributes["reason"] == detail
    assert counts(fakes) == {"total": 1, "success": 0, "fail_no_offender": 0, "fail_no_conviction": 1}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"active_flag": False}, "Not an active booking"), ({"agency_id": "BXI"}, "Not at an interested prison")],
)
def test_booking_no_longer_of_interest_is_ignored(fakes: Fakes, event_type: str, changes, reason: str) -> None:
    fakes.booking(**changes)
    assert process(fakes, event_type) == done(State.COMPLETED)
    [event] = fakes.telemetry.events
    assert event.name == names.SENTENCE_DATES_CHANGE_IGNORED
    assert event.attributes["reason"] == reason
    assert event.attributes["bookingId"] == str(BOOKING_ID)
    assert fakes.community.calls == []
    assert "get_sentence_detail" not in fakes.prison.call_names()
    assert counts(fakes)["total"] == 0


@pytest.mark.parametrize(
    ("fake", "call"), [("prison", "get_booking"), ("prison", "get_sentence_detail"), ("community", "replace_key_dates")]
)
def test_system_failure_propagates(fakes: Fakes, event_type: str, fake: str, call: str) -> None:
    getattr(fakes, fake).failing_calls.add(call)
    with pytest.raises(UpstreamFailure):
        process(fakes, event_type)
    assert fakes.telemetry.events == []
