import copy

import pytest
import requests

from conftest import fixture_body, offender_of
from ptpu_sandbox.simulators import SimulatedHmpps

NOMS = "/secure/offenders/nomsNumber"


def _custody(hmpps: SimulatedHmpps, crn: str) -> dict:
    offender = offender_of(hmpps, crn)
    (custodial,) = [c for c in offender["convictions"] if "custody" in c]
    return custodial["custody"]


def test_convictions_have_the_fixture_field_names(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    response = api.get(f"{hmpps.community_url}/secure/offenders/crn/X200004/convictions", timeout=5)

    assert response.status_code == 200
    (conviction,) = response.json()
    fixture = fixture_body("getConviction_X142620")[0]
    assert set(fixture) <= set(conviction)
    assert set(fixture["sentence"]) <= set(conviction["sentence"])
    assert set(fixture["custody"]) <= set(conviction["custody"])
    assert set(fixture["custody"]["institution"]) <= set(conviction["custody"]["institution"])
    assert conviction["custody"]["institution"]["nomsPrisonInstitutionCode"] == "LEI"


def test_unknown_crn_is_a_404(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    assert api.get(f"{hmpps.community_url}/secure/offenders/crn/X000000/convictions", timeout=5).status_code == 404


def test_setting_the_noms_number_is_idempotent(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    url = f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber"

    first = api.put(url, json={"nomsNumber": "A5089DY"}, timeout=5)
    state_after_first = hmpps.community.state()
    second = api.put(url, json={"nomsNumber": "A5089DY"}, timeout=5)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == fixture_body("putOffenderNomsNumber_X142620")
    assert hmpps.community.state() == state_after_first
    assert offender_of(hmpps, "X142620")["otherIds"]["nomsNumber"] == "A5089DY"


def test_a_noms_number_held_by_another_offender_is_a_conflict(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    url = f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber"

    assert api.put(url, json={"nomsNumber": "A5092DY"}, timeout=5).status_code == 409


def test_replacing_a_merged_noms_number(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    url = f"{hmpps.community_url}{NOMS}/A9996DY/nomsNumber"

    first = api.put(url, json={"nomsNumber": "A5096DY"}, timeout=5)
    again = api.put(url, json={"nomsNumber": "A5096DY"}, timeout=5)

    assert first.status_code == 200
    assert first.json() == [{"crn": "X200007", "nomsNumber": "A5096DY"}]
    assert [set(i) for i in first.json()] == [set(i) for i in fixture_body("putOffenderNomsNumber_A9999DY")]
    assert again.status_code == 404  # nothing holds the old number any more; state unchanged
    assert offender_of(hmpps, "X200007")["otherIds"]["nomsNumber"] == "A5096DY"


def test_booking_number_is_set_on_the_custody_starting_within_seven_days(
    hmpps: SimulatedHmpps, api: requests.Session
) -> None:
    url = f"{hmpps.community_url}{NOMS}/A5092DY/custody/bookingNumber"
    body = {"sentenceStartDate": "2026-10-05", "bookingNumber": "38342A"}  # seeded start 2026-09-28

    first = api.put(url, json=body, timeout=5)
    second = api.put(url, json=body, timeout=5)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert set(first.json()) >= set(fixture_body("putCustody_A5089DY_38339A"))
    assert _custody(hmpps, "X200003")["bookingNumber"] == "38342A"


@pytest.mark.parametrize(
    ("noms", "start"),
    [
        ("A5092DY", "2026-10-06"),  # 8 days after the only custodial sentence
        ("A0000AA", "2026-09-28"),  # no such offender
    ],
)
def test_booking_number_not_assigned_is_a_404(
    hmpps: SimulatedHmpps, api: requests.Session, noms: str, start: str
) -> None:
    response = api.put(
        f"{hmpps.community_url}{NOMS}/{noms}/custody/bookingNumber",
        json={"sentenceStartDate": start, "bookingNumber": "38342A"},
        timeout=5,
    )

    assert response.status_code == 404
    assert _custody(hmpps, "X200003")["bookingNumber"] is None


def test_booking_number_with_two_candidate_custodies_is_a_404(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    offender = offender_of(hmpps, "X200003")
    offender["convictions"].append(copy.deepcopy(offender["convictions"][0]) | {"convictionId": 1})
    hmpps.delius.put_offender(offender)

    response = api.put(
        f"{hmpps.community_url}{NOMS}/A5092DY/custody/bookingNumber",
        json={"sentenceStartDate": "2026-09-28", "bookingNumber": "38342A"},
        timeout=5,
    )

    assert response.status_code == 404


def test_location_update_sets_the_institution(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    url = f"{hmpps.community_url}{NOMS}/A5093DY/custody/bookingNumber/38343A"

    response = api.put(url, json={"nomsPrisonInstitutionCode": "PVI"}, timeout=5)

    assert response.status_code == 200
    assert response.json()["institution"]["description"] == "Pentonville (HMP)"
    assert _custody(hmpps, "X200004")["institution"]["nomsPrisonInstitutionCode"] == "PVI"


@pytest.mark.parametrize(("noms", "book_no"), [("A5093DY", "99999Z"), ("A0000AA", "38343A")])
def test_location_update_without_such_custody_is_a_404(
    hmpps: SimulatedHmpps, api: requests.Session, noms: str, book_no: str
) -> None:
    url = f"{hmpps.community_url}{NOMS}/{noms}/custody/bookingNumber/{book_no}"

    assert api.put(url, json={"nomsPrisonInstitutionCode": "PVI"}, timeout=5).status_code == 404
    assert _custody(hmpps, "X200004")["institution"]["nomsPrisonInstitutionCode"] == "LEI"


def test_key_dates_are_replaced(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    url = f"{hmpps.community_url}{NOMS}/A5094DY/bookingNumber/38344A/custody/keyDates"
    new_dates = {
        "conditionalReleaseDate": "2027-07-30",
        "licenceExpiryDate": "2028-08-14",
        "hdcEligibilityDate": None,
        "sentenceExpiryDate": "2028-08-14",
        "postSentenceSupervisionEndDate": "2029-08-14",
    }

    first = api.post(url, json=new_dates, timeout=5)
    second = api.post(url, json=new_dates, timeout=5)

    assert first.status_code == second.status_code == 200
    expected = {k: v for k, v in new_dates.items() if v is not None}
    assert first.json()["keyDates"] == second.json()["keyDates"] == expected
    assert _custody(hmpps, "X200005")["keyDates"] == expected


@pytest.mark.parametrize(
    ("noms", "book_no", "says"),
    [("A0000AA", "38344A", "Offender with nomsNumber A0000AA not found"), ("A5094DY", "99999Z", "bookingNumber")],
)
def test_key_dates_404_says_what_was_missing(
    hmpps: SimulatedHmpps, api: requests.Session, noms: str, book_no: str, says: str
) -> None:
    url = f"{hmpps.community_url}{NOMS}/{noms}/bookingNumber/{book_no}/custody/keyDates"

    response = api.post(url, json={"sentenceExpiryDate": "2030-01-01"}, timeout=5)

    assert response.status_code == 404
    assert response.json()["status"] == 404
    assert says in response.json()["developerMessage"]


def test_a_malformed_key_date_is_a_400(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    url = f"{hmpps.community_url}{NOMS}/A5094DY/bookingNumber/38344A/custody/keyDates"

    assert api.post(url, json={"sentenceExpiryDate": "next tuesday"}, timeout=5).status_code == 400


def test_writes_are_logged_and_the_log_can_be_cleared(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    api.get(f"{hmpps.community_url}/secure/offenders/crn/X142620/convictions", timeout=5)
    api.put(f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber", json={"nomsNumber": "A5089DY"}, timeout=5)

    logged = requests.get(f"{hmpps.community_url}/__sim/requests", timeout=5).json()

    assert logged == [
        {
            "method": "PUT",
            "path": "/secure/offenders/crn/X142620/nomsNumber",
            "body": {"nomsNumber": "A5089DY"},
            "status": 200,
        }
    ]
    assert [r.path for r in hmpps.community.requests_log] == ["/secure/offenders/crn/X142620/nomsNumber"]
    assert requests.delete(f"{hmpps.community_url}/__sim/requests", timeout=5).status_code == 204
    assert hmpps.community.requests_log == []


def test_state_endpoint_dumps_the_offenders(hmpps: SimulatedHmpps) -> None:
    state = requests.get(f"{hmpps.community_url}/__sim/state", timeout=5).json()

    crns = {o["otherIds"]["crn"] for o in state["offenders"]}
    assert {"X142620", "X200001", "X200002", "X200007"} <= crns


def test_a_bearer_token_is_required(hmpps: SimulatedHmpps) -> None:
    response = requests.put(
        f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber", json={"nomsNumber": "A5089DY"}, timeout=5
    )

    assert response.status_code == 401
    assert offender_of(hmpps, "X142620")["otherIds"]["nomsNumber"] is None
