"""SPEC §10: ptpu_statusChange metrics, counted only for IMPRISONMENT_STATUS-CHANGED records."""

from datetime import date, timedelta

import pytest
from records import MOVEMENT, NOW, SENTENCE_DATES, STATUS_CHANGE, World, record

from ptpu_core.models.record import SynchroniseState
from ptpu_core.outcomes import done, try_later
from ptpu_core.rules.retry_policy import RetryTier, epoch_seconds

HOUR = 3600


@pytest.fixture
def world() -> World:
    return World()


def test_a_retry_with_time_left_counts_nowhere(world: World) -> None:
    """As in the existing service, the total is success + fail: a record still being retried is neither."""
    message = record(1, STATUS_CHANGE, retry_count=0)

    world.outcomes.apply(message, try_later(SynchroniseState.NO_MATCH))

    assert world.metrics.count("statusChange", "total") == 0
    assert world.metrics.count("statusChange", "fail") == 0


def test_a_final_failure_counts_in_the_total(world: World) -> None:
    message = record(1, STATUS_CHANGE, retry_count=3, delete_by=epoch_seconds(NOW) + HOUR)

    world.outcomes.apply(message, try_later(SynchroniseState.NO_MATCH))

    assert world.metrics.count("statusChange", "total") == 1
    assert world.metrics.count("statusChange", "fail") == 1


def test_a_completed_status_change_records_retries_and_days_before_success(world: World) -> None:
    message = record(1, STATUS_CHANGE, created=NOW - timedelta(days=2, hours=12), retry_count=6)

    world.outcomes.apply(message, done(SynchroniseState.COMPLETED, "X1"))

    assert world.metrics.count("statusChange", "success") == 1
    # Whole days plus one (a part day counts), as the existing service records them.
    assert world.metrics.successes == [(6, 3)]


def test_a_first_time_success_counts_in_total_and_success(world: World) -> None:
    message = record(1, STATUS_CHANGE, created=NOW - timedelta(hours=6))

    world.outcomes.apply(message, done(SynchroniseState.COMPLETED, "X1"))

    assert world.metrics.count("statusChange", "total") == 1
    assert world.metrics.successes == [(0, 1)]


@pytest.mark.parametrize(
    ("age", "days"),
    [(timedelta(0), 1), (timedelta(hours=36), 2), (timedelta(days=1), 2), (timedelta(days=3, seconds=-1), 3)],
)
def test_days_to_success_are_whole_days_plus_one(world: World, age: timedelta, days: int) -> None:
    world.outcomes.apply(record(1, STATUS_CHANGE, created=NOW - age), done(SynchroniseState.COMPLETED, "X1"))
    assert world.metrics.successes == [(0, days)]


def test_any_done_is_a_success_as_the_existing_dashboard_counts_it(world: World) -> None:
    message = record(1, STATUS_CHANGE, retry_count=2)

    world.outcomes.apply(message, done(SynchroniseState.NO_LONGER_VALID))

    assert world.metrics.count("statusChange", "success") == 1
    assert world.metrics.count("statusChange", "total") == 1
    assert world.metrics.count("statusChange", "fail") == 0
    assert [retries for retries, _ in world.metrics.successes] == [2]


@pytest.mark.parametrize(("hours_left", "fails"), [(23, True), (24, True), (25, False), (24 * 20, False)])
def test_a_retry_fails_only_within_24_hours_of_delete_by(world: World, hours_left: int, fails: bool) -> None:
    message = record(1, STATUS_CHANGE, retry_count=8, delete_by=epoch_seconds(NOW) + hours_left * HOUR)

    world.outcomes.apply(message, try_later(SynchroniseState.NO_MATCH))

    assert world.metrics.count("statusChange", "fail") == (1 if fails else 0)


def test_a_retry_until_date_that_keeps_the_record_alive_is_not_a_failure(world: World) -> None:
    message = record(1, STATUS_CHANGE, retry_count=8, delete_by=epoch_seconds(NOW) + HOUR)

    world.outcomes.apply(
        message, try_later(SynchroniseState.KEY_DATES_NOT_UPDATED, date(2021, 6, 1)), retry_run=True
    )

    assert world.metrics.count("statusChange", "fail") == 0


@pytest.mark.parametrize("event_type", [MOVEMENT, SENTENCE_DATES])
def test_other_event_types_never_count_as_status_changes(world: World, event_type: str) -> None:
    first = record(1, event_type, retry_count=0, delete_by=epoch_seconds(NOW) + HOUR)

    world.outcomes.apply(first, try_later(SynchroniseState.ERROR))
    world.outcomes.apply(record(1, event_type), done(SynchroniseState.COMPLETED))

    assert [key for key in world.metrics.counts if key[0] == "statusChange"] == []
    assert world.metrics.successes == []


def test_a_cycle_counts_each_status_change_it_processes(world: World) -> None:
    world.store(record(1, STATUS_CHANGE), record(2, STATUS_CHANGE), record(2, MOVEMENT))
    world.processor.default = done(SynchroniseState.COMPLETED)

    world.service.process_due()

    assert world.metrics.count("statusChange", "total") == 2
    assert world.metrics.count("statusChange", "success") == 2


def test_a_final_failure_is_counted_once_though_the_booking_is_synced_again_within_the_day(world: World) -> None:
    """Only the record's own scheduled retry counts it; being aggregated into a new due
    event's booking in its last 24 hours tries it again without counting it again."""
    last_chance = record(1, STATUS_CHANGE, age=timedelta(days=29), retry_count=30, delete_by=epoch_seconds(NOW) + HOUR)
    world.store(last_chance)
    world.processor.default = try_later(SynchroniseState.NO_MATCH)

    world.service.retry(RetryTier.LONG)
    world.store(record(1, MOVEMENT, age=timedelta(hours=2)))
    world.service.process_due()

    assert len(world.processor.seen) == 3  # the status change twice, the movement once
    assert world.metrics.count("statusChange", "fail") == 1
    assert world.metrics.count("statusChange", "total") == 1
