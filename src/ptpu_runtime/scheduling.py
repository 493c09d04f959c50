"""The scheduled jobs of SPEC §6 and §8. As the original (one Spring scheduler thread + ShedLock), one job at a
time, each under `scheduleLock` (shared by ptpu pods, keeping the existing service out)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from attrs import frozen

from ptpu_core.ports import Clock
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.outage_log import OutageLog
from ptpu_runtime.cron import SpringCronTrigger, StrictlyLater
from ptpu_runtime.scheduler_watch import IDLE_FLOOR, IDLE_TICKS, RUN_GRACE, SchedulerWatch, WatchLimits

# A retry tier run by several pods counts as one tick's run when their starts are this close, at most
# (ptpu_core.work.cycle.LeaseRun.same_run_within).
SAME_RUN_WINDOW_CAP = timedelta(minutes=5)

log = logging.getLogger(__name__)

LOCK_NAME = "scheduleLock"
LOCK_AT_MOST = timedelta(minutes=20)
PROCESS_JOB = "processMessages"
RETRY_JOBS = {RetryTier.SHORT: "retryShortTerm", RetryTier.MEDIUM: "retryMediumTerm", RetryTier.LONG: "retryLongTerm"}
SYSTEM_FAILURE_JOB = "retrySystemFailures"
QUIET_JOBS = (PROCESS_JOB, SYSTEM_FAILURE_JOB)  # their summaries at DEBUG: they run every second or minute
# A cycle starts no booking after this share of the lock's lease, so the one in hand ends before it expires.
DEADLINE_SHARE = 0.8
# A cron retry that fires while the one worker is busy still runs this late (seconds); later, that fire is skipped.
CRON_MISFIRE_GRACE = 300


@frozen
class ScheduleSettings:
    processing_enabled: bool
    processing_delay: timedelta
    crons: dict[RetryTier, str]
    lock_at_most: timedelta = LOCK_AT_MOST  # ShedLock's lockAtMostFor
    system_failure_delay: timedelta = timedelta(minutes=1)
    system_failure_limit: int = 200
    # The crons' zone; None: the machine's (TZ), as Spring's @Scheduled uses the JVM's default zone.
    timezone: tzinfo | None = None

    def watch_limits(self) -> WatchLimits:
        return WatchLimits(max(self.processing_delay * IDLE_TICKS, IDLE_FLOOR), self.lock_at_most + RUN_GRACE)


def same_run_window(settings: ScheduleSettings, now: datetime | None = None) -> timedelta:
    """How close two pods' starts of a retry tier count as one tick's run: half the shortest gap between two
    fires of any tier, at most SAME_RUN_WINDOW_CAP."""
    start = now or datetime.now()
    gaps = []
    for cron in settings.crons.values():
        trigger = SpringCronTrigger(cron, settings.timezone)
        first = trigger.get_next_fire_time(None, start.astimezone())
        second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1)) if first else None
        if first is not None and second is not None:
            gaps.append(second - first)
    return min([SAME_RUN_WINDOW_CAP] + [gap / 2 for gap in gaps])


class Lock(Protocol):
    """A cluster-wide named lock (ShedLock layout in DynamoDB; `ptpu_adapters.dynamodb.shedlock`)."""

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool: ...

    def release(self, name: str) -> None: ...


class SharedLock:
    """`scheduleLock` for every job of this process; a release lost to an outage is retried before the next job."""

    def __init__(self, lock: Lock, lock_at_most: timedelta, clock: Clock, outage_clock: Callable[[], float]) -> None:
        self.acquire_outage = OutageLog(log, f"Taking {LOCK_NAME}", clock=outage_clock)
        self.release_outage = OutageLog(log, f"Releasing {LOCK_NAME} (retried before the next run)", clock=outage_clock)
        self.lock = lock
        self._lock_at_most = lock_at_most
        self._clock = clock
        self.release_pending = False
        self.deadline: datetime | None = None

    def acquire(self, job: str) -> bool:
        if self.release_pending and not self.release(job):
            log.warning("%s skipped: %s from an earlier run is still not released", job, LOCK_NAME)
            return False
        asked_at = self._clock.now()  # read before asking, so the deadline errs early rather than late
        try:
            acquired = self.lock.try_acquire(LOCK_NAME, self._lock_at_most.total_seconds())
        except Exception as failure:
            log.debug("%s skipped: could not take %s", job, LOCK_NAME)
            self.acquire_outage.failure(failure, about=f"{job} skipped")
            return False
        self.acquire_outage.success()
        if not acquired:
            log.debug("%s skipped: %s is held elsewhere", job, LOCK_NAME)
            return False
        self.deadline = asked_at + self._lock_at_most * DEADLINE_SHARE
        return True

    def release(self, job: str) -> bool:
        try:
            self.lock.release(LOCK_NAME)
        except Exception as failure:
            self.release_outage.failure(failure, about=job)
            self.release_pending = True
            return False
        self.release_outage.success()
        self.release_pending = False
        return True


def _expected_notice_dropped(record: logging.LogRecord) -> bool:
    """Drops APScheduler's warning on each tick of a cycle longer than the delay, and its "tentatively added"."""
    message = record.getMessage()
    return "maximum number of running instances reached" not in message and "tentatively" not in message


