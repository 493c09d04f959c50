"""A DynamoDB outage under the scheduler is one traceback, then a line a minute, then recovery."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ptpu_core.testing import FixedClock
from ptpu_runtime.scheduling import LOCK_NAME, PROCESS_JOB, ScheduleSettings, SynchronisationScheduler
from ptpu_runtime.testing import InMemoryLock

SCHEDULING = "ptpu_runtime.scheduling"


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FlakyLock:
    """The lock table: unreachable while `down`, otherwise an in-memory lock."""

    def __init__(self) -> None:
        self.down = True
        self._lock = InMemoryLock(FixedClock(datetime(2021, 3, 1, 12)))

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        if self.down:
            raise ConnectionError("Could not connect to the endpoint URL: http://dynamodb")
        return self._lock.try_acquire(name, lock_at_most_seconds)

    def release(self, name: str) -> None:
        self._lock.release(name)


class Processing:
    """The service: processMessages runs `work`."""

    def __init__(self, work: Callable[[], str]) -> None:
        self.work = work

    def process_due(self, *, deadline: datetime | None = None) -> str:
        return self.work()


def scheduler_for(work: Callable[[], str], lock, ticks: Ticks) -> SynchronisationScheduler:
    settings = ScheduleSettings(True, timedelta(seconds=1), {})
    clock = FixedClock(datetime(2021, 3, 1, 12))
    return SynchronisationScheduler(Processing(work), lock, clock, settings, outage_clock=ticks)


def lines(caplog) -> list[tuple[str, bool]]:
    return [(r.getMessage().split(": ")[0], r.exc_info is not None) for r in caplog.records if r.name == SCHEDULING]


def test_the_lock_table_down_for_two_minutes_of_ticks_logs_four_lines(caplog):
    caplog.set_level(logging.INFO, logger=SCHEDULING)
    ticks = Ticks()
    lock = FlakyLock()
    scheduler = scheduler_for(lambda: "done", lock, ticks)
    for second in range(130):  # one tick a second, as PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY=1s
        ticks.now = float(second)
        assert scheduler.run(PROCESS_JOB) is False
    lock.down = False
    ticks.now = 130.0
    assert scheduler.run(PROCESS_JOB) is True
    assert lines(caplog) == [
        (f"Taking {LOCK_NAME} failed ({PROCESS_JOB} skipped)", True),  # not one per tick (130)
        (f"Taking {LOCK_NAME} still failing", False),
        (f"Taking {LOCK_NAME} still failing", False),
        (f"Taking {LOCK_NAME} recovered after 130 failures over 130s", False),
    ]


def test_work_failing_every_tick_logs_once_with_traceback_then_a_count_a_minute(caplog):
    caplog.set_level(logging.INFO, logger=SCHEDULING)
    ticks = Ticks()
    failing = True

    def work() -> str:
        if failing:
            raise ConnectionError("DynamoDB query failed: Could not connect to the endpoint URL")
        return "3 bookings"

    lock = InMemoryLock(FixedClock(datetime(2021, 3, 1, 12)))
    scheduler = scheduler_for(work, lock, ticks)
    for second in range(61):
        ticks.now = float(second)
        assert scheduler.run(PROCESS_JOB) is True
    failing = False
    assert scheduler.run(PROCESS_JOB) is True
    assert lines(caplog) == [
        (f"{PROCESS_JOB} (the next run tries again) failed", True),
        (f"{PROCESS_JOB} (the next run tries again) still failing", False),
        (f"{PROCESS_JOB} (the next run tries again) recovered after 61 failures over 60s", False),
    ]
