"""POST /resync over the container with in-memory fakes: the role, the 400s in the HMPPS error
shape, the dry-run default and its answer, and the operation in /v3/api-docs."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ptpu_core.models.prison import Booking, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import Conviction, Custody, OffenderMatch, OffenderMatches, Sentence
from ptpu_core.testing import FakeCommunityApi, FakeOffenderSearch, FakePrisonApi
from ptpu_core.use_cases.resync import ResyncProgress, ResyncResult
from ptpu_core.work.cycle import NoLeases
from ptpu_runtime.api.errors import install_error_handlers
from ptpu_runtime.api.resync import Resyncs, resync_router

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
    community: FakeCommunityApi = container.community_api()
    community.add_offender(CRN, NOMS, conviction)
    search: FakeOffenderSearch = container.offender_search()
    search.results[NOMS] = OffenderMatches((OffenderMatch(CRN),), "HMPPS_KEY")


def writes_to_delius(container) -> list[str]:
    return [name for name in container.community_api().call_names() if name != "get_convictions"]


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
        ({"ids": [0, "a5089d"]},
         "ids[0]: booking id 0 is not a positive whole number of at most 9223372036854775807; "
         'ids[1]: "a5089d" is not a NOMS number (a letter, four digits, two letters: A1234BC)'),
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
    assert {"200", "400", "401", "403", "415"} <= set(operation["responses"])
    # Inline: the route reads its own body (after the token check), so FastAPI adds no component for it.
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request["additionalProperties"] is False
    assert request["properties"]["dryRun"]["default"] is True
    ids = request["properties"]["ids"]
    assert (ids["minItems"], ids["maxItems"]) == (1, 500)
    assert ids["items"]["oneOf"][0]["minimum"] == 1
    assert ids["items"]["oneOf"][1]["pattern"] == "^[A-Za-z][0-9]{4}[A-Za-z]{2}$"  # upper-cased before the lookup
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/ResyncResponse"}
    assert spec["components"]["schemas"]["ResyncResult"]["enum"] == [
        "DONE", "TRY_LATER", "BUSY", "NOT_FOUND", "ERROR", "NOT_STARTED", "STILL_RUNNING"
    ]


def test_who_asked_is_logged(client, auth_headers, caplog) -> None:
    with caplog.at_level("INFO", logger="ptpu_runtime.api.resync"):
        client.post("/resync", json={"ids": [BOOKING_ID, NOMS], "dryRun": False}, headers=auth_headers(RESYNC_ROLE))

    assert "POST /resync by ptpu-test: 2 ids, dryRun=False" in caplog.messages


# The token is checked before the body is read; only JSON content is read as JSON; a repeated "dryRun" key is
# refused (a later false must not win over an earlier true and make a real write).
@pytest.mark.parametrize("body", [b"garbage", b'{"ids": [1', b"[" * 100_000])
def test_the_token_is_checked_before_the_body_is_parsed(client, auth_headers, body) -> None:
    anonymous = client.post("/resync", content=body, headers={"Content-Type": "application/json"})
    reporter = client.post("/resync", content=body,
                           headers={"Content-Type": "application/json", **auth_headers("ROLE_PTPU_REPORT")})
    entitled = client.post("/resync", content=body,
                           headers={"Content-Type": "application/json", **auth_headers(RESYNC_ROLE)})
    assert (anonymous.status_code, reporter.status_code, entitled.status_code) == (401, 403, 400)
    assert entitled.json()["userMessage"] == "Validation failure: the body is not valid JSON"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415_naming_its_type(client, auth_headers, container, content_type) -> None:
    headers = auth_headers(RESYNC_ROLE)
    if content_type is not None:
        headers["Content-Type"] = content_type
    answer = client.post("/resync", content=b'{"ids": [1200835]}', headers=headers)
    assert answer.status_code == 415
    assert answer.json()["userMessage"] == f"Unsupported media type {content_type or '(none)'}: send application/json"
    assert container.prison_api().calls == []


def test_a_repeated_key_is_refused_so_a_second_dry_run_cannot_win(client, auth_headers, container) -> None:
    body = b'{"dryRun": true, "ids": [1200835], "dryRun": false}'
    answer = client.post("/resync", content=body,
                         headers={"Content-Type": "application/json; charset=utf-8", **auth_headers(RESYNC_ROLE)})
    assert answer.status_code == 400
    assert answer.json()["userMessage"] == "Validation failure: the key 'dryRun' appears more than once"
    assert writes_to_delius(container) == []


class StallingPrisonApi(FakePrisonApi):
    """prison-api whose sentence-detail read (a status change's first call) waits until `go` is set."""

    def __init__(self, go: threading.Event, data: FakePrisonApi) -> None:
        super().__init__()
        self.go = go
        self.bookings, self.sentence_details, self.sentence_terms = (
            data.bookings, data.sentence_details, data.sentence_terms
        )

    def get_sentence_detail(self, booking_id: int) -> SentenceDetail:
        self.go.wait(30)
        return super().get_sentence_detail(booking_id)


# With prison-api at 9 s a call, a 3-id re-sync would answer after 72 s (the budget only stops *starting*
# bookings), past the 60 s an ingress waits: the answer comes in time with what is done so far.
def test_a_re_sync_still_running_when_the_answer_can_wait_no_longer_answers_what_it_has(
    container, signing_key, auth_headers
) -> None:
    go = threading.Event()
    stalling = StallingPrisonApi(go, container.prison_api())
    container.prison_api.override(stalling)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(resync_router(
        container.resync(), container.synchronisation(), container.clock(), container.verifier(), container.resyncs(),
        answer_within=0.5))
    with TestClient(app) as client:
        answer = client.post("/resync", json={"ids": [BOOKING_ID, 1200836, NOMS]}, headers=auth_headers(RESYNC_ROLE))
    go.set()

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["id"], r["bookingId"], r["result"]) for r in results] == [
        (BOOKING_ID, BOOKING_ID, "STILL_RUNNING"), (1200836, 1200836, "NOT_STARTED"), (NOMS, None, "NOT_STARTED"),
    ]
    assert results[0]["detail"].startswith("still being processed after 0.5 s")
    # The booking in hand finishes in the background; nothing after it is started.
    deadline = time.monotonic() + 10
    while "get_booking" not in stalling.call_names() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert "get_latest_booking" not in stalling.call_names()  # the NOMS number was never resolved
    assert all(1200836 not in args for _, args in stalling.calls)


