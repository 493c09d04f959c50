"""SPEC §7 IMPRISONMENT_STATUS-CHANGED, steps 1-10: one test per branch."""

from datetime import date, timedelta

import pytest
from builders import (
    BOOKING_ID,
    BOOKING_NO,
    OFFENDER_NO,
    PRISON,
    SENTENCE_EXPIRY,
    SENTENCE_START,
    STATUS_CHANGE,
    Fakes,
    a_conviction,
    a_sentence_detail,
    a_stored,
    a_term,
    inner_message,
)

from ptpu_core import telemetry_names as names
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.prison import SentenceTerm
from ptpu_core.models.probation import ReplaceCustodyKeyDates, UpdateCustody, UpdateCustodyBookingNumber
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done, try_later

CRN = "X142620"


@pytest.fixture
def fakes() -> Fakes:
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.linked_offender(CRN)
    return world


def process(fakes: Fakes, seq: int = 0) -> Outcome:
    message = a_stored(STATUS_CHANGE, inner_message(STATUS_CHANGE, imprisonmentStatusSeq=seq))
    return fakes.processor().process(message)


def outcome_event(fakes: Fakes) -> tuple[str, dict[str, str]]:
    """The last telemetry event: the one that reports the outcome."""
    event = fakes.telemetry.events[-1]
    return event.name, event.attributes


def assert_fully_described(attributes: dict[str, str], seq: str = "0") -> None:
    assert attributes["bookingId"] == str(BOOKING_ID)
    assert attributes["imprisonmentStatusSeq"] == seq
    assert attributes["offenderNo"] == OFFENDER_NO
    assert attributes["bookingNumber"] == BOOKING_NO
    assert attributes["agencyId"] == PRISON
    assert attributes["sentenceStartDate"] == SENTENCE_START.isoformat()


def test_10_all_updated_is_completed_with_the_crn(fakes: Fakes) -> None:
    assert process(fakes) == done(State.COMPLETED, CRN)

    name, attributes = outcome_event(fakes)
    assert name == names.IMPRISONMENT_STATUS_UPDATED
    assert_fully_described(attributes)
    assert fakes.community_writes() == ["update_booking_number", "update_custody", "replace_key_dates"]
    _, (_, body) = fakes.community.calls[-3]
    assert body == UpdateCustodyBookingNumber(SENTENCE_START, BOOKING_NO)
    _, (_, _, custody) = fakes.community.calls[-2]
    assert custody == UpdateCustody(PRISON)
    assert fakes.community.offenders[CRN].key_dates[BOOKING_NO] == ReplaceCustodyKeyDates(
        conditional_release_date=date(2023, 5, 2),
        licence_expiry_date=date(2025, 6, 1),
        hdc_eligibility_date=date(2022, 11, 1),
        parole_eligibility_date=date(2022, 1, 1),
        sentence_expiry_date=SENTENCE_EXPIRY,
        expected_release_date=date(2023, 5, 1),
        post_sentence_supervision_end_date=date(2026, 6, 1),
    )


def test_1_non_zero_sequence_is_no_longer_valid_without_any_call(fakes: Fakes) -> None:
    assert process(fakes, seq=1) == done(State.NO_LONGER_VALID)
    name, attributes = outcome_event(fakes)
    assert name == names.IMPRISONMENT_STATUS_NOT_SEQUENCE_ZERO
    assert attributes == {"bookingId": str(BOOKING_ID), "imprisonmentStatusSeq": "1"}
    assert fakes.prison.calls == []
    assert fakes.community.calls == []


def test_2_no_sentence_start_date_is_no_longer_valid(fakes: Fakes) -> None:
    fakes.prison.sentence_details[BOOKING_ID] = a_sentence_detail(sentence_start_date=None)
    assert process(fakes) == done(State.NO_LONGER_VALID)
    assert outcome_event(fakes) == (
        names.IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE,
        {"bookingId": str(BOOKING_ID), "imprisonmentStatusSeq": "0"},
    )
    assert fakes.community.calls == []


def test_3_no_concurrent_sentence_term_is_as_no_sentence_start_date(fakes: Fakes) -> None:
    fakes.prison.sentence_terms[BOOKING_ID] = [a_term(SENTENCE_START, 2, consecutive_to=1)]
    assert process(fakes) == done(State.NO_LONGER_VALID)
    assert outcome_event(fakes)[0] == names.IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE
    assert fakes.community.calls == []


def test_3_sentence_start_comes_from_the_latest_concurrent_term(fakes: Fakes) -> None:
    later = SENTENCE_START + timedelta(days=5)
    fakes.prison.sentence_terms[BOOKING_ID] = [
        a_term(SENTENCE_START - timedelta(days=300), 1),
        a_term(later, 2),
        a_term(later + timedelta(days=90), 3, consecutive_to=2),
    ]
    assert process(fakes) == done(State.COMPLETED, CRN)
    assert outcome_event(fakes)[1]["sentenceStartDate"] == later.isoformat()
    [(_, (_, body))] = [c for c in fakes.community.calls if c[0] == "update_booking_number"]
    assert body.sentence_start_date == later


