"""Per-booking leases and the side-by-side cover against DynamoDB (moto server).

The existing service's ShedLock (DynamoDBLockProvider, `@SchedulerLock(name = "scheduleLock")`, lockAtMostFor
20 minutes) takes `scheduleLock` only when its `lockUntil` has passed and writes its host name as `lockedBy`;
the tests below write the item the way it does and check each side keeps the other out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases, lease_name
from ptpu_adapters.dynamodb.shedlock import DynamoLock, ScheduleCover, default_lock_owner, shedlock_time
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.errors import StoreFailure
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
TWENTY_MINUTES = 20 * 60
RUN_START = datetime(2021, 3, 4, 11, 0, 0)


class SettableClock:
    def __init__(self) -> None:
        self.now = datetime(2021, 3, 4, 10, 11, 12, 123456, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def table(aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames) -> str:
    return names.schedule_table


@pytest.fixture
def leases(aws_clients: AwsClients, table: str, clock: SettableClock) -> Any:
    def for_pod(owner: str) -> DynamoBookingLeases:
        return DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by=owner, clock=clock)

    return for_pod


def item(aws_clients: AwsClients, table: str, key: str) -> dict[str, str]:
    found = aws_clients.schedule_dynamodb.get_item(TableName=table, Key={"_id": {"S": key}}).get("Item", {})
    return {k: next(iter(v.values())) for k, v in found.items()}  # Expires is a number


def test_a_lease_is_a_shedlock_item_named_for_the_booking(leases, aws_clients: AwsClients, table: str) -> None:
    assert leases("ptpu@pod-a:1").try_lease(BOOKING, PROCESS_DUE)

    assert item(aws_clients, table, "bookingLease-1200835") == {
        "_id": "bookingLease-1200835",
        "lockedAt": "2021-03-04T10:11:12.123Z",
        "lockUntil": "2021-03-04T10:21:12.123Z",
        "lockedBy": "ptpu@pod-a:1",
        "Expires": "1615458072",  # 2021-03-11T10:21:12Z: a week after lockUntil, for the table's TTL
    }


def test_of_racing_pods_exactly_one_leases_a_booking_and_others_lease_other_bookings(leases) -> None:
    pods = [leases(f"ptpu@pod-{n}:1") for n in range(6)]
    start = threading.Barrier(len(pods))
    won: dict[str, bool] = {}

    def contend(pod: DynamoBookingLeases) -> None:
        start.wait()
        won[pod.locked_by] = pod.try_lease(BOOKING, PROCESS_DUE)

    threads = [threading.Thread(target=contend, args=(pod,)) for pod in pods]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won.values()) == [False] * 5 + [True]
    assert pods[0].try_lease(BOOKING + 1, PROCESS_DUE) and pods[1].try_lease(BOOKING + 2, PROCESS_DUE)


def test_a_released_lease_is_free_and_a_dead_holders_lease_frees_itself_at_lock_until(
    leases, clock: SettableClock, aws_clients: AwsClients, table: str
) -> None:
    a, b = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:2")
    assert a.try_lease(BOOKING, PROCESS_DUE)
    a.release(BOOKING, PROCESS_DUE)
    assert item(aws_clients, table, lease_name(BOOKING))["lockUntil"] == shedlock_time(clock.now)
    assert b.try_lease(BOOKING, PROCESS_DUE)  # b now holds it and "dies"

    clock.now += LEASE - timedelta(milliseconds=1)
    assert not a.try_lease(BOOKING, PROCESS_DUE)
    clock.now += timedelta(milliseconds=1)
    assert a.try_lease(BOOKING, PROCESS_DUE)
    b.release(BOOKING, PROCESS_DUE)  # the late release of a lease that passed on changes nothing
    assert item(aws_clients, table, lease_name(BOOKING))["lockedBy"] == "ptpu@pod-a:1"


def test_a_retry_tier_run_does_not_retry_a_booking_another_pods_run_of_the_same_tick_did(leases) -> None:
    a, b = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:2")
    window = timedelta(minutes=5)
    tick_a = LeaseRun(RetryTier.SHORT, RUN_START, window)
    tick_b = LeaseRun(RetryTier.SHORT, RUN_START + timedelta(seconds=2), window)  # same cron tick, pod b
    assert a.try_lease(BOOKING, tick_a)
    a.release(BOOKING, tick_a)

    assert not b.try_lease(BOOKING, tick_b)
    assert b.try_lease(BOOKING, LeaseRun(RetryTier.MEDIUM, RUN_START, window))  # another tier is not held back
    b.release(BOOKING, LeaseRun(RetryTier.MEDIUM, RUN_START, window))
    assert b.try_lease(BOOKING, PROCESS_DUE)  # nor is processing of due records
    b.release(BOOKING, PROCESS_DUE)
    next_tick = LeaseRun(RetryTier.SHORT, RUN_START + timedelta(hours=1), window)
    assert b.try_lease(BOOKING, next_tick)


def test_a_cycle_is_refused_a_lease_another_pod_freed_after_the_cycle_began(leases, clock: SettableClock) -> None:
    a, b = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:2")
    a.new_cycle()  # a reads its selection: booking due
    clock.now += timedelta(seconds=1)
    assert b.try_lease(BOOKING, PROCESS_DUE)  # b syncs the booking meanwhile
    clock.now += timedelta(seconds=1)
    b.release(BOOKING, PROCESS_DUE)
    clock.now += timedelta(seconds=1)

    assert not a.try_lease(BOOKING, PROCESS_DUE)  # a's selection is stale for it: nothing to do this cycle
    assert a.try_lease(BOOKING + 1, PROCESS_DUE)  # bookings nobody touched since are leased as usual
    a.new_cycle()
    assert a.try_lease(BOOKING, PROCESS_DUE)  # the next cycle's fresh selection decides


def test_a_resync_request_is_spared_the_cycle_rule_but_never_shares_a_booking(leases, clock: SettableClock) -> None:
    # POST /resync runs outside any cycle, so a lease another pod freed after this pod's last
    # cycle began is not stale for it; a lease held (by another pod, or by a worker of this pod) still is.
    a, b = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:2")
    a.new_cycle()
    clock.now += timedelta(seconds=1)
    assert b.try_lease(BOOKING, PROCESS_DUE)
    assert not a.try_lease(BOOKING, ON_REQUEST)  # held by pod b
    clock.now += timedelta(seconds=1)
    b.release(BOOKING, PROCESS_DUE)
    clock.now += timedelta(seconds=1)

    assert not a.try_lease(BOOKING, PROCESS_DUE)  # the cycle's rule, as before
    assert a.try_lease(BOOKING, ON_REQUEST)  # the request reads no selection: it may take it
    assert not a.try_lease(BOOKING, PROCESS_DUE)  # and a worker of the same pod is kept out while it does
    a.release(BOOKING, ON_REQUEST)


def kotlin_takes(aws_clients: AwsClients, table: str, now: datetime) -> bool:
    """What ShedLock's DynamoDBLockProvider does for `scheduleLock` (condition: lockUntil has passed)."""
    kotlin = DynamoLock(aws_clients.schedule_dynamodb, table, locked_by="prison-to-probation-update-7d9f",
                        clock=lambda: now)
    return kotlin.try_acquire("scheduleLock", TWENTY_MINUTES)


