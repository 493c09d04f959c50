"""The wire converter reads every captured upstream response (api-mappings fixtures) into core models."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from ptpu_adapters.http.wire import make_converter, read
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.prison import (
    Booking,
    BookingIdentifier,
    Movement,
    Prisoner,
    SentenceDetail,
    SentenceTerm,
)
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    Institution,
    MatchRequest,
    OffenderMatch,
    OffenderMatches,
    ReplaceCustodyKeyDates,
    Sentence,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.rules.key_dates import latest_sentence_start_date

MAPPINGS = Path(__file__).resolve().parents[2] / "fixtures" / "original-2021" / "api-mappings"
converter = make_converter()


def body(name: str) -> Any:
    return json.loads((MAPPINGS / name).read_text())["response"]["jsonBody"]


def test_every_json_fixture_is_covered_here() -> None:
    with_json = {p.name for p in MAPPINGS.glob("*.json") if "jsonBody" in json.loads(p.read_text())["response"]}
    assert with_json == set(READERS)


def test_booking() -> None:
    booking = read(converter, body("getBooking_1200835.json"), Booking, "prison-api")
    assert booking == Booking(
        booking_id=1200835,
        booking_no="38339A",
        active_flag=True,
        offender_no="A5089DY",
        first_name="ANDY",
        last_name="MARKE",
        date_of_birth=date(1970, 1, 1),
        agency_id="MDI",
    )
    assert (booking.location_description, booking.recall, booking.legal_status) == (None, None, None)


def test_booking_reporting_fields_when_present() -> None:
    data = {
        **body("getBooking_1200835.json"),
        "locationDescription": "Moorland (HMP & YOI)",
        "recall": True,
        "legalStatus": "SENTENCED",
    }
    booking = read(converter, data, Booking, "prison-api")
    assert (booking.location_description, booking.recall, booking.legal_status) == (
        "Moorland (HMP & YOI)",
        True,
        "SENTENCED",
    )


def test_sentence_detail() -> None:
    detail = read(converter, body("getSentenceDetail_1200835.json"), SentenceDetail, "prison-api")
    assert detail.sentence_start_date == date(2020, 2, 11)
    assert detail.sentence_expiry_date == date(2025, 9, 10)
    assert detail.conditional_release_date == date(2022, 11, 26)
    assert detail.licence_expiry_date == date(2025, 9, 10)
    assert detail.release_date == date(2022, 11, 26)
    assert detail.confirmed_release_date is None
    assert detail.home_detention_curfew_eligibility_date is None


def test_sentence_terms() -> None:
    terms = read(converter, body("getSentenceTerms_1200835.json"), list[SentenceTerm], "prison-api")
    assert [(t.sentence_sequence, t.start_date, t.consecutive_to) for t in terms] == [
        (61, date(2020, 2, 11), None),
        (62, date(2020, 11, 21), 61),
        (69, date(2020, 1, 13), None),
    ]
    assert terms[2].sentence_type_description == "ORA 14 Day Fixed Term Recall"


def test_sentence_terms_without_start_date_or_sequence_are_read() -> None:
    """prison-api omits a null startDate / sentenceSequence; the answer still reads
    and the sentence start is the latest concurrent term that has one."""
    data = [
        {"startDate": "2026-10-01", "sentenceSequence": 1},
        {"sentenceSequence": 2},
        {"startDate": "2026-09-01"},
    ]
    terms = read(converter, data, list[SentenceTerm], "prison-api")
    assert terms == [
        SentenceTerm(start_date=date(2026, 10, 1), sentence_sequence=1),
        SentenceTerm(sentence_sequence=2),
        SentenceTerm(start_date=date(2026, 9, 1)),
    ]
    assert latest_sentence_start_date(terms) == date(2026, 10, 1)


def test_movement() -> None:
    movement = read(converter, body("getMovement_1200835_1.json"), Movement, "prison-api")
    assert movement == Movement(
        offender_no="A5089DY",
        to_agency="MDI",
        movement_type="ADM",
        from_agency="ABRYCT",
        direction_code="IN",
        create_date_time=datetime(2020, 1, 13, 11, 33, 23, 666789),
        to_agency_description="Moorland (HMP & YOI)",
    )


def test_movement_without_to_agency_reads_as_none() -> None:
    data = {k: v for k, v in body("getMovement_1200835_1.json").items() if k != "toAgency"}
    assert read(converter, data, Movement, "prison-api").to_agency is None


def test_identifiers() -> None:
    identifiers = read(converter, body("getBookingIdentifiers_1200835.json"), list[BookingIdentifier], "prison-api")
    assert identifiers == [BookingIdentifier(type="MERGED", value="A9999DY")]


def test_prisoner() -> None:
    prisoners = read(converter, body("getPrisoner_A5089DY.json"), list[Prisoner], "prison-api")
    assert prisoners == [
        Prisoner(
            offender_no="A5089DY",
            latest_location="Moorland (HMP & YOI)",
            convicted_status="Convicted",
        )
    ]


def test_offender_matches_flatten_to_crns() -> None:
    matches = read(converter, body("postMatch_A5089DY.json"), OffenderMatches, "offender-search")
    assert matches == OffenderMatches(
        matches=(OffenderMatch("X142620"), OffenderMatch("X181002")), matched_by="EXTERNAL_KEY"
    )


def test_no_matches() -> None:
    assert read(converter, {"matches": [], "matchedBy": "NOTHING"}, OffenderMatches, "s") == OffenderMatches()
    assert read(converter, {"matches": None}, OffenderMatches, "s") == OffenderMatches()


@pytest.mark.parametrize("name", ["getConviction_X142620.json", "getConviction_X181002.json"])
def test_convictions_with_nested_sentence_and_custody(name: str) -> None:
    convictions = read(converter, body(name), list[Conviction], "community-api")
    assert [c.conviction_id for c in convictions] == [2500283547, 2500258955, 2500258960]
    custodial = convictions[0]
    assert custodial.custody == Custody(
        booking_number="38353A",
        institution=Institution(
            description="Moorland (HMP & YOI)", code="MDIHMP", noms_prison_institution_code="MDI"
        ),
    )
    assert custodial.sentence is not None and custodial.sentence.description == "CJA - Std Determinate Custody"
    assert convictions[1].custody is None
    assert convictions[1].sentence == Sentence(start_date=date(2018, 10, 31), description="CJA - Community Order")
    assert convictions[2].sentence is None


def test_conviction_start_dates_differ_between_fixtures() -> None:
    x142620 = read(converter, body("getConviction_X142620.json"), list[Conviction], "community-api")
    x181002 = read(converter, body("getConviction_X181002.json"), list[Conviction], "community-api")
    assert x142620[0].sentence and x142620[0].sentence.start_date == date(2020, 2, 11)
    assert x181002[0].sentence and x181002[0].sentence.start_date == date(2019, 2, 11)


def test_conviction_of_unlawfully_at_large_offender() -> None:
    [conviction] = read(converter, body("getConviction_Test.json"), list[Conviction], "community-api")
    assert conviction.conviction_id == 9999
    assert conviction.custody is not None and conviction.custody.booking_number == "K67032"
    assert conviction.custody.institution == Institution(description="Unlawfully at Large", code="UATLRG")


@pytest.mark.parametrize(
    "name",
    [
        "putCustodyBookingNumber_A5089DY.json",
        "putCustody_A5089DY_38339A.json",
        "postReplaceCustodyKeyDates_A5089DY_38339A.json",
    ],
)
def test_custody_responses(name: str) -> None:
    custody = read(converter, body(name), Custody, "community-api")
    assert custody == Custody(booking_number="38353A", institution=Institution(description="Unknown", code="UNKNOW"))


def test_ids() -> None:
    assert read(converter, body("putOffenderNomsNumber_X142620.json"), IDs, "community-api") == IDs(
        "X142620", "A5089DY"
    )
    assert read(converter, body("putOffenderNomsNumber_A9999DY.json"), list[IDs], "community-api") == [
        IDs("X142620", "A5089DY")
    ]


READERS = {
    "getBooking_1200835.json",
    "getSentenceDetail_1200835.json",
    "getSentenceTerms_1200835.json",
    "getMovement_1200835_1.json",
    "getBookingIdentifiers_1200835.json",
    "getPrisoner_A5089DY.json",
    "postMatch_A5089DY.json",
    "getConviction_X142620.json",
    "getConviction_X181002.json",
    "getConviction_Test.json",
    "putCustodyBookingNumber_A5089DY.json",
    "putCustody_A5089DY_38339A.json",
    "postReplaceCustodyKeyDates_A5089DY_38339A.json",
    "putOffenderNomsNumber_X142620.json",
    "putOffenderNomsNumber_A9999DY.json",
}


# Request bodies: camelCase, yyyy-MM-dd dates, None fields omitted.


def test_match_request_body() -> None:
    request = MatchRequest(
        first_name="ANDY", surname="MARKE", date_of_birth=date(1970, 1, 1), noms_number="A5089DY", cro_number="CRO1"
    )
    assert converter.unstructure(request) == {
        "firstName": "ANDY",
        "surname": "MARKE",
        "dateOfBirth": "1970-01-01",
        "nomsNumber": "A5089DY",
        "activeSentence": True,
        "croNumber": "CRO1",
    }


def test_update_custody_bodies() -> None:
    assert converter.unstructure(UpdateCustodyBookingNumber(date(2020, 2, 11), "38339A")) == {
        "sentenceStartDate": "2020-02-11",
        "bookingNumber": "38339A",
    }
    assert converter.unstructure(UpdateCustody("MDI")) == {"nomsPrisonInstitutionCode": "MDI"}


def test_key_dates_body_omits_unknown_dates() -> None:
    body_ = ReplaceCustodyKeyDates(
        conditional_release_date=date(2022, 11, 26),
        hdc_eligibility_date=date(2022, 7, 1),
        post_sentence_supervision_end_date=date(2026, 9, 10),
    )
    assert converter.unstructure(body_) == {
        "conditionalReleaseDate": "2022-11-26",
        "hdcEligibilityDate": "2022-07-01",
        "postSentenceSupervisionEndDate": "2026-09-10",
    }
    assert converter.unstructure(ReplaceCustodyKeyDates()) == {}


# Unreadable answers are system failures naming service and field.


def test_missing_required_field_names_service_and_wire_field() -> None:
    data = {k: v for k, v in body("getBooking_1200835.json").items() if k != "bookingNo"}
    with pytest.raises(UpstreamFailure) as failure:
        read(converter, data, Booking, "prison-api")
    assert failure.value.service == "prison-api"
    assert "bookingNo" in failure.value.detail


def test_bad_date_names_the_field() -> None:
    data = {**body("getSentenceDetail_1200835.json"), "sentenceStartDate": "11/02/2020"}
    with pytest.raises(UpstreamFailure) as failure:
        read(converter, data, SentenceDetail, "prison-api")
    assert "sentenceStartDate" in failure.value.detail


def test_null_required_field_is_a_failure() -> None:
    data = {**body("getMovement_1200835_1.json"), "movementType": None}
    with pytest.raises(UpstreamFailure) as failure:
        read(converter, data, Movement, "prison-api")
    assert "movementType" in failure.value.detail


@pytest.mark.parametrize("data", ["pong", 42, [1, 2], None])
def test_wrong_shape_is_a_failure(data: Any) -> None:
    with pytest.raises(UpstreamFailure):
        read(converter, data, Booking, "prison-api")


def test_match_without_crn_is_a_failure() -> None:
    with pytest.raises(UpstreamFailure) as failure:
        read(converter, {"matches": [{"offender": {}}]}, OffenderMatches, "offender-search")
    assert failure.value.service == "offender-search"


def test_string_flag_is_not_read_as_true() -> None:
    data = {**body("getBooking_1200835.json"), "activeFlag": "false"}
    with pytest.raises(UpstreamFailure) as failure:
        read(converter, data, Booking, "prison-api")
    assert "activeFlag" in failure.value.detail


def test_numeric_identifier_reads_as_string() -> None:
    data = {**body("getBooking_1200835.json"), "bookingNo": 38339}
    assert read(converter, data, Booking, "prison-api").booking_no == "38339"
