"""POST /resync through the container's real adapters: tokens from the simulated HMPPS Auth
checked against its JWKS, prison-api / offender-search / community-api simulators over loopback, and the
per-booking leases in the emulator's schedule table.

Dry run: the answer lists the writes and community-api receives none. dryRun=false: the writes reach
community-api, and a second call answers the same and leaves Delius as it was. A booking another pod has
leased answers BUSY at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from simulated_service_env import simulated_service_env

from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases
from ptpu_core.work.cycle import PROCESS_DUE
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_sandbox.simulators import QUEUE_ADMIN_ROLE, REPORT_ROLE, RESYNC_ROLE, SimulatedHmpps

BOOKING_ID = 1200835  # seeded: A5089DY, sentenced at MDI; Delius X142620 found by name, not yet linked
NOMS = "A5089DY"
CRN = "X142620"


@pytest.fixture
def container(hmpps: SimulatedHmpps, aws_emulator) -> Iterator[Container]:
    hmpps.reset()
    env = simulated_service_env(aws_emulator, hmpps)  # no scheduler runs here: hold-back does not matter
    container = Container(settings=load_settings(env))
    container.queue_urls()  # creates the emulated queues and tables
    yield container
    container.unwire()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(container.app(), raise_server_exceptions=False) as test_client:
        yield test_client


def headers(hmpps: SimulatedHmpps, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {hmpps.auth.mint_token(list(roles))}"}


def resync(client: TestClient, hmpps: SimulatedHmpps, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/resync", json=body, headers=headers(hmpps, RESYNC_ROLE))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def community_writes(hmpps: SimulatedHmpps) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request in hmpps.community.requests_log]


def test_the_role_is_required(client: TestClient, hmpps: SimulatedHmpps) -> None:
    body = {"ids": [BOOKING_ID], "dryRun": False}

    assert client.post("/resync", json=body).status_code == 401
    assert client.post("/resync", json=body, headers=headers(hmpps, REPORT_ROLE, QUEUE_ADMIN_ROLE)).status_code == 403
    assert community_writes(hmpps) == []


def test_a_dry_run_answers_what_it_would_write_and_community_api_receives_no_write(
    client: TestClient, hmpps: SimulatedHmpps
) -> None:
    delius_before = hmpps.delius.snapshot()

    answer = resync(client, hmpps, {"ids": [NOMS]})

    assert answer["dryRun"] is True
    (result,) = answer["results"]
    assert (result["id"], result["bookingId"], result["result"], result["status"], result["crns"]) == (
        NOMS, BOOKING_ID, "DONE", "COMPLETED", [CRN]
    )
    assert [(w["method"], w["path"]) for w in result["writes"]] == [
        ("PUT", f"/secure/offenders/crn/{CRN}/nomsNumber"),
        ("PUT", f"/secure/offenders/nomsNumber/{NOMS}/custody/bookingNumber"),
        ("PUT", f"/secure/offenders/nomsNumber/{NOMS}/custody/bookingNumber/38339A"),
        ("POST", f"/secure/offenders/nomsNumber/{NOMS}/bookingNumber/38339A/custody/keyDates"),
    ]
    assert result["writes"][0]["body"] == {"nomsNumber": NOMS}
    assert community_writes(hmpps) == []
    assert hmpps.delius.snapshot() == delius_before


def test_not_a_dry_run_writes_and_a_second_call_changes_nothing_more(client: TestClient, hmpps: SimulatedHmpps) -> None:
    first = resync(client, hmpps, {"ids": [BOOKING_ID], "dryRun": False})
    writes_of_first = community_writes(hmpps)
    delius_after_first = hmpps.delius.snapshot()

    second = resync(client, hmpps, {"ids": [BOOKING_ID], "dryRun": False})

    assert writes_of_first[0] == ("PUT", f"/secure/offenders/crn/{CRN}/nomsNumber")
    assert hmpps.delius.offender(CRN)["otherIds"]["nomsNumber"] == NOMS  # type: ignore[index]
    for answer in (first, second):
        (result,) = answer["results"]
        assert (answer["dryRun"], result["result"], result["status"], result["crns"], result["writes"]) == (
            False, "DONE", "COMPLETED", [CRN], []
        )
    assert hmpps.delius.snapshot() == delius_after_first  # the same values written again: nothing changed
    # Linked now, the second finds X142620 by its NOMS number and sets no NOMS number again.
    assert ("PUT", f"/secure/offenders/crn/{CRN}/nomsNumber") not in community_writes(hmpps)[len(writes_of_first):]


def test_a_booking_another_pod_holds_is_busy_at_once_and_free_again_after(
    client: TestClient, hmpps: SimulatedHmpps, container: Container
) -> None:
    settings = container.settings()
    other_pod = DynamoBookingLeases(
        container.aws().schedule_dynamodb, settings.schedule_table_name, timedelta(minutes=10), locked_by="ptpu@other:1"
    )
    assert other_pod.try_lease(BOOKING_ID, PROCESS_DUE)

    busy = resync(client, hmpps, {"ids": [BOOKING_ID, "Z9999ZZ"], "dryRun": False})
    other_pod.release(BOOKING_ID, PROCESS_DUE)
    free = resync(client, hmpps, {"ids": [BOOKING_ID]})

    assert [(r["result"], r["detail"]) for r in busy["results"]] == [
        ("BUSY", "the booking is being processed elsewhere; try again shortly"),
        ("NOT_FOUND", "prison-api has no booking for Z9999ZZ"),
    ]
    assert community_writes(hmpps) == []
    assert free["results"][0]["result"] == "DONE"
