"""The whole service, end to end: real SNS envelopes through the emulator, the real listener and
schedulers in `ptpu serve`, the simulated HMPPS systems, and the HTTP API with simulator-signed JWTs.

Each test uses its own seeded prisoner (see ptpu_sandbox.simulators.seed), so the tests share one stack.
"""

from __future__ import annotations

import requests

from ptpu_sandbox.simulators import QUEUE_ADMIN_ROLE, SCENARIOS
from ptpu_sandbox.simulators.seed import sentence_dates_changed
from ptpu_sandbox.stack import LocalStack

from .helpers import (
    community_writes,
    csv_rows,
    metric,
    records_for,
    report,
    telemetry,
    wait_for,
    wait_for_final_record,
)


def publish_scenario(stack: LocalStack, name: str) -> None:
    for event in SCENARIOS[name].events:
        stack.publish(event.event_type, event.message)


def without_nulls(body: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in body.items() if value is not None}


def test_a_new_conviction_links_the_probation_record_and_copies_the_custody_details(stack: LocalStack) -> None:
    successes_before = metric(stack, "ptpu_statusChange_total", type="success")
    publish_scenario(stack, "new-conviction")

    record = wait_for_final_record(stack, 1200835, "COMPLETED")

    assert (record.matching_crns, record.offender_no, record.booking_no, record.location_id) == (
        "X142620", "A5089DY", "38339A", "MDI"
    )
    writes = community_writes(stack)
    assert [(w["method"], w["path"], w["status"]) for w in writes] == [
        ("PUT", "/secure/offenders/crn/X142620/nomsNumber", 200),
        ("PUT", "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber", 200),
        ("PUT", "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber/38339A", 200),
        ("POST", "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates", 200),
    ]
    assert writes[0]["body"] == {"nomsNumber": "A5089DY"}
    # The latest start among terms not consecutive to another (term 62 follows 61, so 61's date wins).
    assert writes[1]["body"] == {"sentenceStartDate": "2026-10-12", "bookingNumber": "38339A"}
    assert writes[2]["body"] == {"nomsPrisonInstitutionCode": "MDI"}
    assert without_nulls(writes[3]["body"]) == {
        "conditionalReleaseDate": "2028-04-11",
        "licenceExpiryDate": "2030-10-11",
        "hdcEligibilityDate": "2027-12-20",
        "sentenceExpiryDate": "2030-10-11",
    }
    custody = stack.hmpps.community.offender("X142620")["convictions"][0]["custody"]  # type: ignore[index]
    assert (custody["bookingNumber"], custody["institution"]["code"]) == ("38339A", "MDIHMP")

    [match] = telemetry(stack, "P2POffenderMatch", offenderNo="A5089DY")
    assert (match["matches"], match["crns"], match["filtered_crns"]) == ("1", "X142620", "X142620")
    assert telemetry(stack, "P2POffenderNumberSet", offenderNo="A5089DY", crn="X142620")
    [updated] = telemetry(stack, "P2PImprisonmentStatusUpdated", 1200835)
    assert (updated["offenderNo"], updated["bookingNumber"], updated["sentenceStartDate"]) == (
        "A5089DY", "38339A", "2026-10-12"
    )
    assert metric(stack, "ptpu_statusChange_total", type="success") == successes_before + 1


def test_an_admission_moves_the_custody_to_the_new_prison(stack: LocalStack) -> None:
    moves_before = metric(stack, "ptpu_movement_total", type="success")
    publish_scenario(stack, "transfer")

    wait_for_final_record(stack, 1200839, "COMPLETED")

    assert [(w["method"], w["path"], w["body"]) for w in community_writes(stack)] == [
        ("PUT", "/secure/offenders/nomsNumber/A5093DY/custody/bookingNumber/38343A",
         {"nomsPrisonInstitutionCode": "PVI"}),
    ]
    [moved] = telemetry(stack, "P2PTransferProbationUpdated", 1200839)
    assert moved["toAgencyDescription"] == "Pentonville (HMP)"
    assert telemetry(stack, "P2PExternalMovement", 1200839)
    assert metric(stack, "ptpu_movement_total", type="success") == moves_before + 1


def test_recalculated_sentence_dates_replace_the_key_dates(stack: LocalStack) -> None:
    changes_before = metric(stack, "ptpu_sentenceDateChange_total", type="success")
    publish_scenario(stack, "sentence-dates")

    wait_for_final_record(stack, 1200840, "COMPLETED")

    [write] = community_writes(stack)
    assert write["path"] == "/secure/offenders/nomsNumber/A5094DY/bookingNumber/38344A/custody/keyDates"
    assert without_nulls(write["body"]) == {
        "conditionalReleaseDate": "2027-07-30",  # the override wins over the calculated 2027-08-15
        "licenceExpiryDate": "2028-08-14",
        "hdcEligibilityDate": "2027-04-01",
        "paroleEligibilityDate": "2027-06-30",
        "sentenceExpiryDate": "2028-08-14",
        "postSentenceSupervisionEndDate": "2029-08-14",
    }
    assert telemetry(stack, "P2PSentenceDatesChanged", 1200840)
    assert metric(stack, "ptpu_sentenceDateChange_total", type="success") == changes_before + 1