def test_ptpu_pods_share_the_cover_and_the_existing_service_is_kept_out(
    aws_clients: AwsClients, table: str, clock: SettableClock
) -> None:
    pods = [ScheduleCover(aws_clients.schedule_dynamodb, table, locked_by=f"ptpu@pod-{n}:1", clock=clock)
            for n in range(3)]
    for pod in pods:
        assert pod.try_acquire("scheduleLock", TWENTY_MINUTES)
        clock.now += timedelta(seconds=1)
    pods[0].release("scheduleLock")  # leaves the cover in place: the others may still be inside it

    assert not kotlin_takes(aws_clients, table, clock.now)
    assert item(aws_clients, table, "scheduleLock")["lockUntil"] == shedlock_time(
        clock.now - timedelta(seconds=1) + timedelta(seconds=TWENTY_MINUTES)
    )
    # A pod asking for a shorter cover than one already in place is covered without shortening it.
    assert pods[1].try_acquire("scheduleLock", 60)
    assert item(aws_clients, table, "scheduleLock")["lockedBy"] == "ptpu@pod-2:1"
    # Once the last cover has run out, the existing service takes the lock again.
    assert kotlin_takes(aws_clients, table, clock.now + timedelta(seconds=TWENTY_MINUTES))


def test_while_the_existing_service_holds_schedule_lock_ptpu_pods_skip(
    aws_clients: AwsClients, table: str, clock: SettableClock
) -> None:
    assert kotlin_takes(aws_clients, table, clock.now)
    pod = ScheduleCover(aws_clients.schedule_dynamodb, table, locked_by="ptpu@pod-a:1", clock=clock)

    assert not pod.try_acquire("scheduleLock", TWENTY_MINUTES)
    clock.now += timedelta(seconds=TWENTY_MINUTES)  # its lease ran out (or it released)
    assert pod.try_acquire("scheduleLock", TWENTY_MINUTES)


