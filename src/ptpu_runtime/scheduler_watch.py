"""Whether the scheduled jobs still run (docs/scheduler-health.md): for /health, its liveness, and metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from attrs import define, frozen
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ptpu_runtime.health_checks import DOWN, UP, Component

RUN_GRACE = timedelta(minutes=5)
IDLE_FLOOR = timedelta(minutes=1)
IDLE_TICKS = 10
LAST_SUCCESS = "ptpu_scheduler_last_success_timestamp_seconds"
ALIVE = "ptpu_scheduler_alive"
# The state with PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false, as the Kotlin service's
# prisontoprobation.message-processor.enabled: events are received and stored, nothing is processed or retried.
PROCESSING_OFF = ("processing switched off (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false): no scheduled jobs, "
                  "records are stored, not processed or retried")


@frozen
class WatchLimits:
    idle_limit: timedelta  # longest gap between runs, no job running
    run_limit: timedelta  # longest a single run may take


@define
class _Job:
    last_start: datetime | None = None
    last_finish: datetime | None = None
    last_success: datetime | None = None
    running_since: float | None = None  # monotonic seconds


class SchedulerWatch(Collector):
    """Thread-safe record of the jobs' runs; a HealthCheck and a Prometheus collector. With `processing_enabled`
    False it has no jobs, is alive and says why (PROCESSING_OFF)."""

    name = "scheduler"  # its /health component

    def __init__(
        self, limits: WatchLimits, wall: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic, processing_enabled: bool = True,
    ) -> None:
        self.limits = limits
        self._processing_enabled = processing_enabled
        self._wall = wall or (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._last_tick: float | None = None
        self._next_fires: Callable[[], Mapping[str, datetime | None]] = dict

    def watching(self, jobs: list[str], next_fires: Callable[[], Mapping[str, datetime | None]]) -> None:
        """The scheduler has started with `jobs`; `next_fires` tells each one's next fire time (None: none)."""
        with self._lock:
            self._jobs = {job: self._jobs.get(job, _Job()) for job in jobs}
            self._next_fires = next_fires
            self._last_tick = self._monotonic()

    def started(self, job: str) -> None:
        with self._lock:
            record = self._jobs.setdefault(job, _Job())
            record.last_start, record.running_since = self._wall(), self._monotonic()

    def finished(self, job: str, succeeded: bool) -> None:
        with self._lock:
            record = self._jobs.setdefault(job, _Job())
            record.last_finish = self._wall()
            if succeeded:
                record.last_success = record.last_finish
            record.running_since = None
            self._last_tick = self._monotonic()

    def alive(self) -> tuple[bool, str]:
        """(alive, why): not started yet, no jobs, one running under `run_limit`, or none running and one ended
        within `idle_limit`."""
        with self._lock:
            if not self._processing_enabled:
                return True, PROCESSING_OFF
            if self._last_tick is None:
                return True, "not started yet"
            if not self._jobs:
                return True, "no scheduled jobs"
            now = self._monotonic()
            running = {job: now - record.running_since for job, record in self._jobs.items()
                       if record.running_since is not None}
            limit, idle = self.limits.run_limit.total_seconds(), self.limits.idle_limit.total_seconds()
            if running:
                job, age = max(running.items(), key=lambda item: item[1])
                if age > limit:
                    return False, f"{job} has been running for {age:.0f}s (limit {limit:.0f}s)"
                return True, f"{job} running for {age:.0f}s"
            if now - self._last_tick > idle:
                return False, f"no job has run for {now - self._last_tick:.0f}s (limit {idle:.0f}s)"
            return True, "jobs running on schedule"

    def check(self) -> Component:
        alive, why = self.alive()
        next_fires = self._next_fires()
        with self._lock:
            jobs = {
                job: {
                    "lastStart": _iso(record.last_start), "lastFinish": _iso(record.last_finish),
                    "lastSuccess": _iso(record.last_success), "running": record.running_since is not None,
                    "nextFire": _iso(next_fires.get(job))}
                for job, record in self._jobs.items()}
        return {"status": UP if alive else DOWN, "details": {"state": why, "jobs": jobs}}

    def collect(self) -> Iterator[Metric]:
        successes = GaugeMetricFamily(
            LAST_SUCCESS, "When each scheduled job last ran its work without an error (seconds since the epoch)",
            labels=["task"])
        with self._lock:
            for job, record in self._jobs.items():
                if record.last_success is not None:
                    successes.add_metric([job], record.last_success.timestamp())
        yield successes
        yield GaugeMetricFamily(ALIVE, "1 while the scheduler runs its jobs (see /health/liveness), else 0",
                                value=1.0 if self.alive()[0] else 0.0)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
