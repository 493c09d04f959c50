import threading
import time
from datetime import UTC, datetime, timedelta

from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.testing import FixedClock
from ptpu_runtime.scheduling import (
    LOCK_NAME,
    PROCESS_JOB,
    RETRY_JOBS,
    SYSTEM_FAILURE_JOB,
    ScheduleSettings,
    SynchronisationScheduler,
)
from ptpu_runtime.testing import InMemoryLock

CRONS = {RetryTier.SHORT: "0 0 * * * *", RetryTier.MEDIUM: "0 15 */4 * * *", RetryTier.LONG: "0 30 23 * * *"}


class RecordingService:
    """Records what ran and when the lock it ran under expires (None: not held)."""

    def __init__(self, lock_table: dict, fail: bool = False) -> None:
        self.lock_table = lock_table
        self.fail = fail
        self.runs: list[str] = []
        self.deadlines: list[datetime | None] = []
        self.lock_until: list[datetime | None] = []
        self.ran = threading.Event()

    def _run(self, what: str) -> str:
        self.runs.append(what)
        self.lock_until.append(self.lock_table[LOCK_NAME][1] if LOCK_NAME in self.lock_table else None)
        self.ran.set()
        if self.fail:
            raise RuntimeError("boom")
        return what

    def process_due(self, *, deadline: datetime | None = None) -> str:
        self.deadlines.append(deadline)
        return self._run("process")

    def retry(self, tier: RetryTier, *, deadline: datetime | None = None) -> str:
        self.deadlines.append(deadline)
        return self._run(tier.name)

    def retry_system_failures(
        self, *, limit: int, deadline: datetime | None = None, only_after_failures: bool = False
    ) -> str:
        self.deadlines.append(deadline)
        return self._run(f"system-failures limit={limit} only_after_failures={only_after_failures}")


def make(fail: bool = False):
    clock = FixedClock(datetime(2021, 3, 1, 12))
    table: dict = {}
    service = RecordingService(table, fail)
    return clock, table, service, InMemoryLock(clock, owner="this-pod", table=table)


def scheduler_for(
    service: RecordingService, lock, clock: FixedClock, delay: timedelta = timedelta(seconds=1), **settings
) -> SynchronisationScheduler:
    settings = ScheduleSettings(True, delay, CRONS, **settings)
    return SynchronisationScheduler(service, lock, clock, settings)


def test_a_job_runs_under_the_lock_and_releases_it():
    clock, table, service, lock = make()
    assert scheduler_for(service, lock, clock).run(PROCESS_JOB) is True
    assert service.runs == ["process"]
    assert service.lock_until == [clock.now() + timedelta(minutes=20)]  # held for at most twenty minutes
    assert table[LOCK_NAME][1] <= clock.now()  # released: expires now
    assert InMemoryLock(clock, owner="other-pod", table=table).try_acquire(LOCK_NAME, 60)


def test_a_job_skips_while_another_pod_holds_the_lock():
    clock, table, service, lock = make()
    other_pod = InMemoryLock(clock, owner="other-pod", table=table)
    assert other_pod.try_acquire(LOCK_NAME, timedelta(minutes=20).total_seconds())
    scheduler = scheduler_for(service, lock, clock)
    assert scheduler.run(PROCESS_JOB) is False
    assert service.runs == []
    clock.advance(timedelta(minutes=21))  # the other pod's lock has expired
    assert scheduler.run(PROCESS_JOB) is True
    assert service.runs == ["process"]


def test_a_failing_job_is_contained_and_still_releases_the_lock():
    clock, table, service, lock = make(fail=True)
    scheduler = scheduler_for(service, lock, clock)
    assert scheduler.run(RETRY_JOBS[RetryTier.SHORT]) is True
    assert scheduler.run(RETRY_JOBS[RetryTier.SHORT]) is True  # the lock was released despite the failure
    assert service.runs == ["SHORT", "SHORT"]
    assert scheduler.watch.check()["details"]["jobs"]["retryShortTerm"]["lastSuccess"] is None


def test_a_lock_that_cannot_be_read_skips_the_run():
    class BrokenLock:
        def try_acquire(self, name, seconds):
            raise ConnectionError("dynamodb down")

        def release(self, name):
            raise AssertionError("never acquired, never released")

    clock, _, service, _ = make()
    assert scheduler_for(service, BrokenLock(), clock).run(PROCESS_JOB) is False
    assert service.runs == []


def test_each_retry_job_retries_its_own_tier():
    clock, _, service, lock = make()
    scheduler = scheduler_for(service, lock, clock)
    for name in RETRY_JOBS.values():
        scheduler.run(name)
    assert service.runs == ["SHORT", "MEDIUM", "LONG"]


