"""SPEC §6 and §8: cycles, aggregation per booking and outcome handling, with a scripted processor."""

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from records import (
    BOOKING_NUMBER,
    HOLD_BACK,
    MOVEMENT,
    NOW,
    RELEASE_DATE,
    SENTENCE_DATES,
    STATUS_CHANGE,
    World,
    record,
)

from ptpu_core.errors import StoreFailure, UpstreamFailure
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import done, try_later
from ptpu_core.rules.retry_policy import RetryTier, epoch_seconds
from ptpu_core.testing import InMemoryMessageRepository
from ptpu_core.use_cases.synchronise import CycleSummary

DAY = 86_400


@pytest.fixture
def world() -> World:
    return World()


def test_only_records_older_than_the_hold_back_are_due(world: World) -> None:
    on_the_boundary = record(1, created=NOW - HOLD_BACK)
    just_older = record(2, created=NOW - HOLD_BACK - timedelta(seconds=1))
    world.store(on_the_boundary, just_older)

    summary = world.service.process_due()

    assert world.processor.seen_ids() == [just_older.id]
    assert summary == CycleSummary(bookings=1, processed=1, done=1)
    assert not world.stored(on_the_boundary).is_processed


def test_records_already_tried_are_left_to_the_retry_tiers(world: World) -> None:
    world.store(record(1, age=timedelta(days=2), retry_count=1))

    assert world.service.process_due() == CycleSummary()
    assert world.processor.seen == []


def test_a_due_booking_is_aggregated_with_all_its_unprocessed_records(world: World) -> None:
    old_dates = record(1, SENTENCE_DATES, age=timedelta(hours=3))
    newer_dates_in_hold_back = record(1, SENTENCE_DATES, age=timedelta(minutes=5))
    status_being_retried = record(1, STATUS_CHANGE, age=timedelta(days=3), retry_count=2)
    old_movement = record(1, MOVEMENT, age=timedelta(hours=4))
    movement = record(1, MOVEMENT, age=timedelta(hours=2))
    booking_number = record(1, BOOKING_NUMBER, age=timedelta(hours=2))
    release = record(1, RELEASE_DATE, age=timedelta(hours=2))
    other_booking = record(2, MOVEMENT, age=timedelta(minutes=5))
    world.store(
        booking_number, old_dates, release, newer_dates_in_hold_back, movement,
        status_being_retried, old_movement, other_booking,
    )

    summary = world.service.process_due()

    assert world.processor.seen_ids() == [
        status_being_retried.id, movement.id, newer_dates_in_hold_back.id, release.id, booking_number.id,
    ]
    assert world.repository.get(old_dates.id) is None
    assert world.repository.get(old_movement.id) is None
    assert not world.stored(other_booking).is_processed
    assert summary == CycleSummary(bookings=1, processed=5, done=5, duplicates_deleted=2)


def test_a_booking_with_several_due_records_is_synchronised_once(world: World) -> None:
    world.store(record(1, STATUS_CHANGE), record(1, MOVEMENT), record(1, BOOKING_NUMBER))

    summary = world.service.process_due()

    assert summary.bookings == 1
    assert len(world.processor.seen) == 3


def test_done_marks_the_record_processed_and_keeps_it_30_days_from_now(world: World) -> None:
    message = record(1, STATUS_CHANGE, age=timedelta(days=2), retry_count=3)
    world.store(message)

    world.outcomes.apply(message, done(SynchroniseState.COMPLETED, "X123456", "X654321"))

    saved = world.stored(message)
    assert saved.processed_date == NOW
    assert saved.status is SynchroniseState.COMPLETED
    assert saved.matching_crns == "X123456, X654321"  # joined as Kotlin's joinToString()
    # As the existing service's Message.markAsProcessed: now + MAX_REPORTING_PERIOD_DAYS (30).
    assert saved.delete_by == epoch_seconds(NOW + timedelta(days=30))
    assert saved.retry_count == 3


def test_try_later_bumps_the_retry_count_and_keeps_the_status(world: World) -> None:
    message = record(1, STATUS_CHANGE, retry_count=1)
    world.store(message)

    world.outcomes.apply(message, try_later(SynchroniseState.TOO_MANY_MATCHES, None, "X1", "X2"))

    saved = world.stored(message)
    assert saved.retry_count == 2
    assert saved.status is SynchroniseState.TOO_MANY_MATCHES
    assert saved.matching_crns == "X1, X2"
    assert saved.processed_date is None
    assert saved.delete_by == message.delete_by


def test_try_later_with_a_retry_until_date_sets_delete_by_to_that_date(world: World) -> None:
    """As the existing service's Message.retry(retryUntil), from a retry tier: that date, at the current
    time of day."""
    message = record(1, STATUS_CHANGE, retry_count=1)
    world.store(message)

    world.outcomes.apply(
        message, try_later(SynchroniseState.KEY_DATES_NOT_UPDATED, date(2022, 6, 30)), retry_run=True
    )

    assert world.stored(message).delete_by == epoch_seconds(datetime.combine(date(2022, 6, 30), NOW.time()))


def test_try_later_with_an_earlier_retry_until_date_sets_delete_by_to_it(world: World) -> None:
    message = record(1, STATUS_CHANGE, retry_count=1)
    world.store(message)

    world.outcomes.apply(message, try_later(SynchroniseState.LOCATION_NOT_UPDATED, NOW.date()), retry_run=True)

    assert world.stored(message).delete_by == epoch_seconds(NOW)


