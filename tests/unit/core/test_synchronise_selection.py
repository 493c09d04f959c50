"""Which bookings a cycle takes on and which of their records it processes.

The due and tier selections come from an eventually consistent index, so a booking's consistent
read is checked again against the cycle's selector before anything is processed.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from records import HOLD_BACK, MOVEMENT, NOW, STATUS_CHANGE, World, record

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import try_later
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.testing import InMemoryMessageRepository


class LaggingIndex(InMemoryMessageRepository):
    """The due and tier selections answer from a snapshot taken by freeze(), like an index that has
    not caught up yet; reads by booking (consistent in the real store) see the current records."""

    def __init__(self) -> None:
        super().__init__()
        self._snapshot: list[Message] | None = None

    def freeze(self) -> None:
        self._snapshot = self.all()

    def _view(self) -> list[Message]:
        return self._snapshot if self._snapshot is not None else self.all()

    def unprocessed_created_before(self, created_before: datetime) -> Iterator[Message]:
        return iter(
            [m for m in self._view() if not m.is_processed and m.retry_count == 0 and m.created_date < created_before]
        )

    def unprocessed_with_retries(self, min_retries: int, max_retries: int | None) -> Iterator[Message]:
        top = max_retries if max_retries is not None else 2**31
        return iter([m for m in self._view() if not m.is_processed and min_retries <= m.retry_count <= top])


def test_a_due_record_just_tried_is_not_tried_again_from_a_lagging_index() -> None:
    world = World(LaggingIndex())
    message = record(1, STATUS_CHANGE)
    world.store(message)
    world.processor.default = try_later(SynchroniseState.NO_MATCH)
    world.repository.freeze()  # the index still shows the record untried after the first cycle

    first = world.service.process_due()
    second = world.service.process_due()

    assert world.processor.seen_ids() == [message.id]
    assert world.stored(message).retry_count == 1
    assert (first.bookings, second.bookings, second.stale) == (1, 0, 1)


def test_a_record_that_left_a_tier_is_not_retried_by_it_from_a_lagging_index() -> None:
    world = World(LaggingIndex())
    message = record(1, STATUS_CHANGE, age=timedelta(days=1), retry_count=4)
    world.store(message)
    world.processor.default = try_later(SynchroniseState.NO_MATCH)
    world.repository.freeze()  # the SHORT tier's index still shows retry count 4

    world.service.retry(RetryTier.SHORT)
    second = world.service.retry(RetryTier.SHORT)

    assert world.processor.seen_ids() == [message.id]
    assert world.stored(message).retry_count == 5
    assert (second.bookings, second.stale) == (0, 1)


def test_a_booking_still_selected_is_processed_with_all_its_records() -> None:
    world = World(LaggingIndex())
    due = record(1, STATUS_CHANGE)
    tried = record(1, MOVEMENT, age=timedelta(days=1), retry_count=2)
    world.store(due, tried)
    world.repository.freeze()

    summary = world.service.process_due()

    assert sorted(world.processor.seen_ids()) == sorted([due.id, tried.id])
    assert (summary.bookings, summary.stale) == (1, 0)


def test_the_hold_back_is_checked_again_against_the_consistent_read() -> None:
    """A record re-created under the same booking inside the hold-back is not a reason to sync early."""
    world = World(LaggingIndex())
    old = record(1, STATUS_CHANGE, created=NOW - HOLD_BACK - timedelta(minutes=1))
    world.store(old)
    world.repository.freeze()
    world.repository.delete(old)  # processed elsewhere and gone; only a fresh record remains
    fresh = record(1, STATUS_CHANGE, age=timedelta(minutes=1))
    world.store(fresh)

    summary = world.service.process_due()

    assert world.processor.seen == []
    assert summary.stale == 1


def test_a_retry_leaves_the_bookings_records_inside_the_hold_back_to_initial_processing() -> None:
    world = World()
    retried = record(1, STATUS_CHANGE, age=timedelta(days=2), retry_count=2)
    fresh_movement = record(1, MOVEMENT, age=timedelta(minutes=1))
    fresh_status = record(1, STATUS_CHANGE, age=timedelta(minutes=1))
    world.store(retried, fresh_movement, fresh_status)

    summary = world.service.retry(RetryTier.SHORT)

    assert world.processor.seen_ids() == [retried.id]  # the fresh status change does not replace it yet
    assert not world.stored(fresh_movement).is_processed and world.stored(fresh_movement).retry_count == 0
    assert not world.stored(fresh_status).is_processed
    assert summary.duplicates_deleted == 0
    world.clock.advance(HOLD_BACK)
    world.service.process_due()
    assert world.processor.seen_ids()[1:] == [fresh_status.id, fresh_movement.id]


def test_a_retry_still_aggregates_records_of_other_tiers_and_due_ones() -> None:
    world = World()
    retried = record(1, STATUS_CHANGE, age=timedelta(days=2), retry_count=2)
    newer_status_due = record(1, STATUS_CHANGE, age=HOLD_BACK + timedelta(minutes=1))
    movement_in_long_tier = record(1, MOVEMENT, age=timedelta(days=20), retry_count=15)
    world.store(retried, newer_status_due, movement_in_long_tier)

    summary = world.service.retry(RetryTier.SHORT)

    assert world.processor.seen_ids() == [newer_status_due.id, movement_in_long_tier.id]
    assert world.repository.get(retried.id) is None
    assert summary.duplicates_deleted == 1
