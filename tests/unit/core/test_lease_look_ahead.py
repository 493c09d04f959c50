"""Lease look-ahead: before trying the leases of its next bookings a cycle reads them in one
go and skips, without a lease write, the ones another pod holds or has worked since the cycle began
(benchmarks/NOTES.md: without it every pod spent one refused conditional write per booking another pod
had). The read is only a hint: the lease write still decides, a skipped booking stays due, and a failed
read leaves the cycle trying every lease as before. Two pods share one in-memory lease table here
(`InMemoryBookingLeases`, the same rules as DynamoBookingLeases), on a fake clock."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest
from records import HOLD_BACK, NOW, STATUS_CHANGE, World, record

from ptpu_core.errors import StoreFailure
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import InMemoryBookingLeases, LeaseItem, fake_ports
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.cycle import PROCESS_DUE, CycleSettings, LeaseRun

LEASE = timedelta(minutes=5)


def pod(world: World, owner: str, table: dict[int, LeaseItem], *, look_ahead: int = 100, order=None):
    leases = InMemoryBookingLeases(world.clock, owner, LEASE, table)
    extra = {} if order is None else {"booking_order": order}
    cycle = CycleSettings(leases=leases, look_ahead=look_ahead, retry_same_run_within=timedelta(minutes=5), **extra)
    world.service = SynchronisationService(
        world.repository, fake_ports(world.clock, world.metrics), DomainSettings(hold_back=HOLD_BACK), cycle,
        process=world.processor.process,
    )
    return leases


def test_a_booking_another_pod_holds_gets_no_lease_write_and_stays_due() -> None:
    world, table = World(), {}
    other = InMemoryBookingLeases(world.clock, "ptpu@pod-b:1", LEASE, table)
    assert other.try_lease(2, PROCESS_DUE)  # pod B is working booking 2 (not released)
    mine = pod(world, "ptpu@pod-a:1", table)
    first, held, third = record(1), record(2), record(3)
    world.store(first, held, third)

    summary = world.service.process_due()

    assert summary == CycleSummary(bookings=2, processed=2, done=2, leased_elsewhere=1)
    assert mine.writes == [1, 3]  # no write for booking 2
    assert mine.reads == [[1, 2, 3]]  # one read for the three
    assert not world.stored(held).is_processed  # left due: pod B (or a later cycle) syncs it


def test_a_booking_another_pod_worked_since_the_cycle_began_is_skipped_without_a_write() -> None:
    world, table = World(), {}
    other = InMemoryBookingLeases(world.clock, "ptpu@pod-b:1", LEASE, table)

    def order(booking_ids: Iterable[int]) -> Iterator[int]:
        for booking_id in booking_ids:
            yield booking_id
            if booking_id == 1:  # while this pod works booking 1, pod B takes and frees booking 2
                world.clock.advance(timedelta(seconds=1))
                assert other.try_lease(2, PROCESS_DUE)
                world.clock.advance(timedelta(seconds=1))
                other.release(2, PROCESS_DUE)

    mine = pod(world, "ptpu@pod-a:1", table, look_ahead=1, order=order)
    world.store(record(1), record(2), record(3))

    summary = world.service.process_due()

    assert summary.leased_elsewhere == 1
    assert mine.writes == [1, 3]
    assert mine.reads == [[1], [2], [3]]


def test_leases_freed_before_the_cycle_or_held_by_this_pod_are_tried() -> None:
    world, table = World(), {}
    other = InMemoryBookingLeases(world.clock, "ptpu@pod-b:1", LEASE, table)
    mine = pod(world, "ptpu@pod-a:1", table)
    assert other.try_lease(1, PROCESS_DUE)
    other.release(1, PROCESS_DUE)  # freed before this pod's cycle: free
    assert other.try_lease(2, PROCESS_DUE)
    world.clock.advance(LEASE + timedelta(seconds=1))  # pod B died holding booking 2: its lease ran out
    table[3] = LeaseItem("ptpu@pod-a:1", NOW, NOW + timedelta(hours=1))  # our own lost release
    world.store(record(1), record(2), record(3))

    summary = world.service.process_due()

    assert summary == CycleSummary(bookings=3, processed=3, done=3)
    assert sorted(mine.writes) == [1, 2, 3]


def test_a_retry_run_skips_a_booking_this_ticks_run_of_the_tier_already_did() -> None:
    world, table = World(), {}
    other = InMemoryBookingLeases(world.clock, "ptpu@pod-b:1", LEASE, table)
    tick = LeaseRun(RetryTier.SHORT, NOW, timedelta(minutes=5))
    assert other.try_lease(1, tick)
    other.release(1, tick)
    world.clock.advance(timedelta(seconds=30))
    mine = pod(world, "ptpu@pod-a:1", table)
    world.store(record(1, STATUS_CHANGE, age=timedelta(days=1), retry_count=1))

    summary = world.service.retry(RetryTier.SHORT)

    assert summary.leased_elsewhere == 1
    assert mine.writes == []


def test_the_look_ahead_reads_at_most_look_ahead_bookings_at_a_time_in_walking_order() -> None:
    world, table = World(), {}
    mine = pod(world, "ptpu@pod-a:1", table)
    world.store(*(record(booking) for booking in range(1, 251)))

    summary = world.service.process_due()

    assert summary.bookings == 250
    assert [len(read) for read in mine.reads] == [100, 100, 50]
    assert [b for read in mine.reads for b in read] == mine.writes  # each read ahead of those leases


def test_a_failed_read_is_logged_once_and_every_lease_is_tried_as_without_it(caplog) -> None:
    world, table = World(), {}
    other = InMemoryBookingLeases(world.clock, "ptpu@pod-b:1", LEASE, table)
    assert other.try_lease(2, PROCESS_DUE)
    mine = pod(world, "ptpu@pod-a:1", table, look_ahead=1)
    mine.read_failure = StoreFailure("DynamoDB reading the leases of 1 bookings failed: throttled")
    world.store(record(1), record(2), record(3))

    with caplog.at_level(logging.WARNING, logger="ptpu.synchronise"):
        summary = world.service.process_due()

    # Booking 2 is refused by its lease write, as before the look-ahead; the cycle carried on.
    assert summary == CycleSummary(bookings=2, processed=2, done=2, leased_elsewhere=1)
    assert mine.writes == [1, 2, 3]
    assert len(mine.reads) == 1  # no further reads this cycle
    warnings = [r for r in caplog.records if "read ahead" in r.getMessage()]
    assert len(warnings) == 1

    mine.read_failure = None
    world.store(record(4))
    world.service.process_due()  # the next cycle reads ahead again
    assert mine.reads[1:] == [[2], [4]]  # booking 2 is still held: read, skipped
    assert mine.writes[3:] == [4]


def test_the_deadline_still_defers_the_rest_of_a_read_ahead_window() -> None:
    world, table = World(), {}
    mine = pod(world, "ptpu@pod-a:1", table)
    world.store(*(record(booking) for booking in range(1, 6)))
    world.processor.on_process = lambda message: world.clock.advance(timedelta(minutes=1))

    summary = world.service.process_due(deadline=NOW + timedelta(seconds=90))

    assert summary == CycleSummary(bookings=2, processed=2, done=2, deferred=3)
    assert mine.writes == [1, 2]


def test_look_ahead_beyond_one_read_is_refused() -> None:
    with pytest.raises(ValueError, match="'look_ahead' must be <= 100: 101"):
        pod(World(), "ptpu@pod-a:1", {}, look_ahead=101)
    with pytest.raises(ValueError, match="'look_ahead' must be >= 1: 0"):
        pod(World(), "ptpu@pod-a:1", {}, look_ahead=0)


def test_a_refused_lease_shows_the_read_is_stale_so_the_rest_of_the_window_is_read_again() -> None:
    world, table = World(), {}
    other = InMemoryBookingLeases(world.clock, "ptpu@pod-b:1", LEASE, table)
    mine = pod(world, "ptpu@pod-a:1", table)
    world.store(record(1), record(2), record(3), record(4))

    def pod_b_takes_2_and_3(message) -> None:  # while this pod works booking 1, after its read
        if message.booking_id == 1:
            assert other.try_lease(2, PROCESS_DUE) and other.try_lease(3, PROCESS_DUE)

    world.processor.on_process = pod_b_takes_2_and_3

    summary = world.service.process_due()

    assert summary == CycleSummary(bookings=2, processed=2, done=2, leased_elsewhere=2)
    assert mine.writes == [1, 2, 4]  # one refused write (2), then 3 is read as held and skipped
    assert mine.reads == [[1, 2, 3, 4], [3, 4]]
