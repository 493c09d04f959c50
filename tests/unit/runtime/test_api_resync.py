"""POST /resync over the container with in-memory fakes (issue 11 §4): the role, the 400s in the HMPPS error
shape, the dry-run default and its answer, and the operation in /v3/api-docs."""

from __future__ import annotations

from datetime import date

import pytest

from ptpu_adapters.fakes import FakeCommunityApi, FakeOffenderSearch, FakePrisonApi
from ptpu_core.booking_work import NoLeases
from ptpu_core.models.prison import Booking, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import Conviction, Custody, OffenderMatch, OffenderMatches, Sentence

RESYNC_ROLE = "ROLE_PTPU_RESYNC"
BOOKING_ID = 1200835
NOMS = "A5089DY"
CRN = "X142620"
START = date(2026, 10, 12)


@pytest.fixture(autouse=True)
def prisoner(container) -> None:
    """One sentenced prisoner at MDI, linked in Delius; no lease store (NoLeases)."""
    container.booking_leases.override(NoLeases())
    prison: FakePrisonApi = container.prison_api()
    prison.bookings[BOOKING_ID] = Booking(
        booking_id=BOOKING_ID, booking_no="38339A", active_flag=True, offender_no=NOMS, first_name="ANDY",
        last_name="MARKE", date_of_birth=date(1965, 7, 19), agency_id="MDI",
    )
    prison.sentence_details[BOOKING_ID] = SentenceDetail(
        sentence_start_date=START, sentence_expiry_date=date(2030, 1, 1)
    )
    prison.sentence_terms[BOOKING_ID] = [SentenceTerm(start_date=START, sentence_sequence=1)]
    conviction = Conviction(1, True, Sentence(start_date=START), Custody(booking_number="38339A"))
    community: FakeCommunityApi = container.delius_api()
    community.add_offender(CRN, NOMS, conviction)
    search: FakeOffenderSearch = container.offender_search()
    search.results[NOMS] = OffenderMatches((OffenderMatch(CRN),), "HMPPS_KEY")


def writes_to_delius(container) -> list[str]:
    return [name for name in container.delius_api().call_names() if name != "get_convictions"]


def test_without_a_token_it_is_401_and_without_the_role_403(client, auth_headers, container) -> None:
    anonymous = client.post("/resync", json={"ids": [BOOKING_ID]})
    other_roles = client.post("/resync", json={"ids": [BOOKING_ID]},
                              headers=auth_headers("ROLE_PTPU_REPORT", "ROLE_PTPU_QUEUE_ADMIN"))

    assert anonymous.status_code == 401
    assert other_roles.status_code == 403
    assert other_roles.json() == {
        "status": 403, "errorCode": None,
        "userMessage": f"Forbidden, requires an authorisation with role {RESYNC_ROLE}",
        "developerMessage": f"missing {RESYNC_ROLE}", "moreInfo": None,
    }
    assert container.prison_api().calls == []


def test_dry_run_is_the_default_and_answers_what_it_would_write(client, auth_headers, container) -> None:
    response = client.post("/resync", json={"ids": [NOMS]}, headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 200
    body = response.json()
    assert body["dryRun"] is True
    (result,) = body["results"]
    assert {k: result[k] for k in ("id", "bookingId", "result", "status", "crns", "detail")} == {
        "id": NOMS, "bookingId": BOOKING_ID, "result": "DONE", "status": "COMPLETED", "crns": [CRN], "detail": None,
    }
    assert result["writes"] == [
        {"operation": "update_booking_number", "method": "PUT",
         "path": f"/secure/offenders/nomsNumber/{NOMS}/custody/bookingNumber",
         "body": {"bookingNumber": "38339A", "sentenceStartDate": "2026-10-12"}},
        {"operation": "update_custody", "method": "PUT",
         "path": f"/secure/offenders/nomsNumber/{NOMS}/custody/bookingNumber/38339A",
         "body": {"nomsPrisonInstitutionCode": "MDI"}},
        {"operation": "replace_key_dates", "method": "POST",
         "path": f"/secure/offenders/nomsNumber/{NOMS}/bookingNumber/38339A/custody/keyDates",
         "body": {"sentenceExpiryDate": "2030-01-01"}},
    ]
    assert result["telemetry"][-1]["name"] == "P2PImprisonmentStatusUpdated"
    assert writes_to_delius(container) == []
    assert container.telemetry().events == []


def test_dry_run_false_writes(client, auth_headers, container) -> None:
    response = client.post("/resync", json={"ids": [BOOKING_ID], "dryRun": False}, headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 200
    assert response.json()["dryRun"] is False
    assert response.json()["results"][0]["writes"] == []
    assert writes_to_delius(container) == ["update_booking_number", "update_custody", "replace_key_dates"]
    assert container.telemetry().names()[-1] == "P2PImprisonmentStatusUpdated"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ids": []}, "ids: give between 1 and 500 booking ids or NOMS numbers, not 0"),
        ({"ids": [BOOKING_ID] * 501}, "ids: give between 1 and 500 booking ids or NOMS numbers, not 501"),
        ({"ids": [0, "a5089dy"]},
         "ids[0]: booking id 0 is not a positive whole number of at most 9223372036854775807; "
         'ids[1]: "a5089dy" is not a NOMS number (a letter, four digits, two letters: A1234BC)'),
        ({"ids": [BOOKING_ID], "dryRun": "false"}, "dryRun: Input should be a valid boolean"),
        ({"ids": [BOOKING_ID], "dry_run": False}, "dry_run: Extra inputs are not permitted"),
        ({}, "ids: Field required"),
    ],
)
def test_a_bad_request_is_400_in_the_hmpps_shape_and_nothing_is_done(
    client, auth_headers, container, body, message
) -> None:
    response = client.post("/resync", json=body, headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 400
    assert response.json() == {
        "status": 400, "errorCode": None, "userMessage": f"Validation failure: {message}",
        "developerMessage": message, "moreInfo": None,
    }
    assert container.prison_api().calls == []


def test_the_operation_is_documented_with_its_models_role_and_errors(client) -> None:
    spec = client.get("/v3/api-docs").json()

    operation = spec["paths"]["/resync"]["post"]
    assert operation["security"] == [{"hmpps-auth": []}]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])  # (and FastAPI's 422, as everywhere)
    request = spec["components"]["schemas"]["ResyncRequest"]
    assert request["additionalProperties"] is False
    assert request["properties"]["dryRun"]["default"] is True
    ids = request["properties"]["ids"]
    assert (ids["minItems"], ids["maxItems"]) == (1, 500)
    assert ids["items"]["oneOf"][0]["minimum"] == 1
    assert ids["items"]["oneOf"][1]["pattern"] == "^[A-Z][0-9]{4}[A-Z]{2}$"
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/ResyncResponse"}
    assert spec["components"]["schemas"]["ResyncResult"]["enum"] == [
        "DONE", "TRY_LATER", "BUSY", "NOT_FOUND", "ERROR", "NOT_STARTED"
    ]


def test_who_asked_is_logged(client, auth_headers, caplog) -> None:
    with caplog.at_level("INFO", logger="ptpu_runtime.api.resync"):
        client.post("/resync", json={"ids": [BOOKING_ID, NOMS], "dryRun": False}, headers=auth_headers(RESYNC_ROLE))

    assert "POST /resync by ptpu-test: 2 ids, dryRun=False" in caplog.messages