def test_a_booking_id_written_with_an_exponent_is_400_not_another_booking(client, auth_headers, container) -> None:
    """`1.5e3` is a JSON number equal to 1500, not booking 1500: the body is refused and nothing is done."""
    answer = client.post("/resync", content=b'{"ids": [1.5e3]}', headers={
        **auth_headers(RESYNC_ROLE), "content-type": "application/json"})

    assert answer.status_code == 400
    assert "ids[0]: 1500.0 is not a booking id" in answer.json()["userMessage"]


@pytest.mark.parametrize("written", [b"1200835.0", b"1200835.000"])
def test_a_booking_id_with_a_zero_fraction_is_that_booking_as_json_schema_integers_are(
    client, auth_headers, container, written: bytes
) -> None:
    """JSON Schema's `integer` (the schema /v3/api-docs publishes) and Jackson both take `1200835.0` as 1200835."""
    answer = client.post("/resync", content=b'{"ids": [' + written + b"]}", headers={
        **auth_headers(RESYNC_ROLE), "content-type": "application/json"})

    assert answer.status_code == 200
    assert answer.json()["results"][0]["bookingId"] == BOOKING_ID


def test_a_booking_id_with_a_fraction_is_400(client, auth_headers, container) -> None:
    answer = client.post("/resync", content=b'{"ids": [1200835.5]}', headers={
        **auth_headers(RESYNC_ROLE), "content-type": "application/json"})

    assert answer.status_code == 400
    assert "ids[0]: 1200835.5 is not a booking id" in answer.json()["userMessage"]


def _in_hand(progress: ResyncProgress) -> bool:
    unanswered = progress.unanswered()
    return bool(unanswered) and unanswered[0].result is ResyncResult.STILL_RUNNING


# SIGTERM while a re-sync runs: it must end within SHUTDOWN_TIMEOUT, its thread too (a pool thread still
# working holds the interpreter's exit after "Stopped cleanly").
def test_the_services_stop_ends_a_re_sync_after_its_booking_in_hand(container) -> None:
    go = threading.Event()
    container.prison_api.override(StallingPrisonApi(go, container.prison_api()))
    resyncs: Resyncs = container.resyncs()
    started = resyncs.start([BOOKING_ID, 1200836, NOMS], dry_run=True)
    assert started is not None
    running, progress = started
    deadline = time.monotonic() + 10
    while not _in_hand(progress) and time.monotonic() < deadline:
        time.sleep(0.01)

    resyncs.stop()
    go.set()  # the booking in hand's upstream answers only after the stop
    assert resyncs.join(10)

    report = running.result(timeout=0)
    assert [(item.requested, item.result) for item in report.items] == [
        (BOOKING_ID, ResyncResult.DONE), (1200836, ResyncResult.NOT_STARTED), (NOMS, ResyncResult.NOT_STARTED)]
    assert report.items[1].detail == "not started: the service is stopping; send it again"
    assert resyncs.start([BOOKING_ID], dry_run=True) is None


def test_the_stop_waits_no_longer_than_it_is_given_for_a_booking_that_never_ends(container) -> None:
    go = threading.Event()
    container.prison_api.override(StallingPrisonApi(go, container.prison_api()))
    resyncs: Resyncs = container.resyncs()
    started = resyncs.start([BOOKING_ID], dry_run=True)
    assert started is not None
    try:
        resyncs.stop()
        waited_from = time.monotonic()
        assert not resyncs.join(0.2)
        assert time.monotonic() - waited_from < 2
    finally:
        go.set()
    assert resyncs.join(10)


def test_a_re_sync_asked_while_the_service_stops_is_refused_with_503(client, auth_headers, container) -> None:
    container.resyncs().stop()
    answer = client.post("/resync", json={"ids": [BOOKING_ID]}, headers=auth_headers(RESYNC_ROLE))
    assert answer.status_code == 503
    assert "stopping" in answer.json()["userMessage"]
    assert writes_to_delius(container) == []
