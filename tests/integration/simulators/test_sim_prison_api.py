import pytest
import requests

from conftest import fixture_body
from ptpu_sandbox.simulators import SimulatedHmpps

BOOKING = 1200835


def _keys(body: dict) -> set[str]:
    return set(body)


def test_booking_has_the_fixture_fields_and_the_reporting_extras(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    response = api.get(f"{hmpps.prison_url}/api/bookings/{BOOKING}?basicInfo=false&extraInfo=true", timeout=5)

    assert response.status_code == 200
    body = response.json()
    assert _keys(fixture_body("getBooking_1200835")) <= _keys(body)
    assert {"locationDescription", "recall", "legalStatus"} <= _keys(body)
    assert (body["bookingNo"], body["offenderNo"], body["agencyId"], body["activeFlag"]) == (
        "38339A",
        "A5089DY",
        "MDI",
        True,
    )


def test_sentence_detail_and_terms_have_the_fixture_fields(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    detail = api.get(f"{hmpps.prison_url}/api/bookings/{BOOKING}/sentenceDetail", timeout=5).json()
    terms = api.get(f"{hmpps.prison_url}/api/offender-sentences/booking/{BOOKING}/sentenceTerms", timeout=5).json()

    assert _keys(fixture_body("getSentenceDetail_1200835")) <= _keys(detail)
    fixture_terms = fixture_body("getSentenceTerms_1200835")
    assert [_keys(t) for t in terms] == [_keys(t) for t in fixture_terms]  # incl. consecutiveTo on the 2nd
    independent_starts = [t["startDate"] for t in terms if "consecutiveTo" not in t]
    assert max(independent_starts) == detail["sentenceStartDate"]


def test_movement_has_the_fixture_fields(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    movement = api.get(f"{hmpps.prison_url}/api/bookings/{BOOKING}/movement/1", timeout=5).json()

    assert _keys(movement) == _keys(fixture_body("getMovement_1200835_1"))
    assert (movement["movementType"], movement["toAgency"]) == ("ADM", "MDI")


def test_an_absent_movement_is_a_404(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    assert api.get(f"{hmpps.prison_url}/api/bookings/{BOOKING}/movement/7", timeout=5).status_code == 404


def test_merged_identifiers_are_listed_by_type(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    merged = api.get(f"{hmpps.prison_url}/api/bookings/1200842/identifiers?type=MERGED", timeout=5).json()
    none = api.get(f"{hmpps.prison_url}/api/bookings/{BOOKING}/identifiers?type=MERGED", timeout=5).json()

    assert merged == [{"type": "MERGED", "value": "A9996DY"}]
    assert [_keys(i) for i in merged] == [_keys(i) for i in fixture_body("getBookingIdentifiers_1200835")]
    assert none == []


def test_prisoner_search_returns_a_list_with_the_fixture_fields(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    found = api.get(f"{hmpps.prison_url}/api/prisoners", params={"offenderNo": "A5089DY"}, timeout=5).json()
    missing = api.get(f"{hmpps.prison_url}/api/prisoners", params={"offenderNo": "Z9999ZZ"}, timeout=5).json()

    (fixture,) = fixture_body("getPrisoner_A5089DY")
    assert len(found) == 1
    assert _keys(fixture) - {"ethnicity"} <= _keys(found[0])  # demographics the service never reads
    assert {"pncNumber", "croNumber", "latestLocation", "convictedStatus"} <= _keys(found[0])
    assert missing == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/bookings/999",
        "/api/bookings/999/sentenceDetail",
        "/api/offender-sentences/booking/999/sentenceTerms",
        "/api/bookings/999/movement/1",
        "/api/bookings/999/identifiers?type=MERGED",
    ],
)
def test_unknown_bookings_are_404(hmpps: SimulatedHmpps, api: requests.Session, path: str) -> None:
    response = api.get(f"{hmpps.prison_url}{path}", timeout=5)

    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_a_bearer_token_is_required(hmpps: SimulatedHmpps) -> None:
    assert requests.get(f"{hmpps.prison_url}/api/bookings/{BOOKING}", timeout=5).status_code == 401