def test_sitting_out_the_existing_services_hold_is_logged_at_info_once_per_hold_and_resuming_once(
    aws_clients: AwsClients, table: str, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """With the existing service holding `scheduleLock`, ptpu says at INFO that it stores records and processes none."""
    caplog.set_level(logging.INFO, logger="ptpu_adapters.dynamodb.shedlock")
    assert kotlin_takes(aws_clients, table, clock.now)
    pod = ScheduleCover(aws_clients.schedule_dynamodb, table, locked_by="ptpu@pod-a:1", clock=clock)
    until = shedlock_time(clock.now + timedelta(seconds=TWENTY_MINUTES))

    for _ in range(3):  # three skipped cycles of one hold
        assert not pod.try_acquire("scheduleLock", TWENTY_MINUTES)
        clock.now += timedelta(seconds=1)
    held = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert held == [
        "scheduleLock is held by the existing service (lockedBy prison-to-probation-update-7d9f, lockUntil "
        f"{until}): this pod processes no records (they are stored) until it is released or expires"
    ]

    clock.now += timedelta(seconds=TWENTY_MINUTES)  # it ran out
    assert pod.try_acquire("scheduleLock", 60)
    assert pod.try_acquire("scheduleLock", 60)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO][1:] == [
        "scheduleLock is no longer held by the existing service (prison-to-probation-update-7d9f): processing resumes"
    ]

    # A new hold (a new lockedAt) by the existing service is reported again.
    caplog.clear()
    assert kotlin_takes(aws_clients, table, clock.now + timedelta(seconds=61))
    clock.now += timedelta(seconds=62)
    assert not pod.try_acquire("scheduleLock", TWENTY_MINUTES)
    assert len([r for r in caplog.records if r.levelno == logging.INFO]) == 1


