"""How `ptpu serve` stops: one SHUTDOWN_TIMEOUT for every stage together, one line for what it left unfinished, and a
scheduled job that outlives it keeps the cluster lock."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
from opentelemetry.trace import NoOpTracer
from starlette.applications import Starlette

from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.testing import FixedClock
from ptpu_runtime.cli import (
    EXIT_FAILURE,
    EXIT_OK,
    LOCK_LEFT,
    STOP_MARGIN_SECONDS,
    TRACE_FLUSH_SECONDS,
    WAIT_EXTRA_SECONDS,
    Service,
)
from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import specs
from ptpu_runtime.scheduling import ScheduleSettings, SynchronisationScheduler
from ptpu_runtime.testing import InMemoryLock
from ptpu_runtime.tracing import Tracing


class RecordingLock:
    def __init__(self) -> None:
        self.releases: list[str] = []

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        return True

    def release(self, name: str) -> None:
        self.releases.append(name)


class StuckScheduler:
    """A job still running: shutdown(wait=True) returns only when the test lets it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.job_may_finish = threading.Event()

    def start(self) -> None:
        self.started.set()

    def pause(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None:
        self.job_may_finish.wait(timeout=30)


class IdleListener:
    def start(self) -> None: ...

    def stop(self, timeout_seconds: float | None = None) -> bool:
        return True


class Runner:
    def close(self) -> None: ...


class Stoppable:
    """The synchronisation service's or the re-syncs' stop: `asked` once told to start no more bookings."""

    def __init__(self) -> None:
        self.asked = threading.Event()

    def stop(self) -> None:
        self.asked.set()

    def join(self, timeout_seconds: float) -> bool:
        return True


class StubContainer:
    def __init__(self) -> None:
        self.the_lock = RecordingLock()
        self.the_scheduler = StuckScheduler()
        self.the_listener = IdleListener()
        self.the_app = Starlette()
        self.the_synchronisation = Stoppable()
        self.the_resyncs = Stoppable()

    def aws_preflight(self) -> None: ...

    def listener(self) -> IdleListener:
        return self.the_listener

    def scheduler(self) -> StuckScheduler:
        return self.the_scheduler

    def lock(self) -> RecordingLock:
        return self.the_lock

    def app(self) -> Starlette:
        return self.the_app

    def booking_runner(self) -> Runner:
        return Runner()

    def synchronisation(self) -> Stoppable:
        return self.the_synchronisation

    def resyncs(self) -> Stoppable:
        return self.the_resyncs

    def tracing(self) -> Tracing:
        return Tracing(NoOpTracer())  # tracing off, as with no exporter configured


def settings() -> Settings:
    return attrs.evolve(
        Settings(oauth_endpoint_url="http://auth", oauth_client_id="id", oauth_client_secret="secret",
                 prison_endpoint_url="http://prison", community_endpoint_url="http://community",
                 offender_search_endpoint_url="http://search", dynamodb_table_name="t", schedule_table_name="s"),
        server_port=0, shutdown_timeout=timedelta(milliseconds=100),
    )


def test_a_job_still_running_at_stop_keeps_the_lock_so_no_other_pod_starts_alongside_it():
    container = StubContainer()
    service = Service(settings(), container)  # type: ignore[arg-type]
    outcome: list[int] = []
    runner = threading.Thread(target=lambda: outcome.append(service.run()))  # off main: no signal handlers
    runner.start()
    try:
        assert container.the_scheduler.started.wait(timeout=10)
        service.stop_requested.set()
        runner.join(timeout=30)
        assert outcome == [EXIT_FAILURE]  # not a clean stop
        assert container.the_lock.releases == []  # the job may still be writing: the lock stays ours
    finally:
        container.the_scheduler.job_may_finish.set()
        runner.join(timeout=30)


class StalledTracing(Tracing):
    """Exporters whose collector never answers: shutdown (the flush) would take as long as the test lets it."""

    def __init__(self) -> None:
        super().__init__(NoOpTracer())
        self.may_finish = threading.Event()

    def shutdown(self) -> None:
        self.may_finish.wait(timeout=30)


# With the collector unreachable the exporters' retries would make stopping take 12-17 s, past the
# SHUTDOWN_TIMEOUT + STOP_MARGIN_SECONDS the docs promise (the sandbox allows 5 s more before killing it).
def test_a_trace_flush_that_cannot_finish_is_cut_short_and_the_stop_stays_clean(caplog):
    container = StubContainer()
    container.the_scheduler.job_may_finish.set()  # no job running: only the flush is slow
    tracing = StalledTracing()
    container.tracing = lambda: tracing  # type: ignore[method-assign]
    service = Service(settings(), container)  # type: ignore[arg-type]
    outcome: list[int] = []
    runner = threading.Thread(target=lambda: outcome.append(service.run()))
    runner.start()
    try:
        assert container.the_scheduler.started.wait(timeout=10)
        with caplog.at_level("WARNING", logger="ptpu_runtime.cli"):
            service.stop_requested.set()
            runner.join(timeout=TRACE_FLUSH_SECONDS + 10)
        assert not runner.is_alive(), "the stop waited on the trace flush"
        assert outcome == [EXIT_OK]
        assert f"Traces and events still buffered after {TRACE_FLUSH_SECONDS}s were dropped" in caplog.messages
    finally:
        tracing.may_finish.set()
        runner.join(timeout=30)


class FakeClock:
    """Monotonic seconds that move only when a stage says it spent them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Hanging:
    """Every stage stuck, as with an upstream that never answers: `stops` records each stop asked for, in order.
    The listener spends the whole timeout it is given (on `clock` when given, else for real); the scheduler and
    the workers block until the test lets them go."""

    def __init__(self, clock: FakeClock | None) -> None:
        self.clock = clock
        self.stops: list[tuple[str, float | None]] = []
        self.may_finish = threading.Event()

    def start(self) -> None: ...

    def stop(self, timeout_seconds: float | None = None) -> bool:
        self.stops.append(("listener", timeout_seconds))
        if self.clock is None:
            self.may_finish.wait(timeout=30)  # ignores its bound: only the service's deadline ends the wait
        else:
            self.clock.now += timeout_seconds or 0
        return False

    def pause(self) -> None:
        self.stops.append(("scheduler paused", None))

    def shutdown(self, wait: bool = True) -> None:
        self.stops.append(("scheduler", None))
        self.may_finish.wait(timeout=30)

    def close(self) -> None:
        self.stops.append(("workers", None))
        self.may_finish.wait(timeout=30)


class HangingResyncs:
    """Re-syncs whose booking in hand never ends; with `clock`, the wait spends the whole timeout it is given."""

    def __init__(self, hanging: Hanging) -> None:
        self.hanging = hanging

    def stop(self) -> None:
        self.hanging.stops.append(("re-syncs asked", None))

    def join(self, timeout_seconds: float) -> bool:
        self.hanging.stops.append(("re-syncs", timeout_seconds))
        if self.hanging.clock is None:
            self.hanging.may_finish.wait(timeout=30)
        else:
            self.hanging.clock.now += timeout_seconds
        return False


class AskedCycle:
    def __init__(self, hanging: Hanging) -> None:
        self.hanging = hanging

    def stop(self) -> None:
        self.hanging.stops.append(("cycle asked", None))


def _stop_hanging(shutdown_timeout: timedelta, clock: FakeClock | None, caplog) -> tuple[Service, Hanging, list[int]]:
    container = StubContainer()
    hanging = Hanging(clock)
    container.synchronisation = lambda: AskedCycle(hanging)  # type: ignore[method-assign,assignment,return-value]
    container.resyncs = lambda: HangingResyncs(hanging)  # type: ignore[method-assign,assignment,return-value]
    container.the_listener = hanging  # type: ignore[assignment]
    container.scheduler = lambda: hanging  # type: ignore[assignment,method-assign,return-value]
    container.booking_runner = lambda: hanging  # type: ignore[attr-defined]
    service = Service(attrs.evolve(settings(), shutdown_timeout=shutdown_timeout), container,  # type: ignore[arg-type]
                      clock=clock or time.monotonic)
    outcome: list[int] = []
    runner = threading.Thread(target=lambda: outcome.append(service.run()))
    runner.start()
    try:
        with caplog.at_level("INFO", logger="ptpu.serve"):
            service.stop_requested.set()
            runner.join(timeout=20)
        assert not runner.is_alive(), "the stop outlived its deadline"
    finally:
        hanging.may_finish.set()
        runner.join(timeout=30)
    return service, hanging, outcome


def test_the_stages_share_one_deadline_so_those_after_a_hung_listener_are_not_waited_for(caplog):
    # The scheduler is paused and the cycle and the re-syncs asked first, before any wait. The listener spends all
    # of a 60 s SHUTDOWN_TIMEOUT (on the fake clock): the scheduler, the re-syncs and the workers are still stopped,
    # in that order, but not waited for: a per-stage bound would wait 60 s more for each.
    clock = FakeClock()
    service, hanging, outcome = _stop_hanging(timedelta(seconds=60), clock, caplog)
    assert hanging.stops == [("scheduler paused", None), ("cycle asked", None), ("re-syncs asked", None),
                             ("listener", 60.0), ("scheduler", None), ("re-syncs", 0.1), ("workers", None)]
    assert outcome == [EXIT_FAILURE]
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [
        "Stopped with work left unfinished after SHUTDOWN_TIMEOUT (60s): the listener's messages in hand, "
        "the scheduler's job in hand (scheduleLock stays held until PRISONTOPROBATION_LOCK_AT_MOST expires), "
        "the re-syncs of POST /resync in hand, the processing workers' bookings; exit code 1"]
    assert service.unfinished == [
        "the listener's messages in hand", f"the scheduler's job in hand ({LOCK_LEFT})",
        "the re-syncs of POST /resync in hand", "the processing workers' bookings"]
    assert "Stopped cleanly" not in caplog.messages


def test_with_every_stage_hung_the_stop_ends_within_shutdown_timeout_and_the_stated_margin(caplog):
    shutdown_timeout = 0.5
    started = time.monotonic()
    service, hanging, outcome = _stop_hanging(timedelta(seconds=shutdown_timeout), None, caplog)
    elapsed = time.monotonic() - started  # also includes the start-up (the HTTP server on a free port)
    assert elapsed < shutdown_timeout + STOP_MARGIN_SECONDS
    assert [stage for stage, _ in hanging.stops] == [
        "scheduler paused", "cycle asked", "re-syncs asked", "listener", "scheduler", "re-syncs", "workers"]
    assert outcome == [EXIT_FAILURE] and len(service.unfinished) == 4
    assert len([record for record in caplog.records if record.levelno >= logging.ERROR]) == 1


def test_the_margin_the_setting_states_is_the_one_the_stop_keeps():
    (meaning,) = [spec.meaning for field, spec, _ in specs(Settings) if field == "shutdown_timeout"]
    assert f"SHUTDOWN_TIMEOUT + {STOP_MARGIN_SECONDS} s" in meaning


class CycleScheduler:
    """A job in hand whose cycle returns once the synchronisation service is asked to stop, then releases the lock
    (as SynchronisationScheduler's job does); else it runs to its own deadline (here 30 s)."""

    def __init__(self, cycle: Stoppable, lock: RecordingLock) -> None:
        self.cycle = cycle
        self.lock = lock
        self.started = threading.Event()

    def start(self) -> None:
        self.started.set()

    def pause(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None:
        self.cycle.asked.wait(timeout=30)
        self.lock.release("scheduleLock")


def _run_and_stop(service: Service, started: threading.Event, stop: Callable[[], object], caplog) -> list[int]:
    outcome: list[int] = []
    runner = threading.Thread(target=lambda: outcome.append(service.run()))  # off main: no signal handlers
    runner.start()
    assert started.wait(timeout=10)
    with caplog.at_level("INFO", logger="ptpu.serve"):
        stop()
        runner.join(timeout=30)
    assert not runner.is_alive()
    return outcome


def test_the_stop_tells_the_cycle_in_hand_to_stop_so_the_job_returns_and_releases_the_lock(caplog):
    container = StubContainer()
    scheduler = CycleScheduler(container.the_synchronisation, container.the_lock)
    container.scheduler = lambda: scheduler  # type: ignore[method-assign,assignment,return-value]
    service = Service(attrs.evolve(settings(), shutdown_timeout=timedelta(seconds=2)), container)  # type: ignore[arg-type]
    try:
        outcome = _run_and_stop(service, scheduler.started, service.stop_requested.set, caplog)
    finally:
        container.the_synchronisation.asked.set()
    assert outcome == [EXIT_OK]
    assert container.the_lock.releases == ["scheduleLock"]
    assert container.the_resyncs.asked.is_set()
    assert caplog.messages[-1] == "Stopped cleanly"


class ListenerEndingAtTheDeadline(IdleListener):
    def stop(self, timeout_seconds: float | None = None) -> bool:
        time.sleep(timeout_seconds or 0)  # spends all it is given, then has finished
        return True


def test_a_listener_finishing_right_at_the_deadline_counts_as_finished(caplog):
    # The stop waits WAIT_EXTRA_SECONDS past what it gave the listener, so its own bound is not the one that ends.
    assert 0 < WAIT_EXTRA_SECONDS < 1
    container = StubContainer()
    container.the_listener = ListenerEndingAtTheDeadline()
    container.the_scheduler.job_may_finish.set()
    service = Service(attrs.evolve(settings(), shutdown_timeout=timedelta(milliseconds=300)), container)  # type: ignore[arg-type]
    outcome = _run_and_stop(service, container.the_scheduler.started, service.stop_requested.set, caplog)
    assert outcome == [EXIT_OK] and service.unfinished == []


class FailedServer:
    """A uvicorn server whose run ended without being asked to (e.g. the port was taken)."""

    should_exit = False

    def run(self) -> None: ...


def test_after_the_http_server_fails_the_last_line_says_so_not_stopped_cleanly(caplog):
    container = StubContainer()
    container.the_scheduler.job_may_finish.set()
    service = Service(settings(), container)  # type: ignore[arg-type]
    outcome = _run_and_stop(
        service, container.the_scheduler.started, lambda: service._serve_http(FailedServer()), caplog)  # type: ignore[arg-type]
    assert outcome == [EXIT_FAILURE] and service.unfinished == []
    assert caplog.messages[-1] == "Stopped after the HTTP server failed (logged above); exit code 1"
    assert "Stopped cleanly" not in caplog.messages


class FailingSynchronisation:
    def stop(self) -> None:
        raise RuntimeError("the container could not build it")


def test_a_failing_ask_to_stop_the_cycle_still_asks_the_re_syncs(caplog):
    container = StubContainer()
    container.the_scheduler.job_may_finish.set()
    container.synchronisation = lambda: FailingSynchronisation()  # type: ignore[method-assign,assignment,return-value]
    service = Service(settings(), container)  # type: ignore[arg-type]
    outcome = _run_and_stop(service, container.the_scheduler.started, service.stop_requested.set, caplog)
    assert container.the_resyncs.asked.is_set()
    assert "Stopping the cycle failed" in caplog.messages
    assert outcome == [EXIT_OK] and service.unfinished == []


class FiringService:
    """The scheduler's cycle: records when each job starts (monotonic seconds)."""

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.ran = threading.Event()

    def process_due(self, *, deadline: datetime | None = None) -> None:
        self.starts.append(time.monotonic())
        self.ran.set()

    def retry(self, tier: RetryTier, *, deadline: datetime | None = None) -> None: ...

    def retry_system_failures(self, *, limit: int, deadline: datetime | None = None,
                              only_after_failures: bool = False) -> None: ...


class LongPollListener(IdleListener):
    """A listener whose stop waits out a long poll: `asked_at`, when its stop began (monotonic seconds)."""

    asked_at: float | None = None

    def stop(self, timeout_seconds: float | None = None) -> bool:
        self.asked_at = time.monotonic()
        time.sleep(0.5)  # 25 processing intervals
        return True


def test_no_scheduled_job_starts_once_the_stop_has_begun(caplog):
    # The real scheduler, processing every 20 ms: paused at once, it starts nothing while the listener stops.
    container, firing, listener = StubContainer(), FiringService(), LongPollListener()
    clock = FixedClock(datetime(2021, 3, 1, 12))
    scheduler = SynchronisationScheduler(
        firing, InMemoryLock(clock, owner="this-pod", table={}), clock,  # type: ignore[arg-type]
        ScheduleSettings(True, timedelta(milliseconds=20), {tier: "0 0 0 1 1 *" for tier in RetryTier}))
    container.scheduler = lambda: scheduler  # type: ignore[method-assign,assignment,return-value]
    container.the_listener = listener
    service = Service(attrs.evolve(settings(), shutdown_timeout=timedelta(seconds=5)), container)  # type: ignore[arg-type]
    outcome = _run_and_stop(service, firing.ran, service.stop_requested.set, caplog)
    assert outcome == [EXIT_OK] and listener.asked_at is not None
    assert [start for start in firing.starts if start > listener.asked_at] == []
