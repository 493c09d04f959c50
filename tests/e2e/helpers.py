"""What the e2e tests read back from the running service and the simulators."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from prometheus_client.parser import text_string_to_metric_families

from ptpu_core.models.record import Message
from ptpu_sandbox.stack import LocalStack

T = TypeVar("T")
WAIT_SECONDS = 30.0


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = WAIT_SECONDS) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` when time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def records_for(stack: LocalStack, booking_id: int) -> list[Message]:
    return [record for record in stack.records() if record.booking_id == booking_id]


def settled(record: Message) -> bool:
    """Processed, or put back for a retry: what a processing pass leaves behind."""
    return record.processed_date is not None or record.retry_count > 0


def wait_for_final_record(stack: LocalStack, booking_id: int, state: str, timeout: float = WAIT_SECONDS) -> Message:
    """The booking's only record once it is processed with `state` (fails on timeout)."""

    def final() -> Message | None:
        records = records_for(stack, booking_id)
        done = [r for r in records if r.processed_date is not None and r.status is not None and r.status.value == state]
        return done[0] if len(records) == 1 and done else None

    return wait_for(f"booking {booking_id} to be processed as {state}", final, timeout)


def community_writes(stack: LocalStack, path_part: str = "") -> list[dict[str, Any]]:
    """Write requests community-api received (method, path, body, status) whose path contains `path_part`."""
    return [r.to_json() for r in stack.hmpps.community.requests_log if path_part in r.path]


def telemetry(stack: LocalStack, event: str, booking_id: int | None = None, **attributes: str) -> list[dict[str, str]]:
    """Attributes of each `event` telemetry event the service logged, for `booking_id` and with
    `attributes` when given."""
    assert stack.service is not None
    wanted = {**attributes, **({"bookingId": str(booking_id)} if booking_id is not None else {})}
    return [
        e["attributes"]
        for e in stack.service.telemetry()
        if e["event"] == event and all(e["attributes"].get(k) == v for k, v in wanted.items())
    ]


def metric(stack: LocalStack, sample_name: str, **labels: str) -> float:
    """A sample's value from GET /prometheus (0 when absent)."""
    text = requests.get(f"{stack.service_url}/prometheus", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def report(stack: LocalStack, path: str, token: str | None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{stack.service_url}/report/{path}", headers=headers, params=params, timeout=10)


def csv_rows(response: requests.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))
