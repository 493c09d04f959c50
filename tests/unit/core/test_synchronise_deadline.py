"""A cycle given a deadline (inside the lock's lease) starts no booking after it."""

import logging
from datetime import timedelta

import pytest
from records import MOVEMENT, NOW, STATUS_CHANGE, World, record

from ptpu_core.models.record import Message
from ptpu_core.rules.retry_policy import RetryTier

STEP = timedelta(minutes=6)


def slow_world(*messages: Message) -> World:
    world = World()
    world.store(*messages)
    world.processor.on_process = lambda m: world.clock.advance(STEP)  # each record takes STEP
    return world


def test_no_booking_is_started_once_the_deadline_has_passed(caplog: pytest.LogCaptureFixture) -> None:
    first = record(1, STATUS_CHANGE, age=timedelta(hours=4))
    first_movement = record(1, MOVEMENT, age=timedelta(hours=4))
    second = record(2, STATUS_CHANGE, age=timedelta(hours=3))
    third = record(3, STATUS_CHANGE, age=timedelta(hours=2))
    fourth = record(4, STATUS_CHANGE, age=timedelta(hours=2))
    world = slow_world(first, first_movement, second, third, fourth)

    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        summary = world.service.process_due(deadline=NOW + 2 * STEP)

    # Booking 1 runs past the deadline (its records are finished together); nothing starts after it.
    assert world.processor.seen_ids() == [first.id, first_movement.id]
    assert (summary.bookings, summary.deferred) == (1, 3)
    assert not any(world.stored(m).is_processed for m in (second, third, fourth))
    assert any("3 bookings" in r.getMessage() and "next cycle" in r.getMessage() for r in caplog.records)


def test_bookings_start_until_the_deadline() -> None:
    messages = [record(booking, STATUS_CHANGE, age=timedelta(hours=1 + booking)) for booking in (4, 3, 2, 1)]
    world = slow_world(*messages)

    summary = world.service.process_due(deadline=NOW + 2 * STEP)

    assert world.processor.seen_ids() == [messages[0].id, messages[1].id]  # started at NOW and NOW + STEP
    assert (summary.bookings, summary.deferred) == (2, 2)


def test_a_retry_honours_the_deadline_too() -> None:
    messages = [record(b, STATUS_CHANGE, age=timedelta(days=1, hours=b), retry_count=2) for b in (3, 2, 1)]
    world = slow_world(*messages)

    summary = world.service.retry(RetryTier.SHORT, deadline=NOW + STEP)

    assert world.processor.seen_ids() == [messages[0].id]
    assert (summary.bookings, summary.deferred) == (1, 2)


def test_without_a_deadline_every_booking_is_processed() -> None:
    messages = [record(b, STATUS_CHANGE, age=timedelta(hours=1 + b)) for b in (3, 2, 1)]
    world = slow_world(*messages)

    summary = world.service.process_due()

    assert len(world.processor.seen) == 3
    assert (summary.bookings, summary.deferred) == (3, 0)


def test_a_stop_asked_during_a_cycle_lets_the_booking_in_hand_finish_and_starts_no_other(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = record(1, STATUS_CHANGE, age=timedelta(hours=4))
    first_movement = record(1, MOVEMENT, age=timedelta(hours=4))
    rest = [record(b, STATUS_CHANGE, age=timedelta(hours=3)) for b in (2, 3)]
    world = slow_world(first, first_movement, *rest)
    world.processor.on_process = lambda m: world.service.stop()  # SIGTERM while booking 1 is in hand

    with caplog.at_level(logging.INFO, logger="ptpu.synchronise"):
        summary = world.service.process_due()  # no deadline: only the stop ends it

    assert world.processor.seen_ids() == [first.id, first_movement.id]  # the booking in hand finished
    assert world.stored(first).is_processed and world.stored(first_movement).is_processed
    assert (summary.bookings, summary.deferred) == (1, 1)  # the one pulled next; booking 3 is never read
    stops = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Stop requested")]
    assert stops == ["Stop requested: 1 bookings read ahead, and the unread rest of the selection, left for the next"
                     " cycle"]


def test_after_a_stop_a_retry_cycle_starts_no_booking() -> None:
    messages = [record(b, STATUS_CHANGE, age=timedelta(days=1, hours=b), retry_count=2) for b in (2, 1)]
    world = slow_world(*messages)
    world.service.stop()

    summary = world.service.retry(RetryTier.SHORT)

    assert world.processor.seen_ids() == []
    assert (summary.bookings, summary.deferred) == (0, 1)


def test_once_stopping_the_cycle_returns_without_reading_the_rest_of_the_selection() -> None:
    # The selection is lazy (DynamoDB query pages): reading all of it would keep scheduleLock while nothing starts.
    messages = [record(b, STATUS_CHANGE, age=timedelta(hours=10 - b)) for b in range(1, 7)]
    world = slow_world(*messages)
    world.processor.on_process = lambda m: world.service.stop()  # SIGTERM while booking 1 is in hand
    select = world.repository.unprocessed_created_before
    read: list[int] = []

    def bounded(cutoff):  # type: ignore[no-untyped-def]
        for message in select(cutoff):
            if world.service.stopping and len(read) >= 2:
                raise AssertionError("the selection was read past the booking after the stop")
            read.append(message.booking_id)
            yield message

    world.repository.unprocessed_created_before = bounded  # type: ignore[method-assign]
    assert not world.service.stopping

    summary = world.service.process_due()

    assert world.service.stopping
    assert (summary.bookings, summary.deferred) == (1, 1)
    assert read == [1, 2]
