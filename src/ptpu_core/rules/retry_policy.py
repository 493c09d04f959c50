"""Retry tiers (SPEC §8) and the record's `deleteBy` (SPEC §5): TTL epoch seconds from the true instant (the
Kotlin service read London times as UTC, an hour late in summer; a deliberate difference)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from ptpu_core.models.service_time import instant, wall_clock
from ptpu_core.settings import RECORD_LIFETIME


class RetryTier(Enum):
    """Which unprocessed records each retry schedule picks up, by retry count (inclusive)."""

    SHORT = (1, 4)
    MEDIUM = (5, 10)
    LONG = (11, None)

    @property
    def min_retries(self) -> int:
        return int(self.value[0])

    @property
    def max_retries(self) -> int | None:
        return None if self.value[1] is None else int(self.value[1])

    def covers(self, retry_count: int) -> bool:
        top = self.max_retries
        return self.min_retries <= retry_count and (top is None or retry_count <= top)


def tier_for(retry_count: int) -> RetryTier | None:
    """The tier that retries a record tried `retry_count` times; None for a record never tried."""
    return next((tier for tier in RetryTier if tier.covers(retry_count)), None)


def epoch_seconds(moment: datetime) -> int:
    """Whole epoch seconds of `moment`; a naive date-time is London wall-clock time."""
    return int(instant(moment).timestamp())


def initial_delete_by(created: datetime) -> int:
    """deleteBy RECORD_LIFETIME after `created`: a new record's, or one marked processed (`Message.markAsProcessed`)."""
    return epoch_seconds(instant(created) + RECORD_LIFETIME)


def retry_delete_by(current_delete_by: int, retry_until: date | None, now: datetime) -> int:
    """`retry_until` at `now`'s London time of day, or unchanged without one (the Kotlin `Message.retry`)."""
    if retry_until is None:
        return current_delete_by
    return epoch_seconds(datetime.combine(retry_until, wall_clock(now).time()))
