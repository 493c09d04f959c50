"""SPEC §7 "Matching": search, the 7-day sentence window, each matchedBy, and 0, 1 or many candidate CRNs."""

from datetime import timedelta

import pytest
from builders import (
    BOOKING_NO,
    OFFENDER_NO,
    PRISON,
    SENTENCE_START,
    Fakes,
    a_booking,
    a_conviction,
)

from ptpu_core import telemetry_names as names
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.probation import MatchRequest
from ptpu_core.models.record import SynchroniseState
from ptpu_core.processors.matching import Matched, NotMatched


@pytest.fixture
def fakes() -> Fakes:
    return Fakes(only_prisons=frozenset({PRISON}))


def ensure(fakes: Fakes, **booking_changes: object) -> Matched | NotMatched:
    return fakes.matcher().ensure_offender_number_exists_in_probation(a_booking(**booking_changes), SENTENCE_START)


def match_event(fakes: Fakes) -> dict[str, str]:
    [event] = fakes.telemetry.named(names.OFFENDER_MATCH)
    return event.attributes


def test_search_uses_booking_names_and_prisoner_identifiers(fakes: Fakes) -> None:
    ensure(fakes)
    assert fakes.search.requests == [
        MatchRequest(
            first_name="JOHN",
            surname="SMITH",
            date_of_birth=a_booking().date_of_birth,
            noms_number=OFFENDER_NO,
            active_sentence=True,
            pnc_number="2018/0123456X",
            cro_number="123456/18Y",
        )
    ]


def test_search_without_a_prisoner_record_sends_no_pnc_or_cro(fakes: Fakes) -> None:
    fakes.prison.prisoners.clear()
    ensure(fakes)
    [request] = fakes.search.requests
    assert (request.pnc_number, request.cro_number) == (None, None)


def test_no_crns_at_all_is_no_match(fakes: Fakes) -> None:
    fakes.search_finds("NOTHING")
    result = ensure(fakes)
    assert result == NotMatched(
        SynchroniseState.NO_MATCH,
        names.OFFENDER_NO_MATCH,
        {"offenderNo": OFFENDER_NO, "bookingNumber": BOOKING_NO, "crns": ""},
    )
    assert match_event(fakes) == {
        "offenderNo": OFFENDER_NO,
        "bookingNumber": BOOKING_NO,
        "matchedBy": "NOTHING",
        "matches": "0",
        "filtered_matches": "0",
        "crns": "",
        "filtered_crns": "",
    }
    assert fakes.community.calls == []


def test_crns_without_a_matching_sentence_are_no_match_with_sentence_date(fakes: Fakes) -> None:
    fakes.delius_offender("X200002", None, a_conviction(SENTENCE_START - timedelta(days=30)))
    fakes.delius_offender("X100001", None, a_conviction(SENTENCE_START, custodial=False))
    fakes.search_finds("EXTERNAL_KEY", "X200002", "X100001")
    result = ensure(fakes)
    assert isinstance(result, NotMatched)
    assert result.state is SynchroniseState.NO_MATCH_WITH_SENTENCE_DATE
    assert result.telemetry_name == names.OFFENDER_NO_MATCH
    assert result.attributes["crns"] == "X100001, X200002"
    assert result.crns == ("X100001", "X200002")
    assert match_event(fakes)["matches"] == "2"
    assert match_event(fakes)["crns"] == "X100001, X200002"
    assert match_event(fakes)["filtered_matches"] == "0"
    assert fakes.community_writes() == []


def test_exactly_one_crn_with_a_matching_sentence_gets_the_noms_number(fakes: Fakes) -> None:
    fakes.delius_offender("X100001")
    fakes.delius_offender("X200002", None, a_conviction(SENTENCE_START + timedelta(days=100)))
    fakes.search_finds("PARTIAL_NAME", "X100001", "X200002")

    assert ensure(fakes) == Matched("X100001")

    assert fakes.community.offenders["X100001"].noms_number == OFFENDER_NO
    assert fakes.community.offenders["X200002"].noms_number is None
    [number_set] = fakes.telemetry.named(names.OFFENDER_NUMBER_SET)
    assert number_set.attributes == {"offenderNo": OFFENDER_NO, "bookingNumber": BOOKING_NO, "crn": "X100001"}
    assert match_event(fakes)["filtered_crns"] == "X100001"
    assert match_event(fakes)["filtered_matches"] == "1"
    assert fakes.telemetry.names() == [names.OFFENDER_MATCH, names.OFFENDER_NUMBER_SET]


def test_exactly_one_match_at_a_prison_of_no_interest_is_not_valid_and_writes_nothing(fakes: Fakes) -> None:
    fakes.delius_offender("X100001")
    fakes.search_finds("PARTIAL_NAME", "X100001")
    result = ensure(fakes, agency_id="BXI")
    assert isinstance(result, NotMatched)
    assert result.state is SynchroniseState.NOT_VALID
    assert result.telemetry_name == names.CHANGE_IGNORED
    assert fakes.community_writes() == []
    assert fakes.community.offenders["X100001"].noms_number is None


def test_many_crns_with_matching_sentences_are_too_many_matches(fakes: Fakes) -> None:
    for crn in ("X300003", "X100001", "X200002"):
        fakes.delius_offender(crn)
    fakes.search_finds("NAME", "X300003", "X100001", "X200002")
    result = ensure(fakes)
    assert isinstance(result, NotMatched)
    assert result.state is SynchroniseState.TOO_MANY_MATCHES
    assert result.telemetry_name == names.OFFENDER_TOO_MANY_MATCHES
    assert result.attributes["filtered_crns"] == "X100001, X200002, X300003"
    assert result.crns == ("X100001", "X200002", "X300003")
    assert fakes.community_writes() == []


