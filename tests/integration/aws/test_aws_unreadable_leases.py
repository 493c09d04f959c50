"""A booking-lease item whose `lockUntil` (or a retry tier's run stamp) is unreadable counts as expired (moto server).

Unhandled, an item `bookingLease-<id>` with `lockUntil` "garbage" (or a number attribute) would hold its booking
for ever: the take's string comparison refuses it, the look-ahead skips it, and no TTL removes it.
The rule (one bad stored item never stalls work) and its atomic form are in ptpu_adapters/dynamodb/lease_values.py.
Last, the form of a readable run stamp, which pods of different versions compare.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from attrs import evolve

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases, lease_name
from ptpu_adapters.dynamodb.shedlock import shedlock_time
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done
from ptpu_core.rules.retry_policy import RetryTier, initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, InMemoryMessageRepository, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.cycle import ON_REQUEST, PROCESS_DUE, CycleSettings, LeaseRun
from ptpu_sandbox.emulator import AwsResourceNames

BOOKING = 1200835
LEASE = timedelta(minutes=10)
NOW = datetime(2021, 3, 4, 10, 11, 12, 123456, tzinfo=UTC)
RECORDS_NOW = datetime(2021, 3, 10, 12, 0, 0, tzinfo=UTC)
UNREADABLE = [pytest.param({"S": "garbage"}, id="garbage-string"), pytest.param({"N": "1614852672"}, id="number")]


@pytest.fixture
def table(aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames) -> str:
    return names.schedule_table


def pod(aws_clients: AwsClients, table: str, owner: str, now: datetime = NOW) -> DynamoBookingLeases:
    return DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by=owner, clock=lambda: now)


def put_lease(aws_clients: AwsClients, table: str, **attributes: dict[str, str]) -> None:
    aws_clients.schedule_dynamodb.put_item(
        TableName=table,
        Item={"_id": {"S": lease_name(BOOKING)}, "lockedAt": {"S": "2021-03-04T10:00:00.000Z"},
              "lockedBy": {"S": "ptpu@pod-gone:9"}, **attributes},
    )


def stored(aws_clients: AwsClients, table: str) -> dict[str, Any]:
    return aws_clients.schedule_dynamodb.get_item(
        TableName=table, Key={"_id": {"S": lease_name(BOOKING)}}, ConsistentRead=True
    )["Item"]


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


class _Completes:
    def process(self, message: Message, work: object) -> Outcome:
        return done(SynchroniseState.COMPLETED)


def _due_record() -> Message:
    created = RECORDS_NOW - timedelta(hours=2)
    return Message(
        id="msg-1", booking_id=BOOKING, event_type="IMPRISONMENT_STATUS-CHANGED",
        message=f'{{"bookingId": {BOOKING}}}', created_date=created, delete_by=initial_delete_by(created),
        retry_count=0, processed_date=None, reportable=True, offender_no="A5089DY", booking_no="38339A",
        location_id="MDI", status=SynchroniseState.VALIDATED,
    )


@pytest.mark.parametrize("lock_until", UNREADABLE)
def test_a_cycle_leases_and_processes_a_booking_whose_lease_has_an_unreadable_lock_until_warning_once(
    aws_clients: AwsClients, table: str, lock_until: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    put_lease(aws_clients, table, lockUntil=lock_until)
    leases = pod(aws_clients, table, "ptpu@pod-a:1")
    repository = InMemoryMessageRepository()
    repository.add(_due_record())
    service = SynchronisationService(
        repository,
        fake_ports(FixedClock(RECORDS_NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        CycleSettings(leases=leases),
        process=_Completes().process,
    )

    assert service.process_due() == CycleSummary(bookings=1, processed=1, done=1)

    after = stored(aws_clients, table)
    assert after["lockedBy"] == {"S": "ptpu@pod-a:1"}
    assert after["lockUntil"] == {"S": shedlock_time(NOW)}  # taken, then released
    value = next(iter(lock_until.values()))
    assert warnings(caplog) == [
        f"Lease item bookingLease-{BOOKING} has an unreadable lockUntil ({lock_until}): counted as expired,"
        " so the booking is leased again"
    ]
    # The same bad value again (written back by hand): leased again, but named once per process.
    put_lease(aws_clients, table, lockUntil=lock_until)
    repository.add(_due_record())
    assert leases.leased_elsewhere([BOOKING], PROCESS_DUE) == set()
    assert leases.try_lease(BOOKING, ON_REQUEST)
    assert len(warnings(caplog)) == 1 and value in warnings(caplog)[0]


@pytest.mark.parametrize("lock_until", UNREADABLE)
def test_a_take_without_a_look_ahead_still_takes_an_unreadable_lease(
    aws_clients: AwsClients, table: str, lock_until: dict[str, str]
) -> None:
    """The refused take returns the item (ALL_OLD), so no extra read is spent to see the bad value."""
    put_lease(aws_clients, table, lockUntil=lock_until)
    leases = pod(aws_clients, table, "ptpu@pod-a:1")
    leases.new_cycle()

    assert leases.try_lease(BOOKING, PROCESS_DUE)
    assert stored(aws_clients, table)["lockUntil"] == {"S": shedlock_time(NOW + LEASE)}


def test_a_valid_lease_written_after_the_bad_value_was_seen_still_wins(aws_clients: AwsClients, table: str) -> None:
    put_lease(aws_clients, table, lockUntil={"S": "garbage"})
    a, b = pod(aws_clients, table, "ptpu@pod-a:1"), pod(aws_clients, table, "ptpu@pod-b:1")
    assert a.leased_elsewhere([BOOKING], ON_REQUEST) == set()  # a has seen "garbage"
    assert b.try_lease(BOOKING, ON_REQUEST)  # b takes it first: a valid lease, ten minutes

    assert not a.try_lease(BOOKING, ON_REQUEST)  # `lockUntil = :seen` no longer matches
    assert a.leased_elsewhere([BOOKING], ON_REQUEST) == {BOOKING}
    assert stored(aws_clients, table)["lockedBy"] == {"S": "ptpu@pod-b:1"}


def test_a_readable_lease_held_elsewhere_is_still_refused(aws_clients: AwsClients, table: str) -> None:
    put_lease(aws_clients, table, lockUntil={"S": shedlock_time(NOW + timedelta(minutes=1))})
    leases = pod(aws_clients, table, "ptpu@pod-a:1")

    assert leases.leased_elsewhere([BOOKING], ON_REQUEST) == {BOOKING}
    assert not leases.try_lease(BOOKING, ON_REQUEST)


@pytest.mark.parametrize("stamp", [{"S": "zzz"}, {"N": "5"}], ids=["garbage-string", "number"])
def test_an_unreadable_retry_run_stamp_does_not_keep_the_tier_from_the_booking(
    aws_clients: AwsClients, table: str, stamp: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    put_lease(aws_clients, table, lockUntil={"S": shedlock_time(NOW - timedelta(minutes=1))}, retryShortTermRun=stamp)
    leases = pod(aws_clients, table, "ptpu@pod-a:1")
    tick = LeaseRun(RetryTier.SHORT, datetime(2021, 3, 4, 11, 0, 0), timedelta(minutes=5))

    assert leases.leased_elsewhere([BOOKING], tick) == set()
    assert leases.try_lease(BOOKING, tick)
    leases.release(BOOKING, tick)
    assert stored(aws_clients, table)["retryShortTermRun"] == {"S": "2021-03-04T11:00:00.000000"}
    assert len(warnings(caplog)) == 1 and "retryShortTermRun" in warnings(caplog)[0]


def test_a_retry_runs_stamp_is_utc_wall_clock_time_without_a_zone_even_in_summer_time(
    aws_clients: AwsClients, table: str
) -> None:
    """docs/architecture.md "How pods share work": pods of every version compare the stamp as a string, so
    its form is fixed. At 10:00 BST (09:00 UTC) the stamp reads 09:00, never London's 10:00 (whose October
    hour repeats)."""
    summer = datetime(2021, 7, 1, 9, 0, 0, 250000, tzinfo=UTC)
    leases = pod(aws_clients, table, "ptpu@pod-a:1", now=summer)
    repository = InMemoryMessageRepository()
    repository.add(evolve(_due_record(), retry_count=1))
    service = SynchronisationService(
        repository,
        fake_ports(FixedClock(summer), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        CycleSettings(leases=leases, retry_same_run_within=timedelta(minutes=5)),
        process=_Completes().process,
    )

    service.retry(RetryTier.SHORT)

    assert stored(aws_clients, table)["retryShortTermRun"] == {"S": "2021-07-01T09:00:00.250000"}