class SynchronisationScheduler:
    """The five jobs on one APScheduler worker, each run under one SharedLock and bounded by the deadline of the
    lock it took; `apscheduler` is the BackgroundScheduler."""

    def __init__(
        self, service: SynchronisationService, lock: Lock, clock: Clock, settings: ScheduleSettings,
        watch: SchedulerWatch | None = None, outage_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = SharedLock(lock, settings.lock_at_most, clock, outage_clock)
        self.watch = watch or SchedulerWatch(settings.watch_limits())
        # Each job's work, given the deadline of the lock it took.
        self._work: dict[str, Callable[[datetime | None], object]] = {
            PROCESS_JOB: lambda deadline: service.process_due(deadline=deadline),
            SYSTEM_FAILURE_JOB: lambda deadline: service.retry_system_failures(
                limit=settings.system_failure_limit, deadline=deadline, only_after_failures=True),
        }
        for tier, name in RETRY_JOBS.items():
            self._work[name] = lambda deadline, tier=tier: service.retry(tier, deadline=deadline)  # type: ignore[misc]
        self._outages = {
            name: OutageLog(log, f"{name} (the next run tries again)", clock=outage_clock) for name in self._work}
        self._settings = settings
        # One worker: a cron retry that fires mid-cycle waits its turn instead of being skipped.
        self.apscheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)}, timezone=settings.timezone)
        self._triggers: dict[str, BaseTrigger] = {}
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if _expected_notice_dropped not in scheduler_log.filters:
            scheduler_log.addFilter(_expected_notice_dropped)

    def run(self, job: str) -> bool:
        """Runs `job` under the lock, never letting an exception out: True when its work ran (successfully or not),
        False when the lock was held elsewhere or could not be taken."""
        succeeded = False
        self.watch.started(job)
        try:
            if not self._lock.acquire(job):
                return False
            try:
                result = self._work[job](self._lock.deadline)
                self._outages[job].success()
                succeeded = True
                log.log(logging.DEBUG if job in QUIET_JOBS else logging.INFO, "%s finished: %s", job, result)
            except Exception as failure:
                self._outages[job].failure(failure)
            finally:
                self._lock.release(job)
            return True
        finally:
            self.watch.finished(job, succeeded)

    def start(self) -> None:
        if self._settings.processing_enabled:
            self._add_jobs()
        else:
            log.info("Message processing disabled: no scheduled jobs")
        self.apscheduler.start()
        self.watch.watching(list(self._triggers), self.next_fires)

    def next_fires(self) -> Mapping[str, datetime | None]:
        """Asked of the triggers, never of the scheduler (a stuck scheduler thread holds its lock)."""
        now = datetime.now(UTC)
        return {name: trigger.get_next_fire_time(None, now) for name, trigger in self._triggers.items()}

    def shutdown(self, wait: bool = True) -> None:
        """With wait, wait for the job in hand, then retry a release lost earlier (no job of ours runs)."""
        if self.apscheduler.running:
            self.apscheduler.shutdown(wait=wait)
        if wait and self._lock.release_pending:
            self._lock.release("shutdown")

    def _add_jobs(self) -> None:
        settings, zone = self._settings, self.apscheduler.timezone
        processing_delay = max(settings.processing_delay.total_seconds(), 0.001)
        system_failure_delay = settings.system_failure_delay.total_seconds()
        # Each job: its trigger and its misfire grace time (seconds; None: run however late, as a fixed delay is).
        schedule: dict[str, tuple[BaseTrigger, int | None]] = {
            PROCESS_JOB: (IntervalTrigger(seconds=processing_delay, timezone=zone), None),
            SYSTEM_FAILURE_JOB: (IntervalTrigger(seconds=system_failure_delay, timezone=zone), None),
        }
        for tier, name in RETRY_JOBS.items():
            schedule[name] = (SpringCronTrigger(settings.crons[tier], zone), CRON_MISFIRE_GRACE)
        for name, (trigger, misfire_grace_time) in schedule.items():
            self._triggers[name] = StrictlyLater(trigger, name)
            self.apscheduler.add_job(
                self.run, self._triggers[name], args=[name], id=name, name=name, max_instances=1, coalesce=True,
                misfire_grace_time=misfire_grace_time)