@pytest.mark.parametrize("later", [try_later(SynchroniseState.ERROR), done(SynchroniseState.COMPLETED)])
def test_an_outcome_without_crns_keeps_the_stored_candidates(world: World, later) -> None:
    """An ERROR retry (or any outcome naming no CRN) must not erase matchingCrns."""
    message = record(1, STATUS_CHANGE, retry_count=1)
    world.store(message)
    world.outcomes.apply(message, try_later(SynchroniseState.TOO_MANY_MATCHES, None, "X1", "X2"))

    world.outcomes.apply(world.stored(message), later)

    assert world.stored(message).matching_crns == "X1, X2"
    assert world.stored(message).status is later.status.state


def test_a_processor_exception_is_retried_as_error_and_the_cycle_goes_on(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    failing = record(1, STATUS_CHANGE)
    after_failing = record(1, MOVEMENT)
    other_booking = record(2, STATUS_CHANGE)
    world.store(failing, after_failing, other_booking)
    world.processor.script[failing.id] = UpstreamFailure("prison-api", "boom", 503)

    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        summary = world.service.process_due()

    saved = world.stored(failing)
    assert (saved.retry_count, saved.status, saved.processed_date) == (1, SynchroniseState.ERROR, None)
    assert world.stored(after_failing).is_processed
    assert world.stored(other_booking).is_processed
    assert summary == CycleSummary(bookings=2, processed=3, done=2, retried=1, errors=1)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "1" in errors[0].getMessage() and failing.id in errors[0].getMessage()


def test_one_log_line_per_outcome(world: World, caplog: pytest.LogCaptureFixture) -> None:
    messages = [record(1, STATUS_CHANGE), record(1, MOVEMENT), record(2, BOOKING_NUMBER)]
    world.store(*messages)

    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        world.service.process_due()

    for message in messages:
        lines = [r for r in caplog.records if message.id in r.getMessage()]
        assert len(lines) == 1
        assert "COMPLETED" in lines[0].getMessage()


class FailingUpdates(InMemoryMessageRepository):
    def update(self, message: Message) -> None:
        raise StoreFailure("table unavailable")


def test_a_store_failure_stops_the_cycle_and_loses_nothing() -> None:
    world = World(FailingUpdates())
    first, second = record(1, STATUS_CHANGE), record(2, STATUS_CHANGE)
    world.store(first, second)

    with pytest.raises(StoreFailure):
        world.service.process_due()

    assert len(world.processor.seen) == 1
    assert not world.stored(first).is_processed and world.stored(first).retry_count == 0
    assert not world.stored(second).is_processed


class StreamingRepository(InMemoryMessageRepository):
    """Records when each due record is handed out, to show bookings are processed as they stream."""

    def __init__(self, journal: list[str]) -> None:
        super().__init__()
        self.journal = journal

    def unprocessed_created_before(self, created_before: datetime) -> Iterator[Message]:
        for message in super().unprocessed_created_before(created_before):
            self.journal.append(f"yield {message.booking_id}")
            yield message


def test_due_bookings_are_processed_as_the_selection_streams() -> None:
    journal: list[str] = []
    world = World(StreamingRepository(journal))
    world.store(
        record(1, created=NOW - timedelta(hours=3)),
        record(2, created=NOW - timedelta(hours=2)),
        record(1, MOVEMENT, created=NOW - timedelta(hours=1, minutes=30)),
    )
    world.processor.on_process = lambda m: journal.append(f"process {m.booking_id}")

    world.service.process_due()

    assert journal == ["yield 1", "process 1", "process 1", "yield 2", "process 2", "yield 1"]


def _store_one_booking_per_retry_count(world: World, *counts: int) -> dict[int, Message]:
    by_count = {
        count: record(1000 + count, STATUS_CHANGE, age=timedelta(days=2), retry_count=count) for count in counts
    }
    world.store(*by_count.values())
    return by_count


@pytest.mark.parametrize(
    ("tier", "expected"),
    [(RetryTier.SHORT, [1, 4]), (RetryTier.MEDIUM, [5, 10]), (RetryTier.LONG, [11, 40])],
)
def test_a_retry_tier_processes_the_records_with_its_retry_counts(
    world: World, tier: RetryTier, expected: list[int]
) -> None:
    by_count = _store_one_booking_per_retry_count(world, 0, 1, 4, 5, 10, 11, 40)

    summary = world.service.retry(tier)

    assert sorted(world.processor.seen_ids()) == sorted(by_count[c].id for c in expected)
    assert summary.bookings == len(expected)
    assert all(world.stored(by_count[c]).is_processed for c in expected)


def test_a_retry_aggregates_the_bookings_newer_records_too(world: World) -> None:
    retried = record(1, STATUS_CHANGE, age=timedelta(days=2), retry_count=2)
    newer_status = record(1, STATUS_CHANGE, age=HOLD_BACK + timedelta(minutes=1))
    newer_movement = record(1, MOVEMENT, age=HOLD_BACK + timedelta(minutes=1))
    world.store(retried, newer_status, newer_movement)

    summary = world.service.retry(RetryTier.SHORT)

    assert world.processor.seen_ids() == [newer_status.id, newer_movement.id]
    assert world.repository.get(retried.id) is None
    assert summary == CycleSummary(bookings=1, processed=2, done=2, duplicates_deleted=1)


def test_a_record_tried_again_later_moves_up_the_tiers(world: World) -> None:
    message = record(1, STATUS_CHANGE, age=timedelta(days=2), retry_count=4)
    world.store(message)
    world.processor.default = try_later(SynchroniseState.NO_MATCH)

    world.service.retry(RetryTier.SHORT)
    world.service.retry(RetryTier.SHORT)

    assert len(world.processor.seen) == 1
    assert world.stored(message).retry_count == 5
    world.service.retry(RetryTier.MEDIUM)
    assert len(world.processor.seen) == 2
