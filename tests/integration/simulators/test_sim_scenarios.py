"""The seeded scenarios are consistent across the three APIs: walking each one through the
SPEC §3/§7 decisions over HTTP reaches the outcome the scenario declares."""

from datetime import date

import pytest
import requests

from conftest import offender_of
from ptpu_core.models.record import SynchroniseState
from ptpu_sandbox.simulators import IGNORED, SCENARIOS, Scenario, SimulatedHmpps
from ptpu_sandbox.simulators.seed import PRISON_RECORDS

HANDLED = {
    "IMPRISONMENT_STATUS-CHANGED",
    "EXTERNAL_MOVEMENT_RECORD-INSERTED",
    "BOOKING_NUMBER-CHANGED",
    "SENTENCE_DATES-CHANGED",
    "CONFIRMED_RELEASE_DATE-CHANGED",
}
LINKED = {"ALL_SUPPLIED", "ALL_SUPPLIED_ALIAS", "HMPPS_KEY"}


def test_the_seed_has_enough_prisoners_and_the_required_scenarios() -> None:
    assert len({r.offender_no for r in PRISON_RECORDS}) >= 8
    assert {
        "new-conviction",
        "no-match",
        "too-many-matches",
        "already-linked",
        "transfer",
        "sentence-dates",
        "confirmed-release-date",
        "merge",
        "released",
    } <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=list(SCENARIOS))
def test_scenario_declarations_are_well_formed(hmpps: SimulatedHmpps, scenario: Scenario) -> None:
    assert scenario.expected_state == IGNORED or scenario.expected_state in SynchroniseState.__members__
    assert scenario.booking_id in hmpps.prison.records
    assert scenario.events
    for event in scenario.events:
        assert event.event_type in HANDLED
        assert event.message["eventType"] == event.event_type
        assert event.message["bookingId"] == scenario.booking_id
    for crn in scenario.crns:
        assert hmpps.delius.offender(crn) is not None


