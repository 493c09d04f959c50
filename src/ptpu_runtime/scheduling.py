"""The scheduled jobs of SPEC §6 and §8. As the original (one Spring scheduler thread + ShedLock), one job at a
time, each under `scheduleLock` (shared by ptpu pods, keeping the existing service out)."""

from __future__ import annotations

import logging
import threading
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
    start = (now or datetime.now()).astimezone()
    windows = [SAME_RUN_WINDOW_CAP]
    for cron in settings.crons.values():
        trigger = SpringCronTrigger(cron, settings.timezone)
        first = trigger.get_next_fire_time(None, start)
        second = trigger.get_next_fire_time(first, first) if first else None  # strictly after its previous fire
        if first is not None and second is not None:
            windows.append((second - first) / 2)
    return min(windows)


class Lock(Protocol):
    """A cluster-wide named lock (ShedLock layout in DynamoDB; `ptpu_adapters.dynamodb.shedlock`)."""

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool: ...

    def release(self, name: str) -> None: ...


def _expected_notice_dropped(record: logging.LogRecord) -> bool:
    """Drops APScheduler's warning on each tick of a cycle longer than the delay, and its "tentatively added"."""
    message = record.getMessage()
    return "maximum number of running instances reached" not in message and "tentatively" not in message


class SynchronisationScheduler:
    """The five jobs on one APScheduler worker (`apscheduler`). Every run holds `scheduleLock` (a release lost to an
    outage is retried before the next run) and its cycle starts no booking after the deadline of the lock it took."""

    def __init__(
        self, service: SynchronisationService, lock: Lock, clock: Clock, settings: ScheduleSettings,
        watch: SchedulerWatch | None = None, outage_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = lock
        self.watch = watch or SchedulerWatch(settings.watch_limits(), processing_enabled=settings.processing_enabled)
        self._clock = clock
        self._settings = settings
        self._release_pending = False
        self._paused = threading.Event()
        self._taking = OutageLog(log, f"Taking {LOCK_NAME}", clock=outage_clock)
        self._releasing = OutageLog(log, f"Releasing {LOCK_NAME} (retried before the next run)", clock=outage_clock)
        # Each job's work, given the deadline of the lock it took.
        self._work: dict[str, Callable[[datetime], object]] = {
            PROCESS_JOB: lambda deadline: service.process_due(deadline=deadline),
            SYSTEM_FAILURE_JOB: lambda deadline: service.retry_system_failures(
                limit=settings.system_failure_limit, deadline=deadline, only_after_failures=True),
        }
        for tier, name in RETRY_JOBS.items():
            self._work[name] = lambda deadline, tier=tier: service.retry(tier, deadline=deadline)  # type: ignore[misc]
        self._outages = {
            name: OutageLog(log, f"{name} (the next run tries again)", clock=outage_clock) for name in self._work}
        # One worker: a cron retry that fires mid-cycle waits its turn instead of being skipped.
        self.apscheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)}, timezone=settings.timezone)
        self._triggers: dict[str, BaseTrigger] = {}
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if _expected_notice_dropped not in scheduler_log.filters:
            scheduler_log.addFilter(_expected_notice_dropped)

    def run(self, job: str) -> bool:
        """Runs `job` under the lock, never letting an exception out: True when its work ran (successfully or not),
        False when paused (even if it fired before) or the lock was held elsewhere or could not be taken."""
        if self._paused.is_set():
            return False
        succeeded = False
        self.watch.started(job)
        try:
            deadline = self._acquire(job)
            if deadline is None:
                return False
            try:
                result = self._work[job](deadline)
                self._outages[job].success()
                succeeded = True
                log.log(logging.DEBUG if job in QUIET_JOBS else logging.INFO, "%s finished: %s", job, result)
            except Exception as failure:
                self._outages[job].failure(failure)
            finally:
                self._release(job)
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

    def pause(self) -> None:
        """For the service's stop, for good: no job starts from now on, even one queued (the one in hand runs on)."""
        self._paused.set()
        if self.apscheduler.running:
            self.apscheduler.pause()

    def shutdown(self, wait: bool = True) -> None:
        """With wait, wait for the job in hand, then retry a release lost earlier (no job of ours runs)."""
        if self.apscheduler.running:
            self.apscheduler.shutdown(wait=wait)
        if wait and self._release_pending:
            self._release("shutdown")

    def _acquire(self, job: str) -> datetime | None:
        """The deadline of the cycle under the lock taken for `job` (DEADLINE_SHARE of its lease); None: not taken."""
        if self._release_pending and not self._release(job):
            log.warning("%s skipped: %s from an earlier run is still not released", job, LOCK_NAME)
            return None
        asked_at = self._clock.now()  # read before asking, so the deadline errs early rather than late
        lock_at_most = self._settings.lock_at_most
        try:
            acquired = self._lock.try_acquire(LOCK_NAME, lock_at_most.total_seconds())
        except Exception as failure:
            log.debug("%s skipped: could not take %s", job, LOCK_NAME)
            self._taking.failure(failure, about=f"{job} skipped")
            return None
        self._taking.success()
        if not acquired:
            log.debug("%s skipped: %s is held elsewhere", job, LOCK_NAME)
            return None
        return asked_at + lock_at_most * DEADLINE_SHARE

    def _release(self, job: str) -> bool:
        try:
            self._lock.release(LOCK_NAME)
        except Exception as failure:
            self._releasing.failure(failure, about=job)
            self._release_pending = True
            return False
        self._releasing.success()
        self._release_pending = False
        return True

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