def test_an_existing_services_hold_with_an_unreadable_lock_until_is_a_warning_saying_what_to_do(
    aws_clients: AwsClients, table: str, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged scheduleLock (lockUntil "garbage") never expires (ShedLock compares strings): a WARNING names it."""
    caplog.set_level(logging.INFO, logger="ptpu_adapters.dynamodb.shedlock")
    aws_clients.schedule_dynamodb.put_item(TableName=table, Item={
        "_id": {"S": "scheduleLock"}, "lockUntil": {"S": "garbage"}, "lockedAt": {"S": shedlock_time(clock.now)},
        "lockedBy": {"S": "prison-to-probation-update-7d9f"},
    })
    pod = ScheduleCover(aws_clients.schedule_dynamodb, table, locked_by="ptpu@pod-a:1", clock=clock)

    assert not pod.try_acquire("scheduleLock", TWENTY_MINUTES)
    assert not pod.try_acquire("scheduleLock", TWENTY_MINUTES)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [(
        "WARNING",
        "scheduleLock is held by prison-to-probation-update-7d9f with an unreadable lockUntil 'garbage', which never"
        " expires: this pod processes no records (they are stored) until the item (_id scheduleLock in table"
        f" {table}) is deleted or its lockUntil set to now as an ISO instant string, e.g. 2026-11-30T06:03:50.000Z",
    )]


def test_this_services_lock_owner_is_recognisably_ptpu() -> None:
    assert default_lock_owner().startswith("ptpu@")


def test_a_release_lost_to_an_outage_is_taken_back_by_its_pod_at_once_and_by_others_only_at_expiry(
    leases, clock: SettableClock, aws_clients: AwsClients, table: str
) -> None:
    """Seen in CI: a store outage made a release fail; the pod's own booking then waited the whole lease."""
    a, b = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:2")
    # The table as a lost release leaves it: lockedBy pod a, lockUntil ten minutes on, no worker of a using it.
    aws_clients.schedule_dynamodb.put_item(
        TableName=table,
        Item={
            "_id": {"S": lease_name(BOOKING)},
            "lockUntil": {"S": shedlock_time(clock.now + LEASE)},
            "lockedAt": {"S": shedlock_time(clock.now)},
            "lockedBy": {"S": "ptpu@pod-a:1"},
        },
    )
    assert not b.try_lease(BOOKING, PROCESS_DUE)
    assert a.try_lease(BOOKING, PROCESS_DUE)
    assert item(aws_clients, table, lease_name(BOOKING))["lockUntil"] == shedlock_time(clock.now + LEASE)


def test_a_pod_never_gives_one_booking_to_two_of_its_workers(leases) -> None:
    a = leases("ptpu@pod-a:1")
    assert a.try_lease(BOOKING, PROCESS_DUE)
    assert not a.try_lease(BOOKING, PROCESS_DUE)  # its own lockedBy, but a worker holds it
    a.release(BOOKING, PROCESS_DUE)
    assert a.try_lease(BOOKING, PROCESS_DUE)


def test_a_release_whose_clock_fails_still_forgets_the_booking_so_the_pod_can_take_it_again(
    aws_clients: AwsClients, table: str, clock: SettableClock, caplog: pytest.LogCaptureFixture
) -> None:
    broken = False

    def failing_clock() -> datetime:
        if broken:
            raise OSError("clock unavailable")
        return clock()

    a = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-a:1",
                            clock=failing_clock)
    assert a.try_lease(BOOKING, PROCESS_DUE)
    broken = True
    with caplog.at_level(logging.ERROR):
        a.release(BOOKING, PROCESS_DUE)  # never raises
    broken = False

    assert "not released" in caplog.text
    # Still ours in the table (lockedBy pod a), and no longer held by a worker: taken again at once.
    assert a.try_lease(BOOKING, PROCESS_DUE)


def test_of_many_workers_of_one_pod_racing_for_a_booking_exactly_one_gets_it(leases) -> None:
    a = leases("ptpu@pod-a:1")
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def worker() -> None:
        barrier.wait()
        won.append(a.try_lease(BOOKING, PROCESS_DUE))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]


