"""A cycle syncs up to N bookings at once; one booking's records stay in order on one
worker; the deadline and a store failure keep their guarantees."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from ptpu_core.errors import StoreFailure
from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, InMemoryMessageRepository, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import CycleSummary, SynchronisationService
from ptpu_core.work.cycle import CycleSettings
from ptpu_runtime.workers import ThreadedRunner

NOW = datetime(2021, 3, 10, 12, 0, 0)
HOLD_BACK = timedelta(minutes=60)
BOOKINGS = 20
WORKERS = 4
TYPES = [e.value for e in EventType][:4]


def record(booking_id: int, event_type: str, created: datetime) -> Message:
    return Message(
        id=f"{booking_id}-{event_type}", booking_id=booking_id, event_type=event_type,
        message=f'{{"bookingId": {booking_id}}}', created_date=created, delete_by=initial_delete_by(created),
        status=SynchroniseState.VALIDATED, reportable=True,
    )


class ConcurrentProcessor:
    """Notes which thread handled each record, in order; the first record of every booking waits until
    WORKERS bookings are in hand at once (a barrier: fewer concurrent bookings would time it out)."""

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.barrier = barrier
        self.mutex = threading.Lock()
        self.handled: dict[int, list[tuple[str, str]]] = defaultdict(list)
        self.on_process = lambda message: None

    def process(self, message: Message, work: object) -> Outcome:
        with self.mutex:
            first = message.booking_id not in self.handled
            self.handled[message.booking_id].append((threading.current_thread().name, message.event_type))
        if first and self.barrier is not None:
            self.barrier.wait(timeout=20)
        self.on_process(message)
        time.sleep(0.001)
        return done(SynchroniseState.COMPLETED)


def stocked(repository: InMemoryMessageRepository) -> None:
    for booking in range(1, BOOKINGS + 1):
        for n, event_type in enumerate(TYPES):
            repository.add(record(booking, event_type, created=NOW - timedelta(hours=3, minutes=n)))


def service(repository: InMemoryMessageRepository, processor: ConcurrentProcessor, clock: FixedClock,
            workers: int) -> SynchronisationService:
    return SynchronisationService(
        repository,
        fake_ports(clock, RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(hold_back=HOLD_BACK),
        CycleSettings(runner=ThreadedRunner(workers)),
        process=processor.process,
    )


def test_workers_sync_bookings_at_once_each_bookings_records_in_order_on_one_thread() -> None:
    serial_repository, repository = InMemoryMessageRepository(), InMemoryMessageRepository()
    stocked(serial_repository)
    stocked(repository)
    serial = ConcurrentProcessor()
    service(serial_repository, serial, FixedClock(NOW), workers=1).process_due()
    concurrent = ConcurrentProcessor(threading.Barrier(WORKERS))

    summary = service(repository, concurrent, FixedClock(NOW), workers=WORKERS).process_due()

    assert summary == CycleSummary(bookings=BOOKINGS, processed=BOOKINGS * 4, done=BOOKINGS * 4)
    for booking, handled in concurrent.handled.items():
        assert len({thread for thread, _ in handled}) == 1, f"booking {booking} moved between workers"
        # Same order as one worker: aggregation's priority order within the booking.
        assert [t for _, t in handled] == [t for _, t in serial.handled[booking]]
    assert len({t for handled in concurrent.handled.values() for t, _ in handled}) == WORKERS
    end_state = lambda repo: sorted((m.id, m.status, m.processed_date) for m in repo.all())  # noqa: E731
    assert end_state(repository) == end_state(serial_repository)


def test_no_booking_starts_after_the_deadline_and_the_rest_are_deferred() -> None:
    repository = InMemoryMessageRepository()
    stocked(repository)
    clock = FixedClock(NOW)
    processor = ConcurrentProcessor()
    processor.on_process = lambda message: clock.set(NOW + timedelta(minutes=5))  # the first record ends it

    summary = service(repository, processor, clock, workers=WORKERS).process_due(deadline=NOW + timedelta(minutes=1))

    assert 1 <= summary.bookings <= WORKERS  # those already in hand finish
    assert summary.bookings + summary.deferred == BOOKINGS
    started = set(processor.handled)
    assert all(len(processor.handled[b]) == 4 for b in started), "a booking in hand was left half-done"
    untouched = [m for m in repository.all() if m.booking_id not in started]
    assert len(untouched) == (BOOKINGS - len(started)) * 4 and not any(m.is_processed for m in untouched)


class FailingRepository(InMemoryMessageRepository):
    def __init__(self, failing_booking: int) -> None:
        super().__init__()
        self.failing_booking = failing_booking

    def update(self, message: Message) -> None:
        if message.booking_id == self.failing_booking:
            raise StoreFailure("DynamoDB UpdateItem failed (injected)")
        super().update(message)


def test_a_store_failure_stops_the_cycle_after_the_bookings_in_hand() -> None:
    repository = FailingRepository(failing_booking=1)
    stocked(repository)
    processor = ConcurrentProcessor()

    with pytest.raises(StoreFailure):
        service(repository, processor, FixedClock(NOW), workers=WORKERS).process_due()

    assert len(processor.handled) <= WORKERS + 1  # no booking pulled after the failure was seen
    assert len(processor.handled) < BOOKINGS
    assert not any(m.is_processed for m in repository.all() if m.booking_id == 1)


def test_the_runner_never_has_more_tasks_in_hand_than_workers() -> None:
    runner = ThreadedRunner(3)
    mutex = threading.Lock()
    in_hand = [0, 0]  # now, most

    def task() -> int:
        with mutex:
            in_hand[0] += 1
            in_hand[1] = max(in_hand[1], in_hand[0])
        time.sleep(0.01)
        with mutex:
            in_hand[0] -= 1
        return 1

    assert sum(runner.run_all(task for _ in range(30))) == 30
    assert in_hand[1] <= 3
    runner.close()


def test_the_first_failure_is_raised_after_the_tasks_in_hand_and_no_task_is_pulled_after_it() -> None:
    runner = ThreadedRunner(2)
    pulled: list[int] = []
    finished: list[int] = []

    def task(n: int):
        def run() -> int:
            if n == 0:
                raise ValueError("task 0 failed")
            time.sleep(0.05)
            finished.append(n)
            return n
        return run

    def tasks():
        for n in range(10):
            pulled.append(n)
            yield task(n)

    with pytest.raises(ValueError, match="task 0 failed"):
        runner.run_all(tasks())
    assert pulled == [0, 1]  # the failure was seen when the two workers were full
    assert finished == [1]  # the task in hand finished before the failure was raised
    runner.close()


def test_a_failed_pull_waits_for_the_tasks_in_hand() -> None:
    runner = ThreadedRunner(4)
    finished: list[int] = []

    def slow() -> int:
        time.sleep(0.05)
        finished.append(1)
        return 1

    def tasks():
        yield slow
        raise StoreFailure("the selection's next page could not be read")

    with pytest.raises(StoreFailure):
        runner.run_all(tasks())
    assert finished == [1]
    runner.close()
