from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptpu_core.rules.retry_policy import (
    RetryTier,
    epoch_seconds,
    initial_delete_by,
    retry_delete_by,
    tier_for,
)

DAY = 86_400


@pytest.mark.parametrize(
    ("retry_count", "tier"),
    [(0, None), (1, RetryTier.SHORT), (4, RetryTier.SHORT), (5, RetryTier.MEDIUM), (10, RetryTier.MEDIUM),
     (11, RetryTier.LONG), (500, RetryTier.LONG)],
)
def test_tier_boundaries(retry_count: int, tier: RetryTier | None) -> None:
    assert tier_for(retry_count) is tier


def test_tier_bounds_are_the_spec_ranges() -> None:
    assert [(t.min_retries, t.max_retries) for t in RetryTier] == [(1, 4), (5, 10), (11, None)]


@given(st.integers(min_value=1, max_value=10_000))
def test_every_tried_record_is_in_exactly_one_tier(retry_count: int) -> None:
    covering = [tier for tier in RetryTier if tier.covers(retry_count)]

    assert covering == [tier_for(retry_count)]


def test_a_record_never_tried_is_in_no_tier() -> None:
    assert not any(tier.covers(0) for tier in RetryTier)


def test_naive_date_times_are_read_as_utc() -> None:
    naive = datetime(2021, 3, 10, 12, 0, 0)

    assert epoch_seconds(naive) == int(naive.replace(tzinfo=UTC).timestamp()) == 1615377600


def test_created_records_live_thirty_days() -> None:
    moment = datetime(2021, 3, 10, 12, 0, 0)

    assert initial_delete_by(moment) == epoch_seconds(moment) + 30 * DAY


NOW = datetime(2021, 4, 9, 15, 30, 0)


def test_a_retry_until_date_sets_delete_by_to_that_date_at_the_time_of_day() -> None:
    """As the existing service's Message.retry: retryUntil at the current local time, read as UTC."""
    current = epoch_seconds(datetime(2021, 4, 9, 12, 0, 0))

    assert retry_delete_by(current, date(2022, 1, 31), NOW) == epoch_seconds(datetime(2022, 1, 31, 15, 30, 0))


def test_an_earlier_retry_until_date_shortens_delete_by_and_none_leaves_it() -> None:
    current = epoch_seconds(datetime(2021, 4, 9, 12, 0, 0))

    assert retry_delete_by(current, date(2021, 3, 1), NOW) == epoch_seconds(datetime(2021, 3, 1, 15, 30, 0))
    assert retry_delete_by(current, None, NOW) == current
