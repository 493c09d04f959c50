"""The scheduler's watch: the liveness rule, the /health component and the last-success metric."""

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.utils import floatToGoString

from ptpu_runtime.scheduler_watch import PROCESSING_OFF, SchedulerWatch, WatchLimits
from ptpu_runtime.scheduling import ScheduleSettings

JOBS = ["processMessages", "retryShortTerm"]
LIMITS = WatchLimits(idle_limit=timedelta(seconds=60), run_limit=timedelta(minutes=25))
NEXT = datetime(2027, 10, 31, 1, tzinfo=UTC)


class Clocks:
    def __init__(self) -> None:
        self.seconds = 1000.0
        self.now = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.now += timedelta(seconds=seconds)


def watched(jobs: list[str] = JOBS) -> tuple[SchedulerWatch, Clocks]:
    clocks = Clocks()
    watch = SchedulerWatch(LIMITS, wall=lambda: clocks.now, monotonic=lambda: clocks.seconds)
    watch.watching(jobs, lambda: dict.fromkeys(jobs, NEXT))
    return watch, clocks


def test_limits_an_hmpps_engineer_would_expect_from_the_defaults():
    limits = ScheduleSettings(True, timedelta(seconds=1), {}).watch_limits()
    assert limits == WatchLimits(idle_limit=timedelta(minutes=1), run_limit=timedelta(minutes=25))
    slow = ScheduleSettings(True, timedelta(seconds=30), {}, lock_at_most=timedelta(minutes=10)).watch_limits()
    assert slow == WatchLimits(idle_limit=timedelta(minutes=5), run_limit=timedelta(minutes=15))


def test_no_jobs_is_alive_for_ever():
    watch, clocks = watched(jobs=[])
    clocks.advance(86_400)
    assert watch.alive() == (True, "no scheduled jobs")
    assert SchedulerWatch(LIMITS).alive() == (True, "not started yet")


def test_processing_switched_off_is_alive_for_ever_and_says_so():
    clocks = Clocks()
    watch = SchedulerWatch(LIMITS, monotonic=lambda: clocks.seconds, processing_enabled=False)
    assert watch.alive() == (True, PROCESSING_OFF)  # before the scheduler starts too
    watch.watching([], dict)
    clocks.advance(86_400)
    assert watch.check() == {"status": "UP", "details": {"state": PROCESSING_OFF, "jobs": {}}}
    assert PROCESSING_OFF.startswith("processing switched off (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)")


def test_a_scheduler_whose_jobs_stop_running_is_down_after_the_idle_limit():
    watch, clocks = watched()
    watch.started("processMessages")
    clocks.advance(1)
    watch.finished("processMessages", succeeded=True)
    clocks.advance(60)
    assert watch.alive()[0]
    clocks.advance(1)  # e.g. the scheduler thread spinning: no job submitted for 61 s
    assert watch.alive() == (False, "no job has run for 61s (limit 60s)")


def test_a_long_retry_run_is_alive_until_the_run_limit_then_down():
    watch, clocks = watched()
    watch.started("retryShortTerm")
    clocks.advance(24 * 60)  # far past the idle limit, inside lock_at_most + 5 minutes
    assert watch.alive() == (True, "retryShortTerm running for 1440s")
    clocks.advance(61)
    assert watch.alive() == (False, "retryShortTerm has been running for 1501s (limit 1500s)")
    watch.finished("retryShortTerm", succeeded=True)  # it did come back: alive again
    assert watch.alive()[0]


def test_the_health_component_shows_each_jobs_last_start_finish_success_and_next_fire():
    watch, clocks = watched()
    watch.started("retryShortTerm")
    clocks.advance(2)
    watch.finished("retryShortTerm", succeeded=False)
    component = watch.check()
    assert component["status"] == "UP"
    assert component["details"]["jobs"]["retryShortTerm"] == {
        "lastStart": "2027-10-31T00:30:00+00:00", "lastFinish": "2027-10-31T00:30:02+00:00",
        "lastSuccess": None, "running": False, "nextFire": "2027-10-31T01:00:00+00:00",
    }
    clocks.advance(61)
    assert watch.check()["status"] == "DOWN"


def test_the_metric_is_each_jobs_last_successful_run_in_epoch_seconds():
    watch, clocks = watched()
    registry = CollectorRegistry()
    registry.register(watch)
    watch.started("retryShortTerm")
    watch.finished("retryShortTerm", succeeded=True)
    succeeded_at = clocks.now.timestamp()
    clocks.advance(3600)
    watch.started("retryShortTerm")
    watch.finished("retryShortTerm", succeeded=False)  # a failed run leaves the last success as it was
    text = generate_latest(registry).decode()
    sample = f'ptpu_scheduler_last_success_timestamp_seconds{{task="retryShortTerm"}} {floatToGoString(succeeded_at)}'
    assert sample in text
    assert 'task="processMessages"' not in text  # never succeeded: no sample rather than a 0
    assert "ptpu_scheduler_alive 1.0" in text
