"""A lock release lost to a store outage is retried before the job's next run: a lost release
would keep every instance, this one included, out of the jobs for lock_at_most."""

from __future__ import annotations

from datetime import datetime, timedelta

from ptpu_core.testing import FixedClock
from ptpu_runtime.config import load_settings
from ptpu_runtime.scheduling import PROCESS_JOB, ScheduleSettings, SynchronisationScheduler


class FlakyLock:
    """Holds by owner; `release` fails while `unreachable` is set."""

    def __init__(self) -> None:
        self.held = False
        self.unreachable = False
        self.releases = 0

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        if self.unreachable:
            raise ConnectionError("store down")
        if self.held:
            return False
        self.held = True
        return True

    def release(self, name: str) -> None:
        if self.unreachable:
            raise ConnectionError("store down")
        self.held = False
        self.releases += 1


def test_a_release_that_failed_is_retried_before_the_next_run_and_the_job_runs_again() -> None:
    lock, runs = FlakyLock(), []

    class Processing:
        def process_due(self, *, deadline: datetime | None = None) -> None:
            runs.append(1)
            lock.unreachable = len(runs) == 1  # the store goes away during the first run

    settings = ScheduleSettings(True, timedelta(seconds=1), {})
    scheduler = SynchronisationScheduler(Processing(), lock, FixedClock(datetime(2021, 3, 1, 12)), settings)
    assert scheduler.run(PROCESS_JOB) is True and lock.held  # release failed: still held by us
    assert scheduler.run(PROCESS_JOB) is False  # store still down: skipped, nothing run
    lock.unreachable = False
    assert scheduler.run(PROCESS_JOB) is True  # the pending release went through first, then the run
    assert runs == [1, 1] and not lock.held and lock.releases == 2


def test_lock_at_most_is_configurable_from_the_environment() -> None:
    env = {
        "OAUTH_ENDPOINT_URL": "http://auth", "OAUTH_CLIENT_ID": "id", "OAUTH_CLIENT_SECRET": "secret",
        "PRISON_ENDPOINT_URL": "http://prison", "COMMUNITY_ENDPOINT_URL": "http://community",
        "OFFENDER_SEARCH_ENDPOINT_URL": "http://search", "DYNAMODB_TABLENAME": "t",
        "DYNAMODB_SCHEDULE_TABLENAME": "s",
    }
    assert load_settings(env).lock_at_most == timedelta(minutes=20)
    assert load_settings({**env, "PRISONTOPROBATION_LOCK_AT_MOST": "8s"}).lock_at_most == timedelta(seconds=8)
