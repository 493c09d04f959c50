"""Dry-run mode: reads reach community-api, writes only become P2PDryRunWrite telemetry (SPEC §12)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from http_stubs import fixture_body
from pytest_httpserver import HTTPServer

from ptpu_adapters.http.community_api import CommunityApiClient, DryRunCommunityApi
from ptpu_core.models.probation import (
    Custody,
    IDs,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.testing import RecordingTelemetry


@pytest.fixture
def telemetry() -> RecordingTelemetry:
    return RecordingTelemetry()


@pytest.fixture
def dry_run(make_upstream, telemetry: RecordingTelemetry) -> DryRunCommunityApi:
    return DryRunCommunityApi(CommunityApiClient(make_upstream("community-api")), telemetry)


def upstream_calls(server: HTTPServer) -> list[str]:
    return [f"{request.method} {request.path}" for request, _ in server.log if request.path != "/oauth/token"]


def test_reads_pass_through(httpserver: HTTPServer, dry_run: DryRunCommunityApi, telemetry) -> None:
    httpserver.expect_oneshot_request("/secure/offenders/crn/X142620/convictions").respond_with_json(
        fixture_body("getConviction_X142620.json")
    )

    assert len(dry_run.get_convictions("X142620")) == 3
    assert telemetry.events == []


def test_writes_are_reported_not_sent(httpserver: HTTPServer, dry_run: DryRunCommunityApi, telemetry) -> None:
    assert dry_run.update_noms_number("X142620", "A5089DY") == IDs("X142620", "A5089DY")
    assert dry_run.replace_noms_number("A9999DY", "A5089DY") == []
    booking = dry_run.update_booking_number("A5089DY", UpdateCustodyBookingNumber(date(2020, 2, 11), "38339A"))
    custody = dry_run.update_custody("A5089DY", "38339A", UpdateCustody("MDI"))
    key_dates = dry_run.replace_key_dates(
        "A5089DY", "38339A", ReplaceCustodyKeyDates(sentence_expiry_date=date(2025, 9, 10))
    )

    assert upstream_calls(httpserver) == []
    assert booking == Custody(booking_number="38339A")
    assert custody is not None and custody.institution is not None
    assert custody.institution.noms_prison_institution_code == "MDI"
    assert key_dates == Custody(booking_number="38339A")
    reported = [
        (e.attributes["operation"], e.attributes["method"], e.attributes["path"], json.loads(e.attributes["body"]))
        for e in telemetry.named("P2PDryRunWrite")
    ]
    assert reported == [
        ("update_noms_number", "PUT", "/secure/offenders/crn/X142620/nomsNumber", {"nomsNumber": "A5089DY"}),
        ("replace_noms_number", "PUT", "/secure/offenders/nomsNumber/A9999DY/nomsNumber", {"nomsNumber": "A5089DY"}),
        (
            "update_booking_number",
            "PUT",
            "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber",
            {"sentenceStartDate": "2020-02-11", "bookingNumber": "38339A"},
        ),
        (
            "update_custody",
            "PUT",
            "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber/38339A",
            {"nomsPrisonInstitutionCode": "MDI"},
        ),
        (
            "replace_key_dates",
            "POST",
            "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates",
            {"sentenceExpiryDate": "2025-09-10"},
        ),
    ]
