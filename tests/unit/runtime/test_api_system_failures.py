"""POST /retry-system-failures over the container with in-memory fakes: the role, the dry-run default that
writes nothing, and a real run that processes a record left in ERROR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from attrs import evolve
from fastapi.testclient import TestClient
from test_api_resync import BOOKING_ID, RESYNC_ROLE, writes_to_delius
from test_api_resync import prisoner as _prisoner  # noqa: F401 - the sentenced prisoner, linked in Delius

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.rules.retry_policy import initial_delete_by

pytestmark = pytest.mark.usefixtures("_prisoner")


@pytest.fixture
def left_in_error(container) -> Message:
    now = container.clock().now()
    record = Message(
        id="left-by-outage", booking_id=BOOKING_ID, event_type="IMPRISONMENT_STATUS-CHANGED",
        message=f'{{"bookingId": {BOOKING_ID}}}', created_date=now - timedelta(hours=1),
        delete_by=initial_delete_by(now), retry_count=1, status=SynchroniseState.ERROR, reportable=True,
    )
    container.repository().add(record)
    return record


def test_it_needs_the_resync_role(client, auth_headers, left_in_error) -> None:
    assert client.post("/retry-system-failures").status_code == 401
    assert client.post("/retry-system-failures", headers=auth_headers("ROLE_PTPU_QUEUE_ADMIN")).status_code == 403


def test_a_dry_run_is_the_default_lists_the_bookings_and_writes_nothing(
    client, auth_headers, container, left_in_error
) -> None:
    response = client.post("/retry-system-failures", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 200
    assert response.json() == {"dryRun": True, "bookingIds": [BOOKING_ID], "bookings": 0, "done": 0, "retried": 0,
                               "systemFailures": 0, "notStarted": 0}
    assert writes_to_delius(container) == []
    stored = container.repository().get(left_in_error.id)
    assert stored is not None and not stored.is_processed


def test_a_run_processes_the_record_left_in_error(client, auth_headers, container, left_in_error) -> None:
    response = client.post("/retry-system-failures?dryRun=false", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 200
    assert response.json()["done"] == 1
    stored = container.repository().get(left_in_error.id)
    assert stored is not None and stored.is_processed and stored.status == SynchroniseState.COMPLETED
    assert "update_booking_number" in writes_to_delius(container)


def test_max_bookings_out_of_range_is_a_400(client, auth_headers, left_in_error) -> None:
    response = client.post("/retry-system-failures?maxBookings=0", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 400
    assert "maxBookings" in response.json()["userMessage"]


def test_the_operation_is_in_the_api_document(client) -> None:
    operation = client.get("/v3/api-docs").json()["paths"]["/retry-system-failures"]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"dryRun", "maxBookings"}


@pytest.mark.parametrize("query", ["dryRun=true&dryRun=false", "maxBookings=5&maxBookings=6"])
def test_a_parameter_given_twice_is_a_400_and_nothing_runs(
    client, auth_headers, container, left_in_error, query: str
) -> None:
    response = client.post(f"/retry-system-failures?{query}", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 400
    assert "appears more than once" in response.json()["userMessage"]
    assert writes_to_delius(container) == []


def test_a_run_reads_the_records_left_in_error_once_and_retries_the_bookings_it_lists(
    client, auth_headers, container, left_in_error, monkeypatch
) -> None:
    repository = container.repository()
    reads: list[tuple[object, ...]] = []
    read = repository.unprocessed_with_retries

    def counted(*arguments: object) -> object:
        reads.append(arguments)
        return read(*arguments)

    monkeypatch.setattr(repository, "unprocessed_with_retries", counted)
    response = client.post("/retry-system-failures?dryRun=false", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 200
    assert (response.json()["bookingIds"], response.json()["done"]) == ([BOOKING_ID], 1)
    assert len(reads) == 1  # the bookings answered are the bookings retried


def test_a_run_under_the_services_dry_run_says_it_was_a_dry_run_and_writes_nothing(
    auth_headers, container, left_in_error, caplog
) -> None:
    caplog.set_level("INFO")
    container.settings.override(evolve(container.settings(), dry_run=True))
    with TestClient(container.app(), raise_server_exceptions=False) as client:
        response = client.post("/retry-system-failures?dryRun=false", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 200
    assert (response.json()["dryRun"], response.json()["done"]) == (True, 1)
    assert writes_to_delius(container) == []
    assert "POST /retry-system-failures by " in caplog.text and "1 bookings, dryRun=True" in caplog.text


def test_a_run_asked_while_the_service_stops_is_refused_with_503(
    client, auth_headers, container, left_in_error
) -> None:
    container.synchronisation().stop()

    response = client.post("/retry-system-failures?dryRun=false", headers=auth_headers(RESYNC_ROLE))

    assert response.status_code == 503
    assert "stopping" in response.json()["userMessage"]
    stored = container.repository().get(left_in_error.id)
    assert stored is not None and not stored.is_processed
