"""How `ptpu serve` stops: a scheduled job that outlives the stop bound keeps the cluster lock."""

from __future__ import annotations

import threading
from datetime import timedelta

import attrs
from opentelemetry.trace import NoOpTracer
from starlette.applications import Starlette

from ptpu_runtime.cli import EXIT_FAILURE, EXIT_OK, TRACE_FLUSH_SECONDS, Service
from ptpu_runtime.config import Settings
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

    def shutdown(self, wait: bool = True) -> None:
        self.job_may_finish.wait(timeout=30)


class IdleListener:
    def start(self) -> None: ...

    def stop(self, timeout_seconds: float | None = None) -> bool:
        return True


class StubContainer:
    def __init__(self) -> None:
        self.the_lock = RecordingLock()
        self.the_scheduler = StuckScheduler()
        self.the_listener = IdleListener()
        self.the_app = Starlette()

    def aws_preflight(self) -> None: ...

    def listener(self) -> IdleListener:
        return self.the_listener

    def scheduler(self) -> StuckScheduler:
        return self.the_scheduler

    def lock(self) -> RecordingLock:
        return self.the_lock

    def app(self) -> Starlette:
        return self.the_app

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


class Runner:
    def close(self) -> None: ...


# With the collector unreachable the exporters' retries would make stopping take 12-17 s, close to the
# sandbox's 20 s before it kills the service.
def test_a_trace_flush_that_cannot_finish_is_cut_short_and_the_stop_stays_clean(caplog):
    container = StubContainer()
    container.the_scheduler.job_may_finish.set()  # no job running: only the flush is slow
    tracing = StalledTracing()
    container.tracing = lambda: tracing  # type: ignore[method-assign]
    container.booking_runner = lambda: Runner()  # type: ignore[attr-defined]
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