def test_a_merge_replaces_the_old_noms_number_in_probation(stack: LocalStack) -> None:
    publish_scenario(stack, "merge")

    wait_for_final_record(stack, 1200842, "COMPLETED")

    assert [(w["method"], w["path"], w["body"]) for w in community_writes(stack)] == [
        ("PUT", "/secure/offenders/nomsNumber/A9996DY/nomsNumber", {"nomsNumber": "A5096DY"}),
    ]
    assert stack.hmpps.community.offender("X200007")["otherIds"]["nomsNumber"] == "A5096DY"  # type: ignore[index]
    [changed] = telemetry(stack, "P2PBookingNumberChanged", 1200842)
    assert changed["crn"] == "X200007"


def test_several_events_for_one_booking_are_synchronised_in_one_pass(stack: LocalStack) -> None:
    times = ("2026-11-21T11:24:32.1", "2026-11-21T11:25:40.2", "2026-11-21T11:26:51.3")
    for when in times:
        event = sentence_dates_changed(1200841)
        stack.publish(event.event_type, {**event.message, "eventDatetime": when})

    record = wait_for_final_record(stack, 1200841, "COMPLETED")  # the only one left: duplicates deleted

    assert record.event_type == "SENTENCE_DATES-CHANGED"
    assert len(community_writes(stack, "/custody/keyDates")) == 1
    assert len(telemetry(stack, "P2PSentenceDatesChanged", 1200841)) == 1
    assert stack.service is not None
    assert stack.service.log_text().count("booking 1200841: deleted duplicate SENTENCE_DATES-CHANGED") == 2


def test_a_community_api_failure_is_retried_by_the_short_retry_schedule(stack: LocalStack) -> None:
    booking_number_path = "/secure/offenders/nomsNumber/A5092DY/custody/bookingNumber"
    stack.hmpps.community.inject_fault(status=500, times=1, paths=booking_number_path, methods=["PUT"])
    publish_scenario(stack, "already-linked")

    record = wait_for_final_record(stack, 1200838, "COMPLETED")

    assert record.retry_count == 1  # one failed pass, then success on the first retry
    attempts = [w for w in community_writes(stack) if w["path"] == booking_number_path]
    assert [w["status"] for w in attempts] == [500, 200]
    assert telemetry(stack, "P2PImprisonmentStatusUpdated", 1200838)
    assert stack.service is not None
    log = stack.service.log_text()
    assert "Processing records (UpstreamFailure from community-api (HTTP 5xx))" in log
    assert "booking 1200838: IMPRISONMENT_STATUS-CHANGED message" in log and "will retry" in log


def test_an_event_for_a_released_prisoner_is_dropped_at_validation(stack: LocalStack) -> None:
    publish_scenario(stack, "released")
    assert stack.service is not None
    service = stack.service

    wait_for("the drop to be logged", lambda: "booking 1200843" in service.log_text())
    wait_for("the queue to drain", lambda: stack.queue_depth() == 0)

    assert "Dropping IMPRISONMENT_STATUS-CHANGED for booking 1200843" in service.log_text()
    assert records_for(stack, 1200843) == []
    assert community_writes(stack) == []


def test_reports_over_http_need_a_token_with_the_report_role(stack: LocalStack) -> None:
    publish_scenario(stack, "no-match")
    wait_for("the no-match record to wait for a retry",
             lambda: [r for r in records_for(stack, 1200836) if r.retry_count > 0])
    token = stack.report_token()

    in_progress = report(stack, "in-progress", token)
    assert in_progress.status_code == 200
    [row] = [r for r in csv_rows(in_progress) if r["BOOKINGID"] == "1200836"]
    assert (row["STATUS"], row["OFFENDERNO"], row["LOCATIONID"]) == ("NO_MATCH", "A5090DY", "LEI")

    not_matched = csv_rows(report(stack, "not-matched", token, daysOld="0"))
    assert "1200836" in {r["BOOKINGID"] for r in not_matched}
    summary = report(stack, "match-summary", token).json()
    assert summary["waiting"]["category"]["no-match"] >= 1

    assert report(stack, "in-progress", None).status_code == 401
    assert report(stack, "in-progress", stack.report_token(roles=(QUEUE_ADMIN_ROLE,))).status_code == 403


def test_health_is_up_with_every_component(stack: LocalStack) -> None:
    health = requests.get(f"{stack.service_url}/health", timeout=10)

    assert health.status_code == 200
    components = health.json()["components"]
    assert {name: c["status"] for name, c in components.items() if name != "healthInfo"} == {
        "prisonApiHealth": "UP", "communityApiHealth": "UP", "searchApiHealth": "UP", "OAuthApiHealth": "UP",
        "messageTable": "UP", "scheduleTable": "UP", "queueHealth": "UP",
        "domaineventtopic-health": "UP",  # the stack sets the domain-events topic
        "scheduler": "UP",  # its jobs run on schedule (ptpu_runtime.scheduler_watch)
    }
