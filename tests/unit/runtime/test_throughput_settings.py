"""The processing workers and booking lease settings, and the retry tiers' same-run window."""

from datetime import datetime, timedelta

import pytest
from required_settings import REQUIRED

from ptpu_core.errors import ConfigError
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_runtime.config import load_settings
from ptpu_runtime.scheduling import ScheduleSettings, same_run_window


def test_four_workers_and_a_ten_minute_booking_lease_by_default() -> None:
    settings = load_settings(REQUIRED)
    assert settings.processor_workers == 4
    assert settings.booking_lease == timedelta(minutes=10)


def test_workers_and_lease_are_read_from_the_environment() -> None:
    settings = load_settings(
        {**REQUIRED, "PRISONTOPROBATION_PROCESSOR_WORKERS": "8", "PRISONTOPROBATION_BOOKING_LEASE": "90s"}
    )
    assert settings.processor_workers == 8
    assert settings.booking_lease == timedelta(seconds=90)


@pytest.mark.parametrize("value", ["0", "-1", "four"])
def test_workers_must_be_a_positive_whole_number(value: str) -> None:
    with pytest.raises(ConfigError, match="PRISONTOPROBATION_PROCESSOR_WORKERS"):
        load_settings({**REQUIRED, "PRISONTOPROBATION_PROCESSOR_WORKERS": value})


def schedule(short: str, medium: str = "0 15 */4 * * *", long: str = "0 30 23 * * *") -> ScheduleSettings:
    return ScheduleSettings(True, timedelta(seconds=1), {RetryTier.SHORT: short, RetryTier.MEDIUM: medium,
                                                         RetryTier.LONG: long})


def test_the_same_run_window_is_five_minutes_for_the_default_hourly_and_slower_tiers() -> None:
    assert same_run_window(schedule("0 0 * * * *"), datetime(2021, 3, 4, 10, 20)) == timedelta(minutes=5)


def test_the_same_run_window_is_half_the_shortest_gap_between_fires() -> None:
    assert same_run_window(schedule("*/10 * * * * *"), datetime(2021, 3, 4, 10, 20)) == timedelta(seconds=5)