@pytest.mark.parametrize("matched_by", ["ALL_SUPPLIED", "ALL_SUPPLIED_ALIAS", "HMPPS_KEY"])
def test_already_linked_uses_the_first_sorted_filtered_crn_and_writes_nothing(fakes: Fakes, matched_by: str) -> None:
    fakes.delius_offender("X900009", OFFENDER_NO)
    fakes.delius_offender("X500005", OFFENDER_NO)
    fakes.delius_offender("X100001", OFFENDER_NO, a_conviction(SENTENCE_START - timedelta(days=400)))
    fakes.search_finds(matched_by, "X900009", "X100001", "X500005")
    # X100001 sorts first but its sentence does not agree with ours, so the filtered list decides.
    assert ensure(fakes) == Matched("X500005")
    assert fakes.community_writes() == []
    assert fakes.telemetry.named(names.OFFENDER_NUMBER_SET) == []


@pytest.mark.parametrize("matched_by", ["ALL_SUPPLIED", "HMPPS_KEY"])
def test_already_linked_without_a_matching_sentence_still_counts_as_matched(fakes: Fakes, matched_by: str) -> None:
    fakes.delius_offender("X200002", OFFENDER_NO, a_conviction(SENTENCE_START - timedelta(days=400)))
    fakes.delius_offender("X100001", OFFENDER_NO, a_conviction(None))
    fakes.search_finds(matched_by, "X200002", "X100001")
    assert ensure(fakes) == Matched("X100001")


def test_already_linked_is_matched_even_at_a_prison_of_no_interest(fakes: Fakes) -> None:
    fakes.linked_offender("X100001")
    assert ensure(fakes, agency_id="BXI") == Matched("X100001")


@pytest.mark.parametrize("matched_by", ["EXTERNAL_KEY", "NAME", "PARTIAL_NAME", "PARTIAL_NAME_DOB_LENIENT", "NOTHING"])
def test_other_match_kinds_link_a_single_filtered_crn(fakes: Fakes, matched_by: str) -> None:
    fakes.delius_offender("X100001")
    fakes.search_finds(matched_by, "X100001")
    assert ensure(fakes) == Matched("X100001")
    assert fakes.community_writes() == ["update_noms_number"]


@pytest.mark.parametrize("days", [-7, -1, 0, 1, 7])
def test_sentence_within_seven_days_either_side_matches(fakes: Fakes, days: int) -> None:
    fakes.delius_offender("X100001", None, a_conviction(SENTENCE_START + timedelta(days=days)))
    fakes.search_finds("NAME", "X100001")
    assert ensure(fakes) == Matched("X100001")


@pytest.mark.parametrize("days", [-8, 8])
def test_sentence_eight_days_away_does_not_match(fakes: Fakes, days: int) -> None:
    fakes.delius_offender("X100001", None, a_conviction(SENTENCE_START + timedelta(days=days)))
    fakes.search_finds("NAME", "X100001")
    result = ensure(fakes)
    assert isinstance(result, NotMatched)
    assert result.state is SynchroniseState.NO_MATCH_WITH_SENTENCE_DATE


def test_any_one_of_several_convictions_can_match(fakes: Fakes) -> None:
    fakes.delius_offender(
        "X100001",
        None,
        a_conviction(SENTENCE_START - timedelta(days=900)),
        a_conviction(SENTENCE_START + timedelta(days=3)),
    )
    fakes.search_finds("NAME", "X100001")
    assert ensure(fakes) == Matched("X100001")


@pytest.mark.parametrize(
    "conviction",
    [a_conviction(custodial=False), a_conviction(start=None)],
    ids=["non-custodial", "no-start-date"],
)
def test_convictions_that_do_not_count(fakes: Fakes, conviction) -> None:
    fakes.delius_offender("X100001", None, conviction)
    fakes.search_finds("NAME", "X100001")
    assert isinstance(ensure(fakes), NotMatched)


@pytest.mark.parametrize("active", [None, False], ids=["unknown-activity", "inactive-maybe-a-recall"])
def test_custodial_conviction_counts_whether_active_or_not(fakes: Fakes, active: bool | None) -> None:
    # Delius often marks a recalled prisoner's custodial event inactive; the existing
    # service keeps inactive convictions when comparing sentence dates.
    fakes.delius_offender("X100001", None, a_conviction(SENTENCE_START + timedelta(days=1), active=active))
    fakes.search_finds("NAME", "X100001")
    assert ensure(fakes) == Matched("X100001")
    assert fakes.community.offenders["X100001"].noms_number == OFFENDER_NO


@pytest.mark.parametrize(
    ("fake", "call"), [("search", "match"), ("community", "get_convictions"), ("prison", "get_prisoner")]
)
def test_system_failures_propagate(fakes: Fakes, fake: str, call: str) -> None:
    fakes.delius_offender("X100001")
    fakes.search_finds("NAME", "X100001")
    getattr(fakes, fake).failing_calls.add(call)
    with pytest.raises(UpstreamFailure):
        ensure(fakes)


def test_failure_setting_the_noms_number_propagates(fakes: Fakes) -> None:
    fakes.delius_offender("X100001")
    fakes.search_finds("NAME", "X100001")
    fakes.community.failing_calls.add("update_noms_number")
    with pytest.raises(UpstreamFailure):
        ensure(fakes)
    assert fakes.telemetry.named(names.OFFENDER_NUMBER_SET) == []