def test_3_terms_without_a_start_date_or_sequence_are_passed_over_and_the_record_syncs(fakes: Fakes) -> None:
    """prison-api leaves out null fields; a term without startDate gives no start."""
    fakes.prison.sentence_terms[BOOKING_ID] = [
        SentenceTerm(start_date=date(2026, 10, 1), sentence_sequence=1),
        SentenceTerm(sentence_sequence=2),
        SentenceTerm(start_date=date(2026, 9, 1)),
    ]
    assert process(fakes) == done(State.COMPLETED, CRN)
    assert outcome_event(fakes)[1]["sentenceStartDate"] == "2026-10-01"
    [(_, (_, body))] = [c for c in fakes.community.calls if c[0] == "update_booking_number"]
    assert body == UpdateCustodyBookingNumber(date(2026, 10, 1), BOOKING_NO)


def test_3_only_terms_without_a_start_date_is_as_no_sentence_start_date(fakes: Fakes) -> None:
    fakes.prison.sentence_terms[BOOKING_ID] = [SentenceTerm(sentence_sequence=1), SentenceTerm()]
    assert process(fakes) == done(State.NO_LONGER_VALID)
    assert outcome_event(fakes)[0] == names.IMPRISONMENT_STATUS_NO_SENTENCE_START_DATE


def test_4_inactive_booking_is_completed_and_ignored(fakes: Fakes) -> None:
    fakes.booking(active_flag=False)
    assert process(fakes) == done(State.COMPLETED)
    name, attributes = outcome_event(fakes)
    assert name == names.IMPRISONMENT_STATUS_IGNORED
    assert attributes["reason"] == "Not an active booking"
    assert_fully_described(attributes)
    assert fakes.search.requests == []
    assert fakes.community.calls == []


def test_5_no_match_is_tried_later(fakes: Fakes) -> None:
    fakes.search_finds("NOTHING")
    assert process(fakes) == try_later(State.NO_MATCH)
    name, attributes = outcome_event(fakes)
    assert name == names.OFFENDER_NO_MATCH
    assert_fully_described(attributes)
    assert fakes.community_writes() == []


def test_5_no_match_with_sentence_date_is_tried_later_with_the_crns_seen(fakes: Fakes) -> None:
    fakes.delius_offender("X200002", None, a_conviction(SENTENCE_START - timedelta(days=60)))
    fakes.search_finds("NAME", "X200002")
    assert process(fakes) == try_later(State.NO_MATCH_WITH_SENTENCE_DATE, None, "X200002")
    name, attributes = outcome_event(fakes)
    assert name == names.OFFENDER_NO_MATCH
    assert attributes["crns"] == "X200002"
    assert_fully_described(attributes)


def test_5_too_many_matches_is_tried_later_with_the_candidates(fakes: Fakes) -> None:
    fakes.delius_offender("X100001")
    fakes.delius_offender("X200002")
    fakes.search_finds("NAME", "X200002", "X100001")
    assert process(fakes) == try_later(State.TOO_MANY_MATCHES, None, "X100001", "X200002")
    name, attributes = outcome_event(fakes)
    assert name == names.OFFENDER_TOO_MANY_MATCHES
    assert_fully_described(attributes)
    assert fakes.community_writes() == []


def test_5_single_new_match_sets_the_noms_number_then_completes(fakes: Fakes) -> None:
    fakes.delius_offender("X700007")
    fakes.search_finds("NAME", "X700007")
    assert process(fakes) == done(State.COMPLETED, "X700007")
    assert fakes.community.offenders["X700007"].noms_number == OFFENDER_NO
    assert fakes.telemetry.names() == [
        names.OFFENDER_MATCH,
        names.OFFENDER_NUMBER_SET,
        names.IMPRISONMENT_STATUS_UPDATED,
    ]


def test_5_single_new_match_at_a_prison_of_no_interest_is_not_valid(fakes: Fakes) -> None:
    fakes.delius_offender("X700007")
    fakes.search_finds("NAME", "X700007")
    fakes.booking(agency_id="BXI")
    assert process(fakes) == try_later(State.NOT_VALID, None, "X700007")
    name, attributes = outcome_event(fakes)
    assert name == names.CHANGE_IGNORED
    assert attributes["agencyId"] == "BXI"
    assert fakes.community_writes() == []


def test_6_already_linked_at_a_prison_of_no_interest_is_no_longer_valid(fakes: Fakes) -> None:
    fakes.booking(agency_id="BXI")
    assert process(fakes) == done(State.NO_LONGER_VALID)
    name, attributes = outcome_event(fakes)
    assert name == names.IMPRISONMENT_STATUS_IGNORED
    assert attributes["reason"] == "Not at an interested prison"
    assert attributes["agencyId"] == "BXI"
    assert fakes.community_writes() == []