def test_enabled_scheduler_has_five_jobs_and_runs_processing():
    clock, _, service, lock = make()
    scheduler = scheduler_for(service, lock, clock, delay=timedelta(milliseconds=20))
    scheduler.start()
    try:
        job_ids = [job.id for job in scheduler.apscheduler.get_jobs()]
        assert sorted(job_ids) == sorted([PROCESS_JOB, SYSTEM_FAILURE_JOB, *RETRY_JOBS.values()])
        assert service.ran.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)
    assert not scheduler.apscheduler.running
    assert "process" in service.runs
    assert None not in service.lock_until


def test_disabled_scheduler_schedules_nothing():
    clock, _, service, lock = make()
    settings = ScheduleSettings(False, timedelta(milliseconds=20), CRONS)
    scheduler = SynchronisationScheduler(service, lock, clock, settings)
    scheduler.start()
    try:
        assert scheduler.apscheduler.get_jobs() == []
    finally:
        scheduler.shutdown()
    assert service.runs == []


class ReleaseFailsOnceLock:
    """Holds by owner (like the DynamoDB lock, a holder cannot re-take it); the first release is lost."""

    def __init__(self) -> None:
        self.held = False
        self.lost_releases = 0

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        if self.held:
            return False
        self.held = True
        return True

    def release(self, name: str) -> None:
        if self.lost_releases == 0:
            self.lost_releases += 1
            raise ConnectionError("store down")
        self.held = False


def test_a_release_lost_by_one_job_is_retried_by_the_next_job_to_run():
    # The pending release is shared by the jobs: per job, processMessages would stay locked out (by us)
    # until lock_at_most after retryShortTerm lost its release.
    clock, table, service, _ = make()
    lock = ReleaseFailsOnceLock()
    scheduler = scheduler_for(service, lock, clock)
    assert scheduler.run(RETRY_JOBS[RetryTier.SHORT]) is True
    assert lock.held  # its release was lost
    assert scheduler.run(PROCESS_JOB) is True  # another job frees it first, then runs
    assert service.runs == ["SHORT", "process"]
    assert not lock.held


def test_a_release_still_pending_at_shutdown_is_retried_once_the_jobs_have_finished():
    # The stop-time release is left to the scheduler (only once no job runs).
    clock, _, service, _ = make()
    lock = ReleaseFailsOnceLock()
    scheduler = SynchronisationScheduler(service, lock, clock, ScheduleSettings(True, timedelta(hours=1), CRONS))
    scheduler.start()
    scheduler.run(PROCESS_JOB)  # its release is lost
    assert lock.held
    scheduler.shutdown(wait=True)
    assert not lock.held


def test_every_cycle_stops_starting_bookings_well_inside_the_lock_lease():
    # A cycle longer than lock_at_most would let another pod take the lock and process the same
    # bookings; each job hands the cycle a deadline of acquire time + 80% of lock_at_most.
    clock, _, service, lock = make()
    scheduler = scheduler_for(service, lock, clock, lock_at_most=timedelta(minutes=10))
    scheduler.run(PROCESS_JOB)
    clock.advance(timedelta(hours=1))
    scheduler.run(RETRY_JOBS[RetryTier.LONG])
    start = datetime(2021, 3, 1, 12, tzinfo=UTC)  # noon in London, GMT
    assert service.deadlines == [start + timedelta(minutes=8), start + timedelta(hours=1, minutes=8)]


def test_system_failures_are_retried_on_their_own_interval_only_after_one_was_saved():
    clock, _, service, lock = make()
    settings = ScheduleSettings(
        True, timedelta(hours=1), CRONS, system_failure_delay=timedelta(milliseconds=50), system_failure_limit=7
    )
    scheduler = SynchronisationScheduler(service, lock, clock, settings)
    scheduler.start()
    try:
        assert service.ran.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)
    assert "system-failures limit=7 only_after_failures=True" in service.runs


def test_a_paused_scheduler_starts_no_job_and_still_shuts_down():
    clock, _, service, lock = make()
    scheduler = scheduler_for(service, lock, clock, delay=timedelta(milliseconds=20))
    scheduler.start()
    try:
        assert service.ran.wait(timeout=10)
        scheduler.pause()
        time.sleep(0.1)  # a job in hand at the pause finishes
        runs = len(service.runs)
        time.sleep(0.5)  # 25 intervals
        assert len(service.runs) == runs
    finally:
        scheduler.shutdown(wait=True)
    assert not scheduler.apscheduler.running


def test_a_job_fired_before_the_pause_and_queued_does_not_start():
    """One worker: a job that fired while another ran waits in the pool's queue, which APScheduler's pause
    leaves alone; when the worker takes it, `run` starts nothing (no lock taken, no work)."""
    clock, table, service, lock = make()
    scheduler = scheduler_for(service, lock, clock)
    scheduler.pause()  # not started (a failed start-up's stop, too): no error

    assert [scheduler.run(job) for job in (PROCESS_JOB, SYSTEM_FAILURE_JOB, *RETRY_JOBS.values())] == [False] * 5
    assert service.runs == []
    assert LOCK_NAME not in table  # never taken by the paused scheduler
