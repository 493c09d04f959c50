import requests

from conftest import fixture_body, offender_of
from ptpu_sandbox.simulators import SimulatedHmpps


def _query(first: str, surname: str, dob: str, noms: str, **extra: str) -> dict:
    query = {"firstName": first, "surname": surname, "dateOfBirth": dob, "nomsNumber": noms, "activeSentence": True}
    return {**query, **extra}


def _match(hmpps: SimulatedHmpps, api: requests.Session, query: dict) -> dict:
    response = api.post(f"{hmpps.search_url}/match", json=query, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_name_match_uses_the_fixture_field_names(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    body = _match(hmpps, api, _query("ANDY", "MARKE", "1970-01-01", "A5089DY"))

    fixture_offender = fixture_body("postMatch_A5089DY")["matches"][0]["offender"]
    assert body["matchedBy"] == "NAME"
    assert [m["offender"]["otherIds"]["crn"] for m in body["matches"]] == ["X142620"]
    offender = body["matches"][0]["offender"]
    assert set(offender) <= set(fixture_offender)
    assert set(offender["otherIds"]) <= set(fixture_offender["otherIds"])
    assert offender["otherIds"]["nomsNumber"] is None


def test_nobody_found_is_nothing(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    body = _match(hmpps, api, _query("JOHN", "ASHWORTH", "1988-05-23", "A5090DY", pncNumber="2015/0012345X"))

    assert body == {"matches": [], "matchedBy": "NOTHING"}


def test_two_candidates_are_both_returned(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    body = _match(hmpps, api, _query("DAVID", "JONES", "1985-03-14", "A5091DY"))

    assert sorted(m["offender"]["otherIds"]["crn"] for m in body["matches"]) == ["X200001", "X200002"]


def test_a_linked_offender_is_found_by_hmpps_key(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    body = _match(hmpps, api, _query("MICHAEL", "OBRIEN", "1979-08-02", "A5092DY"))

    assert body["matchedBy"] == "HMPPS_KEY"
    assert [m["offender"]["otherIds"]["crn"] for m in body["matches"]] == ["X200003"]


def test_search_sees_a_noms_number_set_through_community_api(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    query = _query("ANDY", "MARKE", "1970-01-01", "A5089DY")

    api.put(
        f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber", json={"nomsNumber": "A5089DY"}, timeout=5
    ).raise_for_status()

    assert _match(hmpps, api, query)["matchedBy"] == "ALL_SUPPLIED"


def test_only_offenders_with_an_active_sentence_are_searched(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    offender = offender_of(hmpps, "X200009")
    query = _query("KEVIN", "MOORE", "1968-04-04", "A5097DY")
    assert _match(hmpps, api, query)["matchedBy"] == "NAME"

    for conviction in offender["convictions"]:
        conviction["active"] = False
    hmpps.delius.put_offender(offender)

    assert _match(hmpps, api, query)["matchedBy"] == "NOTHING"


def test_a_query_without_surname_is_a_400(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    assert api.post(f"{hmpps.search_url}/match", json={"firstName": "A"}, timeout=5).status_code == 400


def test_a_bearer_token_is_required(hmpps: SimulatedHmpps) -> None:
    response = requests.post(f"{hmpps.search_url}/match", json=_query("A", "B", "1970-01-01", "A1"), timeout=5)

    assert response.status_code == 401
