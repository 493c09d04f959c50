"""How long a record stays in the table (its `deleteBy`, the TTL) after each run processes it (SPEC §5, §6).

The rule is the existing service's (ministryofjustice/prison-to-probation-update):
- entity/Message.kt `markAsProcessed`: deleteBy = now + MAX_REPORTING_PERIOD_DAYS (30), called by both
  services/MessageAggregator.kt (initial processing) and services/MessageRetryService.kt (retry tiers);
  MessageRetryServiceTest "will mark message processed on success" pins it.
- `Message.retry(retryUntil, status)`: deleteBy moves to retryUntil only when one is given. The retry
  service passes the processor's `retryUntil` (MessageRetryServiceTest "will update deleteBy to new date
  if requested", "will keep deleteBy as 30 days by default when trying later"); the aggregator saves
  `retry(status = result.status)` with none, so initial processing never moves deleteBy.
"""

from datetime import date, datetime, timedelta

import pytest
from records import HOLD_BACK, MOVEMENT, NOW, STATUS_CHANGE, World, record

from ptpu_core.models.record import SynchroniseState
from ptpu_core.outcomes import try_later
from ptpu_core.rules.retry_policy import RetryTier, epoch_seconds, initial_delete_by
from ptpu_core.testing import InMemoryMessageRepository

THIRTY_DAYS_ON = epoch_seconds(NOW + timedelta(days=30))
SENTENCE_EXPIRY = NOW.date() + timedelta(days=58)


@pytest.fixture
def world() -> World:
    return World()


def _run(world: World, tier: RetryTier | None) -> None:
    if tier is None:
        world.service.process_due()
    else:
        world.service.retry(tier)


@pytest.mark.parametrize(
    ("tier", "retries"), [(None, 0), (RetryTier.SHORT, 1), (RetryTier.MEDIUM, 7), (RetryTier.LONG, 25)]
)
def test_a_record_done_is_kept_thirty_days_from_its_processing_whichever_run_did_it(
    world: World, tier: RetryTier | None, retries: int
) -> None:
    """A late success (created nearly 30 days ago, 12 hours of life left) must not be removed by TTL within
    hours: it stays in the reports for 30 days from now (Message.markAsProcessed)."""
    created = NOW - timedelta(days=29, hours=12)
    late = record(1, STATUS_CHANGE, created, retry_count=retries)
    assert late.delete_by == epoch_seconds(NOW + timedelta(hours=12))
    world.store(late)

    _run(world, tier)

    saved = world.stored(late)
    assert saved.processed_date == NOW
    assert saved.delete_by == THIRTY_DAYS_ON


def test_a_record_done_soon_after_creation_gets_a_later_delete_by_too(world: World) -> None:
    """Thirty days from the processing, not from the creation (the created date's 30 days end earlier)."""
    fresh = record(1, STATUS_CHANGE, NOW - HOLD_BACK - timedelta(hours=1))
    world.store(fresh)

    world.service.process_due()

    assert world.stored(fresh).delete_by == THIRTY_DAYS_ON > fresh.delete_by


def test_initial_processing_that_tries_later_leaves_delete_by_even_with_a_retry_until_date(world: World) -> None:
    """MessageAggregator saves `retry(status)`: no retryUntil, so a location or key-dates failure on the
    first try does not stretch the record's life to the sentence expiry (58 days here). That holds for
    every record the run processes, including a booking's older record it takes along."""
    due = record(1, STATUS_CHANGE, age=HOLD_BACK + timedelta(minutes=1))
    taken_along = record(1, MOVEMENT, age=timedelta(days=3), retry_count=2)
    world.store(due, taken_along)
    world.processor.default = try_later(SynchroniseState.LOCATION_NOT_UPDATED, SENTENCE_EXPIRY)

    world.service.process_due()

    assert world.processor.seen_ids() == [due.id, taken_along.id]
    for message in (due, taken_along):
        saved = world.stored(message)
        assert saved.retry_count == message.retry_count + 1
        assert saved.status is SynchroniseState.LOCATION_NOT_UPDATED
        assert saved.delete_by == message.delete_by


@pytest.mark.parametrize("tier", list(RetryTier))
def test_a_retry_tier_moves_delete_by_to_the_retry_until_date(world: World, tier: RetryTier) -> None:
    """MessageRetryService saves `retry(result.retryUntil, result.status)`: that date at the current time of day."""
    retried = record(1, STATUS_CHANGE, age=timedelta(days=4), retry_count=tier.min_retries)
    world.store(retried)
    world.processor.default = try_later(SynchroniseState.KEY_DATES_NOT_UPDATED, SENTENCE_EXPIRY)

    world.service.retry(tier)

    assert world.stored(retried).delete_by == epoch_seconds(datetime.combine(SENTENCE_EXPIRY, NOW.time()))


def test_a_retry_tier_without_a_retry_until_date_leaves_delete_by(world: World) -> None:
    retried = record(1, STATUS_CHANGE, age=timedelta(days=4), retry_count=1)
    world.store(retried)
    world.processor.default = try_later(SynchroniseState.NO_MATCH)

    world.service.retry(RetryTier.SHORT)

    assert world.stored(retried).delete_by == retried.delete_by


def test_a_never_tried_record_a_retry_takes_along_keeps_its_delete_by() -> None:
    """A retry also takes the booking's due records never tried (retry count 0, past the hold-back): in the
    existing service only the aggregator would try those, with no retryUntil, so their first try leaves
    deleteBy as it is whichever run makes it."""
    world = World(InMemoryMessageRepository())
    retried = record(1, STATUS_CHANGE, age=timedelta(days=4), retry_count=1)
    never_tried = record(1, MOVEMENT, age=HOLD_BACK + timedelta(minutes=5))
    world.store(retried, never_tried)
    world.processor.default = try_later(SynchroniseState.LOCATION_NOT_UPDATED, SENTENCE_EXPIRY)

    world.service.retry(RetryTier.SHORT)

    assert world.processor.seen_ids() == [retried.id, never_tried.id]
    assert world.stored(never_tried).delete_by == never_tried.delete_by == initial_delete_by(never_tried.created_date)
    assert world.stored(retried).delete_by == epoch_seconds(datetime.combine(SENTENCE_EXPIRY, NOW.time()))


def test_an_earlier_retry_until_date_shortens_a_retried_records_life(
    world: World,
) -> None:
    """Both directions of `Message.retry(retryUntil)`: an earlier date shortens the record's life."""
    retried = record(1, STATUS_CHANGE, age=timedelta(days=4), retry_count=3)
    world.store(retried)
    world.processor.default = try_later(SynchroniseState.LOCATION_NOT_UPDATED, date(2021, 3, 11))

    world.service.retry(RetryTier.SHORT)

    assert world.stored(retried).delete_by == epoch_seconds(datetime.combine(date(2021, 3, 11), NOW.time()))
    assert world.stored(retried).delete_by < retried.delete_by
