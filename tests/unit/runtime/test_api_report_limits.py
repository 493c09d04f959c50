"""The CSV reports stream and at most REPORTS_MAX_CONCURRENT (default 2) run at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from ptpu_core.errors import StoreFailure
from ptpu_core.models.record import Message
from ptpu_core.testing import InMemoryMessageRepository
from ptpu_runtime.api.errors import ApiError
from ptpu_runtime.api.reports import ReportGate

NOW = datetime(2021, 3, 10, 12, 0, 0)  # the container fixture's FixedClock


class HeldRepository(InMemoryMessageRepository):
    """Its report reads wait until released, as a long report's would; counts how many are waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.waiting = threading.Semaphore(0)

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        self.waiting.release()
        self.release.wait(timeout=30)
        return super().unprocessed(created_before)


class BrokenRepository(InMemoryMessageRepository):
    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        raise StoreFailure("DynamoDB query on pending-created-index failed")


def a_record(n: int) -> Message:
    return Message(id=str(n), booking_id=n, event_type="IMPRISONMENT_STATUS-CHANGED", message="{}",
                   created_date=NOW - timedelta(minutes=n), delete_by=0)


def test_a_third_report_while_two_run_gets_429_with_retry_after_and_a_slot_comes_back(container, auth_headers):
    repository = HeldRepository()
    repository.add(a_record(1))
    container.repository.override(repository)
    headers = auth_headers("ROLE_PTPU_REPORT")
    with TestClient(container.app(), raise_server_exceptions=False) as client, ThreadPoolExecutor(2) as pool:
        running = [pool.submit(client.get, "/report/in-progress", headers=headers) for _ in range(2)]
        for _ in range(2):
            assert repository.waiting.acquire(timeout=10)
        refused = client.get("/report/processed", headers=headers)
        refused_summary = client.get("/report/match-summary", headers=headers)
        repository.release.set()
        finished = [future.result(timeout=30) for future in running]
        afterwards = client.get("/report/in-progress", headers=headers)

    assert refused.status_code == 429 and refused_summary.status_code == 429
    assert refused.headers["Retry-After"] == "10"
    assert refused.json()["status"] == 429
    assert [answer.status_code for answer in finished] == [200, 200]
    assert afterwards.status_code == 200 and afterwards.text.count("\n") == 2


def test_a_report_failing_at_its_first_page_is_a_503_and_gives_its_slot_back(container, auth_headers):
    container.repository.override(BrokenRepository())
    headers = auth_headers("ROLE_PTPU_REPORT")
    with TestClient(container.app(), raise_server_exceptions=False) as client:
        answers = [client.get("/report/in-progress", headers=headers).status_code for _ in range(5)]
        summary = client.get("/report/match-summary", headers=headers).status_code
    assert answers == [503] * 5  # never 429: every failed report gave its slot back
    assert summary == 200


def test_csv_reports_are_streamed_not_sent_as_one_body(client, container, auth_headers):
    for n in range(1, 1200):
        container.repository().add(a_record(n))
    response = client.get("/report/in-progress", headers=auth_headers("ROLE_PTPU_REPORT"))
    assert response.status_code == 200
    assert "content-length" not in response.headers  # a streamed body has no length up front
    assert response.text.count("\n") == 1200
    booking_ids = [line.split(",")[0] for line in response.text.split("\n")[1:-1]]
    assert booking_ids == [f'"{n}"' for n in range(1199, 0, -1)]  # oldest first


def test_the_gate_counts_slots():
    gate = ReportGate(limit=1)
    with gate.slot(), pytest.raises(ApiError) as refused, gate.slot():
        pass
    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "10"}
    with pytest.raises(RuntimeError), gate.slot():
        raise RuntimeError("a report failing")
    with gate.slot():  # the slot came back when each block ended
        pass
    with pytest.raises(ValueError, match="at least one"):
        ReportGate(limit=0)