class Walk:
    """Just enough of the service's decisions to check the seed, asked of the simulators over HTTP."""

    def __init__(self, hmpps: SimulatedHmpps, api: requests.Session, scenario: Scenario) -> None:
        self.hmpps, self.api, self.scenario = hmpps, api, scenario
        self.booking = self.prison(f"/api/bookings/{scenario.booking_id}?basicInfo=false&extraInfo=true")
        self.event = scenario.events[0]

    def prison(self, path: str) -> dict:
        response = self.api.get(f"{self.hmpps.prison_url}{path}", timeout=5)
        assert response.status_code == 200, path
        return response.json()

    def community(self, method: str, path: str, body: dict) -> requests.Response:
        return self.api.request(method, f"{self.hmpps.community_url}{path}", json=body, timeout=5)

    def validated(self) -> bool:
        booking, message = self.booking, self.event.message
        if self.event.event_type == "IMPRISONMENT_STATUS-CHANGED":
            detail = self.prison(f"/api/bookings/{self.scenario.booking_id}/sentenceDetail")
            has_start = bool(detail.get("sentenceStartDate"))
            return message["imprisonmentStatusSeq"] == 0 and has_start and booking["activeFlag"]
        if self.event.event_type == "EXTERNAL_MOVEMENT_RECORD-INSERTED":
            movement = self.prison(f"/api/bookings/{self.scenario.booking_id}/movement/{message['movementSeq']}")
            return movement["movementType"] == "ADM" and booking["activeFlag"]
        if self.event.event_type == "BOOKING_NUMBER-CHANGED":
            return bool(self.prison(f"/api/bookings/{self.scenario.booking_id}/identifiers?type=MERGED"))
        return bool(booking["activeFlag"])

    def sentence_start(self) -> date:
        terms = self.prison(f"/api/offender-sentences/booking/{self.scenario.booking_id}/sentenceTerms")
        return max(date.fromisoformat(t["startDate"]) for t in terms if "consecutiveTo" not in t)

    def imprisonment_status(self) -> str:
        start = self.sentence_start()
        (prisoner,) = self.prison(f"/api/prisoners?offenderNo={self.booking['offenderNo']}")
        query = {
            "firstName": self.booking["firstName"],
            "surname": self.booking["lastName"],
            "dateOfBirth": self.booking["dateOfBirth"],
            "nomsNumber": self.booking["offenderNo"],
            "activeSentence": True,
            "pncNumber": prisoner["pncNumber"],
            "croNumber": prisoner["croNumber"],
        }
        result = self.api.post(f"{self.hmpps.search_url}/match", json=query, timeout=5).json()
        crns = sorted(m["offender"]["otherIds"]["crn"] for m in result["matches"])
        near = [crn for crn in crns if self._has_custody_near(crn, start)]
        noms = self.booking["offenderNo"]
        if result["matchedBy"] in LINKED:
            near = crns[:1]
        elif not near:
            return "NO_MATCH" if not crns else "NO_MATCH_WITH_SENTENCE_DATE"
        elif len(near) > 1:
            return "TOO_MANY_MATCHES"
        else:
            assert self.community("PUT", f"/secure/offenders/crn/{near[0]}/nomsNumber", {"nomsNumber": noms}).ok
        book = {"sentenceStartDate": start.isoformat(), "bookingNumber": self.booking["bookingNo"]}
        if not self.community("PUT", f"/secure/offenders/nomsNumber/{noms}/custody/bookingNumber", book).ok:
            return "BOOKING_NUMBER_NOT_ASSIGNED"
        if not self._set_location():
            return "LOCATION_NOT_UPDATED"
        return "COMPLETED" if self._replace_key_dates() else "KEY_DATES_NOT_UPDATED"

    def _has_custody_near(self, crn: str, start: date) -> bool:
        convictions = self.api.get(f"{self.hmpps.community_url}/secure/offenders/crn/{crn}/convictions", timeout=5)
        return any(
            "custody" in c and abs((date.fromisoformat(c["sentence"]["startDate"]) - start).days) <= 7
            for c in convictions.json()
        )

    def _set_location(self) -> bool:
        noms, book_no = self.booking["offenderNo"], self.booking["bookingNo"]
        path = f"/secure/offenders/nomsNumber/{noms}/custody/bookingNumber/{book_no}"
        return self.community("PUT", path, {"nomsPrisonInstitutionCode": self.booking["agencyId"]}).ok

    def _replace_key_dates(self) -> bool:
        d = self.prison(f"/api/bookings/{self.scenario.booking_id}/sentenceDetail")
        key_dates = {
            "conditionalReleaseDate": d.get("conditionalReleaseOverrideDate") or d.get("conditionalReleaseDate"),
            "licenceExpiryDate": d.get("licenceExpiryDate"),
            "hdcEligibilityDate": d.get("homeDetentionCurfewEligibilityDate"),
            "paroleEligibilityDate": d.get("paroleEligibilityDate"),
            "sentenceExpiryDate": d.get("sentenceExpiryDate"),
            "expectedReleaseDate": d.get("confirmedReleaseDate"),
            "postSentenceSupervisionEndDate": d.get("topupSupervisionExpiryDate"),
        }
        path = f"/secure/offenders/nomsNumber/{self.booking['offenderNo']}/bookingNumber/{self.booking['bookingNo']}"
        return self.community("POST", f"{path}/custody/keyDates", key_dates).ok

    def outcome(self) -> str:
        if not self.validated():
            return IGNORED
        if self.event.event_type == "IMPRISONMENT_STATUS-CHANGED":
            return self.imprisonment_status()
        if self.event.event_type == "EXTERNAL_MOVEMENT_RECORD-INSERTED":
            assert self._set_location()
        elif self.event.event_type == "BOOKING_NUMBER-CHANGED":
            for merged in self.prison(f"/api/bookings/{self.scenario.booking_id}/identifiers?type=MERGED"):
                path = f"/secure/offenders/nomsNumber/{merged['value']}/nomsNumber"
                assert self.community("PUT", path, {"nomsNumber": self.booking["offenderNo"]}).ok
        else:
            assert self._replace_key_dates()
        return "COMPLETED"


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=list(SCENARIOS))
def test_walking_the_scenario_reaches_its_expected_state(
    hmpps: SimulatedHmpps, api: requests.Session, scenario: Scenario
) -> None:
    assert Walk(hmpps, api, scenario).outcome() == scenario.expected_state


def test_new_conviction_leaves_delius_as_described(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    Walk(hmpps, api, SCENARIOS["new-conviction"]).outcome()

    offender = offender_of(hmpps, "X142620")
    (custody,) = [c["custody"] for c in offender["convictions"] if "custody" in c]
    assert offender["otherIds"]["nomsNumber"] == "A5089DY"
    assert custody["bookingNumber"] == "38339A"
    assert custody["institution"]["description"] == "Moorland (HMP & YOI)"
    assert custody["keyDates"]["sentenceExpiryDate"] == "2030-10-11"


def test_transfer_moves_the_custody_to_the_new_prison(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    Walk(hmpps, api, SCENARIOS["transfer"]).outcome()

    (custody,) = [c["custody"] for c in offender_of(hmpps, "X200004")["convictions"]]
    assert custody["institution"]["description"] == "Pentonville (HMP)"
