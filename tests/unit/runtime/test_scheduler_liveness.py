"""The real APScheduler BackgroundScheduler: a hung job makes /health/liveness fail; a repeated hour no
longer freezes it; start-up names each job.

The repeated-hour case reproduces agronholm/apscheduler #1021 as this service met it: in the hour the
clocks go back, the cron trigger handed back a fire time that was not after the previous one and the
scheduler thread collected run times for ever, every job stopped, while the pod looked healthy.
"""

import logging
import threading
import time
from datetime import UTC, datetime, timedelta, tzinfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.testing import FixedClock
from ptpu_runtime.api.health import health_router
from ptpu_runtime.scheduler_watch import PROCESSING_OFF, SchedulerWatch, WatchLimits
from ptpu_runtime.scheduling import (
    PROCESS_JOB,
    RETRY_JOBS,
    SYSTEM_FAILURE_JOB,
    ScheduleSettings,
    SynchronisationScheduler,
)
from ptpu_runtime.testing import InMemoryLock

pytestmark = pytest.mark.timeout(60)
NEVER = "0 0 0 1 1 *"  # midnight on 1 January: not during these tests


class FallBack(tzinfo):
    """A zone whose clocks go back by `by` at the instant `at`: wall-clock times in [at, at + by), read in
    UTC, occur twice (fold 0 before `at`, fold 1 after), as 01:00-02:00 does in Europe/London in October."""

    def __init__(self, at: datetime, by: timedelta) -> None:
        self.at, self.by = at.astimezone(UTC).replace(tzinfo=None), by

    def utcoffset(self, dt):
        wall = dt.replace(tzinfo=None, fold=0)
        if wall < self.at:
            return self.by
        if wall >= self.at + self.by:
            return timedelta(0)
        return timedelta(0) if dt.fold else self.by

    def dst(self, dt):
        return self.utcoffset(dt)

    def tzname(self, dt):
        return "FALLBACK"

    def fromutc(self, dt):
        utc = dt.replace(tzinfo=None)
        if utc < self.at:
            return (utc + self.by).replace(tzinfo=self)
        return utc.replace(tzinfo=self, fold=1 if utc < self.at + self.by else 0)


class Service:
    """Counts runs; processing can be made to hang until released."""

    def __init__(self) -> None:
        self.runs: dict[str, int] = {}
        self.hang = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def _count(self, what: str) -> None:
        with self._lock:
            self.runs[what] = self.runs.get(what, 0) + 1

    def process_due(self, *, deadline=None) -> None:
        self._count("process")
        if self.hang.is_set():
            self.release.wait(30)

    def retry(self, tier: RetryTier, *, deadline=None) -> None:
        self._count(tier.name)

    def count(self, what: str) -> int:
        with self._lock:
            return self.runs.get(what, 0)


def scheduler_for(
    service: Service, crons: dict, watch: SchedulerWatch | None = None, zone: tzinfo = UTC, processing: bool = True,
):
    clock = FixedClock(datetime(2021, 3, 1, 12))
    settings = ScheduleSettings(processing, timedelta(milliseconds=50), crons, timezone=zone)
    return SynchronisationScheduler(service, InMemoryLock(clock, owner="this-pod", table={}), clock, settings, watch)


def wait_until(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_hung_job_makes_liveness_fail_and_its_return_makes_it_pass():
    service = Service()
    watch = SchedulerWatch(WatchLimits(idle_limit=timedelta(seconds=1), run_limit=timedelta(seconds=1)))
    scheduler = scheduler_for(service, dict.fromkeys(RetryTier, NEVER), watch)
    app = FastAPI()
    app.include_router(health_router([watch], CollectorRegistry(), "1", watch, {}))
    client = TestClient(app)
    scheduler.start()
    try:
        assert wait_until(lambda: service.count("process") >= 2)
        assert client.get("/health/liveness").status_code == 200
        service.hang.set()  # processMessages never returns: the one worker is taken, nothing else runs
        assert wait_until(lambda: client.get("/health/liveness").status_code == 503)
        assert client.get("/health/liveness").json() == {"status": "DOWN"}
        health = client.get("/health").json()
        assert health["components"]["scheduler"]["status"] == "DOWN"
        assert "processMessages has been running for" in health["components"]["scheduler"]["details"]["state"]
        service.release.set()
        assert wait_until(lambda: client.get("/health/liveness").status_code == 200)
    finally:
        service.release.set()
        scheduler.shutdown(wait=True)


def test_a_repeated_hour_no_longer_stops_the_scheduler():
    # Clocks go back 10 s, 2 s from now; a retry cron firing every second meets both passes of those 10 s.
    service = Service()
    change = datetime.now(UTC) + timedelta(seconds=2)
    crons = {RetryTier.SHORT: "* * * * * *", RetryTier.MEDIUM: NEVER, RetryTier.LONG: NEVER}
    scheduler = scheduler_for(service, crons, zone=FallBack(change, timedelta(seconds=10)))
    scheduler.start()
    try:
        # Before the fix the scheduler thread stopped at the change: no job ran again.
        assert wait_until(lambda: datetime.now(UTC) > change + timedelta(seconds=4))
        processed, retried = service.count("process"), service.count("SHORT")
        assert wait_until(lambda: service.count("process") > processed + 5 and service.count("SHORT") > retried)
        assert scheduler.watch.alive()[0]
    finally:
        scheduler.shutdown(wait=False)


def test_start_up_names_each_job_once(caplog):
    service = Service()
    scheduler = scheduler_for(service, dict.fromkeys(RetryTier, NEVER))
    with caplog.at_level(logging.INFO, logger="apscheduler.scheduler"):
        scheduler.start()
        scheduler.shutdown(wait=True)
    lines = [record.getMessage() for record in caplog.records if record.name == "apscheduler.scheduler"]
    added = [line for line in lines if line.startswith("Added job")]
    expected = [PROCESS_JOB, SYSTEM_FAILURE_JOB, *RETRY_JOBS.values()]
    assert added == [f'Added job "{name}" to job store "default"' for name in expected]
    assert not [line for line in lines if "tentatively" in line or "LockedJob" in line]


def test_processing_switched_off_runs_nothing_and_the_scheduler_component_says_so():
    service = Service()
    scheduler = scheduler_for(service, dict.fromkeys(RetryTier, "* * * * * *"), processing=False)
    scheduler.start()
    try:
        time.sleep(1.2)  # a second's ticks: every job would have run at least once
        assert service.runs == {}
        assert scheduler.watch.check() == {"status": "UP", "details": {"state": PROCESSING_OFF, "jobs": {}}}
    finally:
        scheduler.shutdown(wait=True)
