"""Booking leases kept alive in DynamoDB (moto server): `DynamoBookingLeases.keep`, and two pods on one
booking whose pass outlasts the lease it took.

The contract restated from ShedLock (lukas-krecan/ShedLock): `support/KeepAliveLockProvider.java` extends a
held lock for a whole lockAtMostFor once half of it has passed, and stops as soon as an extension is refused;
the storage accessors' `extend` (e.g. `JdbcTemplateStorageAccessor`: `UPDATE ... SET lock_until = ? WHERE
name = ? AND locked_by = ? AND lock_until > ?`) grants it only to the node that holds the lock.
lukas-krecan/ShedLock#606 ("Shift lock_until if a task is still running") and
lukas-krecan/ShedLock#1596 are the problem it answers.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases, lease_name
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.shedlock import shedlock_time
from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FakeDomainEventPublisher, RecordingMetrics, RecordingTelemetry
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.cycle import PROCESS_DUE, CycleSettings
from ptpu_core.work.domain_events import PRISON_IDENTIFIER_ADDED
from ptpu_core.work.unit_of_work import Ports
from ptpu_sandbox.emulator import AwsResourceNames
from ptpu_sandbox.simulators import SimulatedHmpps

BOOKING = 1200835  # the simulators' new-conviction: four Delius writes and one prison-identifier.added
LEASE = timedelta(minutes=10)


class SettableClock:
    def __init__(self) -> None:
        self.now = datetime(2021, 3, 4, 10, 11, 12, 123456, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class CountingClient:
    """The real schedule-table client, counting the UpdateItems sent (every call reaches the moto server)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.updates = 0

    def update_item(self, **request: Any) -> Any:
        self.updates += 1
        return self._client.update_item(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def table(aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames) -> str:
    return names.schedule_table


def item(aws_clients: AwsClients, table: str) -> dict[str, str]:
    found = aws_clients.schedule_dynamodb.get_item(TableName=table, Key={"_id": {"S": lease_name(BOOKING)}})["Item"]
    return {k: next(iter(v.values())) for k, v in found.items()}


def test_a_lease_with_half_or_more_left_is_kept_without_a_call_and_with_less_is_extended_once(
    aws_clients: AwsClients, table: str, clock: SettableClock
) -> None:
    client = CountingClient(aws_clients.schedule_dynamodb)
    mine = DynamoBookingLeases(client, table, LEASE, locked_by="ptpu@pod-a:1", clock=clock)
    other = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-b:1", clock=clock)
    assert mine.try_lease(BOOKING, PROCESS_DUE)
    taken_at = clock.now

    clock.now = taken_at + LEASE / 2
    assert mine.keep(BOOKING, PROCESS_DUE)
    assert client.updates == 1  # the take only: half is still left
    clock.now += timedelta(milliseconds=1)
    assert mine.keep(BOOKING, PROCESS_DUE)
    assert client.updates == 2
    assert item(aws_clients, table)["lockUntil"] == shedlock_time(clock.now + LEASE)
    assert int(item(aws_clients, table)["Expires"]) == int((clock.now + LEASE + timedelta(days=7)).timestamp())
    assert mine.keep(BOOKING, PROCESS_DUE) and client.updates == 2  # a whole lease is left again

    clock.now = taken_at + LEASE + timedelta(seconds=1)  # past the lease as taken: still ours
    assert not other.try_lease(BOOKING, PROCESS_DUE)


def test_a_lease_another_pod_took_after_it_ran_out_is_not_kept(
    aws_clients: AwsClients, table: str, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    mine = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-a:1", clock=clock)
    other = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-b:1", clock=clock)
    assert mine.try_lease(BOOKING, PROCESS_DUE)
    clock.now += LEASE
    assert other.try_lease(BOOKING, PROCESS_DUE)
    theirs = item(aws_clients, table)
    clock.now += timedelta(seconds=1)

    assert not mine.keep(BOOKING, PROCESS_DUE)
    assert item(aws_clients, table) == theirs
    assert "was taken by another pod after it ran out" in caplog.text
    other.release(BOOKING, PROCESS_DUE)  # even once the other pod has let it go, it is not ours again
    assert not mine.keep(BOOKING, PROCESS_DUE)


def test_a_lease_that_ran_out_but_nobody_took_is_extended(
    aws_clients: AwsClients, table: str, clock: SettableClock
) -> None:
    mine = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-a:1", clock=clock)
    assert mine.try_lease(BOOKING, PROCESS_DUE)
    clock.now += LEASE + timedelta(seconds=5)  # no other pod took it: the item is as our take left it

    assert mine.keep(BOOKING, PROCESS_DUE)
    assert item(aws_clients, table)["lockUntil"] == shedlock_time(clock.now + LEASE)


def test_a_lease_not_held_or_not_extendable_is_not_kept(
    aws_clients: AwsClients, table: str, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    mine = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-a:1", clock=clock)
    assert not mine.keep(BOOKING, PROCESS_DUE)  # never taken
    assert mine.try_lease(BOOKING, PROCESS_DUE)
    mine.release(BOOKING, PROCESS_DUE)
    assert not mine.keep(BOOKING, PROCESS_DUE)  # released

    assert mine.try_lease(BOOKING, PROCESS_DUE)
    aws_clients.schedule_dynamodb.delete_table(TableName=table)  # the store fails from here on
    clock.now += LEASE
    assert not mine.keep(BOOKING, PROCESS_DUE)  # cannot be extended: not ours to write under
    assert "could not be extended" in caplog.text


# Two pods, one booking, a lease shorter than its pass -----------------------------------------------------

SHORT_LEASE = timedelta(seconds=2)
WRITE_SECONDS = 1.5  # each community-api write; a pass of four writes is three times the lease
DELIUS_WRITES = [
    ("PUT", "/secure/offenders/crn/X142620/nomsNumber"),
    ("PUT", "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber"),
    ("PUT", "/secure/offenders/nomsNumber/A5089DY/custody/bookingNumber/38339A"),
    ("POST", "/secure/offenders/nomsNumber/A5089DY/bookingNumber/38339A/custody/keyDates"),
]


@pytest.fixture
def tokens(hmpps: SimulatedHmpps) -> Iterator[HmppsAuthTokenProvider]:
    hmpps.reset()
    with requests.Session() as session:
        yield HmppsAuthTokenProvider(hmpps.auth_url, "prison-to-probation-update", "sandbox-secret", session)
    hmpps.reset()


def a_pod(
    owner: str, hmpps: SimulatedHmpps, tokens: HmppsAuthTokenProvider, aws_clients: AwsClients,
    names: AwsResourceNames, topic: FakeDomainEventPublisher,
) -> SynchronisationService:
    """A pod as the container builds one (real HTTP adapters, DynamoDB store and leases), on the shared world."""
    clock, settings = SystemClock(), DomainSettings()
    store = DynamoMessageRepository(aws_clients.dynamodb, names.message_table, clock=clock)
    leases = DynamoBookingLeases(aws_clients.schedule_dynamodb, names.schedule_table, SHORT_LEASE, locked_by=owner)
    ports = Ports(
        PrisonApiClient(UpstreamClient("prison-api", hmpps.prison_url, tokens)),
        CommunityApiClient(UpstreamClient("community-api", hmpps.community_url, tokens)),
        OffenderSearchClient(UpstreamClient("offender-search", hmpps.search_url, tokens)),
        RecordingTelemetry(), RecordingMetrics(), clock, domain_events=topic,
    )
    return SynchronisationService(store, ports, settings, CycleSettings(leases=leases))


def test_two_pods_on_a_booking_whose_pass_outlasts_its_lease_write_each_delius_change_once(
    hmpps: SimulatedHmpps, tokens: HmppsAuthTokenProvider, aws_clients: AwsClients,
    resources: ProvisionedResources, names: AwsResourceNames,
) -> None:
    """Lease 2 s, community-api 1.5 s per write: pod A's pass takes about 6 s while pod B runs a cycle
    every 50 ms. Without keeping the lease B took the booking at 2 s and both pods made every write (two
    NOMS-number PUTs, ..., two prison-identifier.added), A noticing only at its release."""
    topic = FakeDomainEventPublisher()
    pod_a, pod_b = (a_pod(o, hmpps, tokens, aws_clients, names, topic) for o in ("ptpu@pod-a:1", "ptpu@pod-b:2"))
    created = datetime.now(UTC) - timedelta(hours=1)
    store = DynamoMessageRepository(aws_clients.dynamodb, names.message_table)
    store.add(Message(
        id="status-change", booking_id=BOOKING, event_type="IMPRISONMENT_STATUS-CHANGED",
        message=json.dumps({"eventType": "IMPRISONMENT_STATUS-CHANGED", "bookingId": BOOKING,
                            "imprisonmentStatusSeq": 0}),
        created_date=created, delete_by=initial_delete_by(created), status=SynchroniseState.VALIDATED,
    ))
    hmpps.community.inject_fault(status=None, delay_seconds=WRITE_SECONDS, methods=["PUT", "POST"])
    a_summary: list[CycleSummary] = []
    a_done = threading.Event()

    def run_a() -> None:
        try:
            a_summary.append(pod_a.process_due())
        finally:
            a_done.set()

    threading.Thread(target=run_a, name="pod-a").start()
    b_summaries = []
    while not a_done.wait(0.05):
        b_summaries.append(pod_b.process_due())
    b_summaries.append(pod_b.process_due())

    writes = [(r.method, r.path) for r in hmpps.community.requests_log]
    assert writes == DELIUS_WRITES  # each once
    assert topic.event_types() == [PRISON_IDENTIFIER_ADDED]
    assert a_summary == [CycleSummary(bookings=1, processed=1, done=1)]
    assert sum(s.bookings for s in b_summaries) == 0
    assert any(s.leased_elsewhere for s in b_summaries)  # B tried while A held it
    record = store.get("status-change")
    assert record is not None and record.is_processed and record.status == SynchroniseState.COMPLETED