class RecordingClient:
    """The real schedule-table client, with the names of the lease items each UpdateItem wrote to and the
    number of BatchGetItem requests (a pass-through: every call reaches the moto server)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.updated: list[str] = []
        self.batch_gets = 0

    def update_item(self, **request: Any) -> Any:
        self.updated.append(request["Key"]["_id"]["S"])
        return self._client.update_item(**request)

    def batch_get_item(self, **request: Any) -> Any:
        self.batch_gets += 1
        return self._client.batch_get_item(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_the_look_ahead_names_the_leases_held_elsewhere_or_freed_since_the_cycle_began(
    leases, clock: SettableClock
) -> None:
    mine, other = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:1")
    assert other.try_lease(4, PROCESS_DUE)
    other.release(4, PROCESS_DUE)  # freed before our cycle
    # Our own lease whose release was lost: taken under our name, no worker of ours holds it.
    assert leases("ptpu@pod-a:1").try_lease(5, PROCESS_DUE)
    assert other.try_lease(6, PROCESS_DUE)
    clock.now += LEASE + timedelta(seconds=1)  # pod B died holding booking 6: its lease ran out
    assert other.try_lease(1, PROCESS_DUE)  # B holds booking 1
    mine.new_cycle()
    clock.now += timedelta(seconds=1)
    assert other.try_lease(2, PROCESS_DUE)
    other.release(2, PROCESS_DUE)  # worked by B since our cycle began
    clock.now += timedelta(seconds=1)

    assert mine.leased_elsewhere([1, 2, 3, 4, 5, 6], PROCESS_DUE) == {1, 2}  # 3 has no item
    assert mine.leased_elsewhere([2], ON_REQUEST) == set()  # a run on request read no selection
    assert mine.leased_elsewhere([], PROCESS_DUE) == set()


def test_the_look_ahead_skips_a_retry_tiers_booking_done_by_this_ticks_run(leases, clock: SettableClock) -> None:
    mine, other = leases("ptpu@pod-a:1"), leases("ptpu@pod-b:1")
    tick = LeaseRun(RetryTier.SHORT, RUN_START, timedelta(minutes=5))
    assert other.try_lease(BOOKING, tick)
    other.release(BOOKING, tick)
    clock.now += LEASE  # long after: only the tier's run stamp says it was done this tick
    mine.new_cycle()

    assert mine.leased_elsewhere([BOOKING], tick) == {BOOKING}
    assert mine.leased_elsewhere([BOOKING], LeaseRun(RetryTier.SHORT, RUN_START + timedelta(hours=1))) == set()
    assert mine.leased_elsewhere([BOOKING], PROCESS_DUE) == set()


def test_a_cycle_writes_no_lease_of_a_booking_held_or_freshly_freed_elsewhere_and_leases_a_free_one(
    aws_clients: AwsClients, table: str, clock: SettableClock
) -> None:
    recording = RecordingClient(aws_clients.schedule_dynamodb)
    mine = DynamoBookingLeases(recording, table, LEASE, locked_by="ptpu@pod-a:1", clock=clock)
    other = DynamoBookingLeases(aws_clients.schedule_dynamodb, table, LEASE, locked_by="ptpu@pod-b:1", clock=clock)
    assert other.try_lease(1, PROCESS_DUE)  # held by B throughout

    def order(booking_ids: Iterable[int]) -> Iterator[int]:
        ids = sorted(booking_ids)  # the selection has been read: our cycle began before this
        clock.now += timedelta(seconds=1)
        assert other.try_lease(2, PROCESS_DUE)
        clock.now += timedelta(seconds=1)
        other.release(2, PROCESS_DUE)  # B worked booking 2 after our cycle began
        yield from ids

    repository = InMemoryMessageRepository()
    for booking in (1, 2, 3):
        repository.add(_due_record(booking))
    service = SynchronisationService(
        repository,
        fake_ports(FixedClock(_RECORDS_NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        CycleSettings(leases=mine, booking_order=order),
        process=_Completes().process,
    )

    summary = service.process_due()

    assert summary == CycleSummary(bookings=1, processed=1, done=1, leased_elsewhere=2)
    assert recording.updated == [lease_name(3), lease_name(3)]  # take and release; none for 1 or 2
    assert recording.batch_gets == 1
    assert item(aws_clients, table, lease_name(1))["lockedBy"] == "ptpu@pod-b:1"


_RECORDS_NOW = datetime(2021, 3, 10, 12, 0, 0, tzinfo=UTC)


def _due_record(booking_id: int) -> Message:
    created = _RECORDS_NOW - timedelta(hours=2)
    return Message(
        id=f"msg-{booking_id}", booking_id=booking_id, event_type="IMPRISONMENT_STATUS-CHANGED",
        message=f'{{"bookingId": {booking_id}}}', created_date=created, delete_by=initial_delete_by(created),
        retry_count=0, processed_date=None, reportable=True, offender_no="A5089DY", booking_no="38339A",
        location_id="MDI", status=SynchroniseState.VALIDATED,
    )


class _Completes:
    def process(self, message: Message, work: object) -> Outcome:
        return done(SynchroniseState.COMPLETED)


def test_every_lease_write_sets_the_items_ttl_a_week_past_its_lock_until(
    leases, aws_clients: AwsClients, table: str, clock: SettableClock
) -> None:
    pod = leases("ptpu@pod-a:1")
    assert pod.try_lease(BOOKING, PROCESS_DUE)
    clock.now += timedelta(minutes=3)
    pod.release(BOOKING, PROCESS_DUE)
    released = item(aws_clients, table, lease_name(BOOKING))
    clock.now += timedelta(days=30)  # long after that Expires: DynamoDB may delete it any time now
    assert pod.try_lease(BOOKING, PROCESS_DUE)
    taken = item(aws_clients, table, lease_name(BOOKING))

    week = 7 * 24 * 3600
    assert int(released["Expires"]) == int(datetime(2021, 3, 4, 10, 14, 12, tzinfo=UTC).timestamp()) + week
    assert int(taken["Expires"]) == int((clock.now + LEASE).timestamp()) + week  # not deleted while held


def test_the_schedule_table_has_ttl_on_expires_as_cloud_platform_makes_it(aws_clients: AwsClients, table: str) -> None:
    described = aws_clients.schedule_dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]

    assert described == {"TimeToLiveStatus": "ENABLED", "AttributeName": "Expires"}


def test_the_existing_services_schedule_lock_gets_no_ttl(aws_clients: AwsClients, table: str) -> None:
    lock = DynamoLock(aws_clients.schedule_dynamodb, table, locked_by="ptpu@pod-a:1")
    assert lock.try_acquire("scheduleLock", TWENTY_MINUTES)

    assert "Expires" not in item(aws_clients, table, "scheduleLock")


class HoldsBackKeys:
    """The real client, except that each BatchGetItem's first answer sends only the first key to the server
    and hands the others back as UnprocessedKeys (as DynamoDB does when throttled)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.requests: list[int] = []  # keys asked per BatchGetItem

    def batch_get_item(self, RequestItems: dict[str, Any]) -> Any:  # noqa: N803 - boto3's name
        (table, request), = RequestItems.items()
        self.requests.append(len(request["Keys"]))
        if len(self.requests) > 1:
            return self._client.batch_get_item(RequestItems=RequestItems)
        first, rest = request["Keys"][:1], request["Keys"][1:]
        answer = self._client.batch_get_item(RequestItems={table: {**request, "Keys": first}})
        answer["UnprocessedKeys"] = {table: {**request, "Keys": rest}}
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_unprocessed_keys_are_read_again(leases, aws_clients: AwsClients, table: str, clock: SettableClock) -> None:
    other = leases("ptpu@pod-b:1")
    assert other.try_lease(1, PROCESS_DUE) and other.try_lease(3, PROCESS_DUE)
    holding_back = HoldsBackKeys(aws_clients.schedule_dynamodb)
    mine = DynamoBookingLeases(holding_back, table, LEASE, locked_by="ptpu@pod-a:1", clock=clock)

    assert mine.leased_elsewhere([1, 2, 3], PROCESS_DUE) == {1, 3}
    assert holding_back.requests == [3, 2]


def test_a_failed_look_ahead_raises_store_failure(aws_clients: AwsClients, clock: SettableClock) -> None:
    missing = DynamoBookingLeases(aws_clients.schedule_dynamodb, "no-such-table", LEASE, clock=clock)

    with pytest.raises(StoreFailure, match="reading the leases of 2 bookings"):
        missing.leased_elsewhere([1, 2], PROCESS_DUE)
