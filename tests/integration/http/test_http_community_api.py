"""CommunityApiClient against a stub community-api: paths, bodies and business 404/409s (SPEC §4)."""

from __future__ import annotations

from datetime import date

import pytest
from http_stubs import BEARER, fixture_body
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.probation import (
    Custody,
    IDs,
    Institution,
    NotFound,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)

UNKNOWN_CUSTODY = Custody(booking_number="38353A", institution=Institution(description="Unknown", code="UNKNOW"))


@pytest.fixture
def community_api(make_upstream) -> CommunityApiClient:
    return CommunityApiClient(make_upstream("community-api"))


def test_get_convictions(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/crn/X142620/convictions", method="GET", headers=BEARER
    ).respond_with_json(fixture_body("getConviction_X142620.json"))

    convictions = community_api.get_convictions("X142620")

    assert [c.custody is not None for c in convictions] == [True, False, False]
    httpserver.check_assertions()


def test_update_noms_number(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/crn/X142620/nomsNumber", method="PUT", json={"nomsNumber": "A5089DY"}, headers=BEARER
    ).respond_with_json(fixture_body("putOffenderNomsNumber_X142620.json"))

    assert community_api.update_noms_number("X142620", "A5089DY") == IDs("X142620", "A5089DY")
    httpserver.check_assertions()


def test_replace_noms_number(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A9999DY/nomsNumber", method="PUT", json={"nomsNumber": "A5089DY"}
    ).respond_with_json(fixture_body("putOffenderNomsNumber_A9999DY.json"))

    assert community_api.replace_noms_number("A9999DY", "A5089DY") == [IDs("X142620", "A5089DY")]
    httpserver.check_assertions()


@pytest.mark.parametrize("status", [404, 409])
def test_replace_noms_number_nothing_replaced(
    httpserver: HTTPServer, community_api: CommunityApiClient, status: int
) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A9999DY/nomsNumber", method="PUT"
    ).respond_with_json({"status": status, "developerMessage": "no offender"}, status=status)

    assert community_api.replace_noms_number("A9999DY", "A5089DY") == []
    httpserver.check_assertions()


def test_update_booking_number(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber",
        method="PUT",
        json={"sentenceStartDate": "2020-02-11", "bookingNumber": "38339A"},
        headers=BEARER,
    ).respond_with_json(fixture_body("putCustodyBookingNumber_A5089DY.json"))

    custody = community_api.update_booking_number("A5089DY", UpdateCustodyBookingNumber(date(2020, 2, 11), "38339A"))

    assert custody == UNKNOWN_CUSTODY
    httpserver.check_assertions()


def test_booking_number_not_assigned(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber", method="PUT"
    ).respond_with_json({"status": 404}, status=404)

    assert community_api.update_booking_number("A5089DY", UpdateCustodyBookingNumber(date(2020, 2, 11), "X")) is None


def test_update_custody(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber/38339A",
        method="PUT",
        json={"nomsPrisonInstitutionCode": "MDI"},
        headers=BEARER,
    ).respond_with_json(fixture_body("putCustody_A5089DY_38339A.json"))

    assert community_api.update_custody("A5089DY", "38339A", UpdateCustody("MDI")) == UNKNOWN_CUSTODY
    httpserver.check_assertions()


def test_custody_not_found(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber/38339A", method="PUT"
    ).respond_with_json({"status": 404}, status=404)

    assert community_api.update_custody("A5089DY", "38339A", UpdateCustody("MDI")) is None


def test_replace_key_dates(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates",
        method="POST",
        json={
            "conditionalReleaseDate": "2022-11-26",
            "licenceExpiryDate": "2025-09-10",
            "sentenceExpiryDate": "2025-09-10",
        },
        headers=BEARER,
    ).respond_with_json(fixture_body("postReplaceCustodyKeyDates_A5089DY_38339A.json"))
    key_dates = ReplaceCustodyKeyDates(
        conditional_release_date=date(2022, 11, 26),
        licence_expiry_date=date(2025, 9, 10),
        sentence_expiry_date=date(2025, 9, 10),
    )

    assert community_api.replace_key_dates("A5089DY", "38339A", key_dates) == UNKNOWN_CUSTODY
    httpserver.check_assertions()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"status": 404, "developerMessage": "Conviction with bookingNumber 38339A not found"}, "bookingNumber"),
        ({"status": 404, "userMessage": "Offender with nomsNumber A5089DY not found"}, "Offender with nomsNumber"),
    ],
)
def test_key_dates_not_found_carries_the_message(
    httpserver: HTTPServer, community_api: CommunityApiClient, body: dict[str, object], detail: str
) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates", method="POST"
    ).respond_with_json(body, status=404)

    outcome = community_api.replace_key_dates("A5089DY", "38339A", ReplaceCustodyKeyDates())

    assert isinstance(outcome, NotFound)
    assert detail in outcome.detail


def test_key_dates_not_found_carries_the_whole_body_so_a_booking_number_anywhere_in_it_is_seen(
    httpserver: HTTPServer, community_api: CommunityApiClient
) -> None:
    """SPEC §7 decides fail_no_conviction on the 404 body mentioning bookingNumber, not on
    one message field of it."""
    body = {"status": 404, "userMessage": "Not found", "moreInfo": "no conviction with bookingNumber 38339A"}
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates", method="POST"
    ).respond_with_json(body, status=404)

    outcome = community_api.replace_key_dates("A5089DY", "38339A", ReplaceCustodyKeyDates())

    assert isinstance(outcome, NotFound)
    assert "bookingNumber 38339A" in outcome.detail and "Not found" in outcome.detail


def test_key_dates_not_found_with_plain_text(httpserver: HTTPServer, community_api: CommunityApiClient) -> None:
    httpserver.expect_oneshot_request(
        "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates", method="POST"
    ).respond_with_data("no such offender", status=404)

    assert community_api.replace_key_dates("A5089DY", "38339A", ReplaceCustodyKeyDates()) == NotFound(
        "no such offender"
    )


@pytest.mark.parametrize("status", [400, 403, 500])
def test_other_errors_are_system_failures(
    httpserver: HTTPServer, community_api: CommunityApiClient, status: int
) -> None:
    httpserver.expect_request("/secure/offenders/crn/X142620/nomsNumber").respond_with_data("no", status=status)

    with pytest.raises(UpstreamFailure) as failure:
        community_api.update_noms_number("X142620", "A5089DY")
    assert (failure.value.service, failure.value.status) == ("community-api", status)


def test_ping(httpserver: HTTPServer, make_upstream) -> None:
    httpserver.expect_oneshot_request("/health/ping", method="GET").respond_with_data("pong")

    assert make_upstream("community-api").ping_answer().ok is True