def test_7_book_number_not_assigned_is_tried_later(fakes: Fakes) -> None:
    fakes.community.booking_number_not_assigned.add(OFFENDER_NO)
    assert process(fakes) == try_later(State.BOOKING_NUMBER_NOT_ASSIGNED, None, CRN)
    name, attributes = outcome_event(fakes)
    assert name == names.BOOKING_NUMBER_NOT_ASSIGNED
    assert_fully_described(attributes)
    assert fakes.community_writes() == ["update_booking_number"]


def test_8_location_not_updated_is_tried_later_until_the_sentence_expires(fakes: Fakes) -> None:
    fakes.community.custody_not_found.add((OFFENDER_NO, BOOKING_NO))
    assert process(fakes) == try_later(State.LOCATION_NOT_UPDATED, SENTENCE_EXPIRY, CRN)
    name, attributes = outcome_event(fakes)
    assert name == names.LOCATION_NOT_UPDATED
    assert_fully_described(attributes)
    assert fakes.community_writes() == ["update_booking_number", "update_custody"]


def test_8_booking_without_a_prison_skips_the_location(fakes: Fakes) -> None:
    fakes.settings = type(fakes.settings)()  # every prison: a booking with no agency is still of interest
    fakes.booking(agency_id=None)
    assert process(fakes) == done(State.COMPLETED, CRN)
    assert outcome_event(fakes)[1]["agencyId"] == "not present"
    assert fakes.community_writes() == ["update_booking_number", "replace_key_dates"]


def test_9_key_dates_not_updated_is_tried_later_until_the_sentence_expires(fakes: Fakes) -> None:
    fakes.community.key_dates_not_found[(OFFENDER_NO, BOOKING_NO)] = "Conviction with bookingNumber 38339A not found"
    assert process(fakes) == try_later(State.KEY_DATES_NOT_UPDATED, SENTENCE_EXPIRY, CRN)
    name, attributes = outcome_event(fakes)
    assert name == names.KEY_DATES_NOT_UPDATED
    assert_fully_described(attributes)
    assert fakes.community.offenders[CRN].key_dates == {}


def test_9_without_a_sentence_expiry_date_the_record_life_is_not_extended(fakes: Fakes) -> None:
    fakes.prison.sentence_details[BOOKING_ID] = a_sentence_detail(sentence_expiry_date=None)
    fakes.community.key_dates_not_found[(OFFENDER_NO, BOOKING_NO)] = "not found"
    assert process(fakes) == try_later(State.KEY_DATES_NOT_UPDATED, None, CRN)


def test_exactly_one_outcome_event_besides_matching(fakes: Fakes) -> None:
    process(fakes)
    assert fakes.telemetry.names() == [names.OFFENDER_MATCH, names.IMPRISONMENT_STATUS_UPDATED]


@pytest.mark.parametrize(
    ("fake", "call"),
    [
        ("prison", "get_sentence_detail"),
        ("prison", "get_sentence_terms"),
        ("prison", "get_booking"),
        ("search", "match"),
        ("community", "update_booking_number"),
        ("community", "update_custody"),
        ("community", "replace_key_dates"),
    ],
)
def test_system_failure_propagates_with_no_outcome_event(fakes: Fakes, fake: str, call: str) -> None:
    getattr(fakes, fake).failing_calls.add(call)
    with pytest.raises(UpstreamFailure):
        process(fakes)
    assert names.IMPRISONMENT_STATUS_UPDATED not in fakes.telemetry.names()


def test_no_metrics_are_counted(fakes: Fakes) -> None:
    process(fakes)
    assert fakes.metrics.counts == {}


def test_recall_matched_by_name_on_an_inactive_custodial_conviction_is_synced() -> None:
    """matchedBy NAME, one CRN whose only conviction is inactive but custodial and starts a day
    after the booking's sentence: the NOMS number is set on it and the record syncs (was
    NO_MATCH_WITH_SENTENCE_DATE, retried until it expired)."""
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.delius_offender(CRN, None, a_conviction(SENTENCE_START + timedelta(days=1), active=False))
    fakes.search_finds("NAME", CRN)

    assert process(fakes) == done(State.COMPLETED, CRN)
    assert fakes.community.offenders[CRN].noms_number == OFFENDER_NO
    assert fakes.community_writes() == [
        "update_noms_number",
        "update_booking_number",
        "update_custody",
        "replace_key_dates",
    ]
    assert fakes.community.offenders[CRN].key_dates[BOOKING_NO].sentence_expiry_date == SENTENCE_EXPIRY
    assert outcome_event(fakes)[0] == names.IMPRISONMENT_STATUS_UPDATED
