"""A cycle takes each booking's lease before touching it, skips bookings leased elsewhere,
reads the booking (and checks it is still selected) only under the lease, and always releases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from attrs import evolve
from records import BOOKING_NUMBER, HOLD_BACK, NOW, SENTENCE_DATES, STATUS_CHANGE, World, record

from ptpu_core.errors import UpstreamFailure
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, InMemoryMessageRepository, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.cycle import PROCESS_DUE, CycleSettings, LeaseRun


class ScriptedLeases:
    """Refuses the bookings in `held_elsewhere`; records every call; `on_lease` runs as a lease is taken."""

    def __init__(self, held_elsewhere: set[int] | None = None, lease: timedelta | None = None) -> None:
        self.lease = lease
        self.held_elsewhere = held_elsewhere or set()
        self.calls: list[tuple[str, int, LeaseRun]] = []
        self.on_lease = lambda booking_id: None

    def new_cycle(self) -> None:
        self.calls.append(("cycle", 0, PROCESS_DUE))

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        self.calls.append(("lease", booking_id, run))
        if booking_id in self.held_elsewhere:
            return False
        self.on_lease(booking_id)
        return True

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        return True

    def release(self, booking_id: int, run: LeaseRun) -> None:
        self.calls.append(("release", booking_id, run))

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int]:
        return ()  # no look-ahead: every booking's lease is asked for


def leased_world(leases: ScriptedLeases, window: timedelta = timedelta(0)) -> World:
    world = World()
    world.service = SynchronisationService(
        world.repository,
        fake_ports(world.clock, world.metrics, RecordingTelemetry()),
        DomainSettings(hold_back=HOLD_BACK),
        CycleSettings(leases=leases, retry_same_run_within=window),
        process=world.processor.process,
    )
    return world


def test_a_booking_leased_by_another_pod_is_skipped_and_counted() -> None:
    leases = ScriptedLeases(held_elsewhere={2})
    world = leased_world(leases)
    mine, theirs, also_mine = record(1), record(2), record(3)
    world.store(mine, theirs, also_mine)

    summary = world.service.process_due()

    assert summary == CycleSummary(bookings=2, processed=2, done=2, leased_elsewhere=1)
    assert sorted(world.processor.seen_ids()) == sorted([mine.id, also_mine.id])
    assert not world.stored(theirs).is_processed
    assert [(call, booking) for call, booking, _ in leases.calls if call == "release"] == [
        ("release", 1), ("release", 3)
    ]
    assert {run for _, _, run in leases.calls} == {PROCESS_DUE}
    assert leases.calls[0][0] == "cycle"  # told before the selection is read


def test_the_booking_is_read_only_under_its_lease_so_another_pods_work_is_seen() -> None:
    leases = ScriptedLeases()
    world = leased_world(leases)
    due = record(1)
    world.store(due)
    # Another pod processed the record between this pod's selection and its lease.
    leases.on_lease = lambda booking_id: world.repository.update(evolve(due, processed_date=NOW))

    summary = world.service.process_due()

    assert summary == CycleSummary(stale=1)
    assert world.processor.seen == []
    assert [call for call, _, _ in leases.calls] == ["cycle", "lease", "release"]


def test_the_lease_is_released_when_processing_fails() -> None:
    leases = ScriptedLeases()
    world = leased_world(leases)
    failing = record(1, SENTENCE_DATES)
    world.store(failing)
    world.processor.script[failing.id] = UpstreamFailure("prison-api", "down", 503)

    summary = world.service.process_due()

    assert summary.errors == 1
    assert [call for call, _, _ in leases.calls] == ["cycle", "lease", "release"]


def test_a_pass_starts_no_record_once_half_its_lease_is_spent_and_leaves_the_rest_for_later() -> None:
    leases = ScriptedLeases(lease=timedelta(minutes=10))
    world = leased_world(leases)
    first, second, third = (record(1, t, age=timedelta(hours=h)) for t, h in
                            ((STATUS_CHANGE, 3), (SENTENCE_DATES, 2), (BOOKING_NUMBER, 1)))
    world.store(first, second, third)
    world.processor.on_process = lambda message: world.clock.advance(timedelta(minutes=6))  # a slow record

    summary = world.service.process_due()

    assert summary == CycleSummary(bookings=1, processed=1, done=1, cut_short=1)
    assert len(world.processor.seen) == 1
    assert sum(1 for m in (first, second, third) if world.stored(m).is_processed) == 1
    assert [call for call, _, _ in leases.calls] == ["cycle", "lease", "release"]


def test_a_retry_run_names_its_tier_start_and_same_run_window() -> None:
    leases = ScriptedLeases()
    world = leased_world(leases, window=timedelta(minutes=5))
    world.store(record(1, STATUS_CHANGE, age=timedelta(days=1), retry_count=1))

    world.service.retry(RetryTier.SHORT)

    expected = LeaseRun(RetryTier.SHORT, NOW, timedelta(minutes=5))
    assert [(call, run) for call, _, run in leases.calls if call != "cycle"] == [
        ("lease", expected), ("release", expected)
    ]


def test_without_leases_every_booking_is_ours() -> None:
    repository = InMemoryMessageRepository()
    world = World(repository)
    world.store(record(1), record(2))
    service = SynchronisationService(
        repository,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(hold_back=HOLD_BACK),
        process=world.processor.process,
    )

    assert service.process_due() == CycleSummary(bookings=2, processed=2, done=2)
