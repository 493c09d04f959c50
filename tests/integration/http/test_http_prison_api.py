"""PrisonApiClient against a stub prison-api: paths, query strings, bearer token and mappings (SPEC §4)."""

from __future__ import annotations

from datetime import date

import pytest
from http_stubs import BEARER, fixture_body
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.prison import BookingIdentifier, Prisoner
from ptpu_core.rules.key_dates import latest_sentence_start_date


@pytest.fixture
def prison_api(make_upstream) -> PrisonApiClient:
    return PrisonApiClient(make_upstream("prison-api"))


def test_get_booking_asks_for_extra_info(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/api/bookings/1200835",
        method="GET",
        query_string={"basicInfo": "false", "extraInfo": "true"},
        headers=BEARER,
    ).respond_with_json(fixture_body("getBooking_1200835.json"))

    booking = prison_api.get_booking(1200835)

    assert (booking.booking_no, booking.offender_no, booking.agency_id, booking.active_flag) == (
        "38339A",
        "A5089DY",
        "MDI",
        True,
    )
    httpserver.check_assertions()


def test_get_sentence_detail(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/api/bookings/1200835/sentenceDetail", method="GET", headers=BEARER
    ).respond_with_json(fixture_body("getSentenceDetail_1200835.json"))

    assert prison_api.get_sentence_detail(1200835).sentence_start_date == date(2020, 2, 11)
    httpserver.check_assertions()


def test_get_sentence_terms(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/api/offender-sentences/booking/1200835/sentenceTerms", method="GET", headers=BEARER
    ).respond_with_json(fixture_body("getSentenceTerms_1200835.json"))

    terms = prison_api.get_sentence_terms(1200835)

    assert [term.sentence_sequence for term in terms] == [61, 62, 69]
    httpserver.check_assertions()


def test_sentence_terms_with_fields_left_out_are_read(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    """prison-api leaves out a null startDate / sentenceSequence; the answer is still read."""
    httpserver.expect_oneshot_request(
        "/api/offender-sentences/booking/1200835/sentenceTerms", method="GET", headers=BEARER
    ).respond_with_json(
        [{"startDate": "2026-10-01", "sentenceSequence": 1}, {"sentenceSequence": 2}, {"startDate": "2026-09-01"}]
    )

    terms = prison_api.get_sentence_terms(1200835)

    assert [(term.start_date, term.sentence_sequence) for term in terms] == [
        (date(2026, 10, 1), 1),
        (None, 2),
        (date(2026, 9, 1), None),
    ]
    assert latest_sentence_start_date(terms) == date(2026, 10, 1)
    httpserver.check_assertions()


def test_get_movement(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/api/bookings/1200835/movement/1", method="GET", headers=BEARER
    ).respond_with_json(fixture_body("getMovement_1200835_1.json"))

    movement = prison_api.get_movement(1200835, 1)

    assert movement is not None
    assert (movement.movement_type, movement.to_agency) == ("ADM", "MDI")
    httpserver.check_assertions()


def test_missing_movement_is_none(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request("/api/bookings/1200835/movement/9", method="GET").respond_with_json(
        {"status": 404, "userMessage": "Resource with id [1200835] not found."}, status=404
    )

    assert prison_api.get_movement(1200835, 9) is None
    httpserver.check_assertions()


def test_get_merged_identifiers(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/api/bookings/1200835/identifiers", method="GET", query_string={"type": "MERGED"}, headers=BEARER
    ).respond_with_json(fixture_body("getBookingIdentifiers_1200835.json"))

    assert prison_api.get_merged_identifiers(1200835) == [BookingIdentifier("MERGED", "A9999DY")]
    httpserver.check_assertions()


def test_get_prisoner_takes_the_first_entry(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/api/prisoners", method="GET", query_string={"offenderNo": "A5089DY"}, headers=BEARER
    ).respond_with_json(fixture_body("getPrisoner_A5089DY.json") + [{"offenderNo": "SECOND"}])

    prisoner = prison_api.get_prisoner("A5089DY")

    assert prisoner == Prisoner("A5089DY", latest_location="Moorland (HMP & YOI)", convicted_status="Convicted")
    httpserver.check_assertions()


def test_unknown_prisoner_is_none(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request("/api/prisoners", query_string={"offenderNo": "Z0000ZZ"}).respond_with_json([])

    assert prison_api.get_prisoner("Z0000ZZ") is None


def test_latest_booking_of_a_noms_number(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    # prison-api's getOffenderBookingByOffenderNo: the InmateDetail of the offender's latest booking.
    httpserver.expect_oneshot_request(
        "/api/bookings/offenderNo/A5089DY", method="GET", headers=BEARER
    ).respond_with_json(fixture_body("getBooking_1200835.json"))

    booking = prison_api.get_latest_booking("A5089DY")

    assert booking is not None
    assert (booking.booking_id, booking.booking_no, booking.offender_no) == (1200835, "38339A", "A5089DY")
    httpserver.check_assertions()


def test_latest_booking_of_an_unknown_noms_number_is_none(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_oneshot_request("/api/bookings/offenderNo/Z9999ZZ", method="GET").respond_with_json(
        {"status": 404, "userMessage": "Resource with id [Z9999ZZ] not found."}, status=404
    )

    assert prison_api.get_latest_booking("Z9999ZZ") is None
    httpserver.check_assertions()


def test_missing_booking_is_a_system_failure(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    # Only the movement 404 is a business outcome; a booking that vanished is not.
    httpserver.expect_request("/api/bookings/1").respond_with_json({"status": 404}, status=404)

    with pytest.raises(UpstreamFailure) as failure:
        prison_api.get_booking(1)
    assert (failure.value.service, failure.value.status) == ("prison-api", 404)


def test_server_error_is_a_system_failure(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_request("/api/bookings/1/sentenceDetail").respond_with_data("boom", status=500)

    with pytest.raises(UpstreamFailure) as failure:
        prison_api.get_sentence_detail(1)
    assert failure.value.status == 500
    assert "boom" in failure.value.detail


def test_malformed_answer_is_a_system_failure(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_request("/api/bookings/1").respond_with_json({"bookingId": 1})

    with pytest.raises(UpstreamFailure) as failure:
        prison_api.get_booking(1)
    assert "bookingNo" in failure.value.detail


def test_non_json_answer_is_a_system_failure(httpserver: HTTPServer, prison_api: PrisonApiClient) -> None:
    httpserver.expect_request("/api/bookings/1").respond_with_data("<html>gateway</html>", status=200)

    with pytest.raises(UpstreamFailure, match="non-JSON"):
        prison_api.get_booking(1)


def test_ping(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_oneshot_request("/health/ping", method="GET").respond_with_json({"status": "UP"})

    assert make_upstream("prison-api").ping_answer().ok is True
    httpserver.check_assertions()


def test_ping_when_unhealthy(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_request("/health/ping").respond_with_json({"status": "DOWN"}, status=503)

    assert make_upstream("prison-api").ping_answer().ok is False
