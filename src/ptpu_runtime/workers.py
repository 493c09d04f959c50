"""`ThreadedRunner`, the core's RunsBookingTasks: up to PRISONTOPROBATION_PROCESSOR_WORKERS bookings at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from typing import TypeVar

T = TypeVar("T")


class ThreadedRunner:
    """Runs tasks on up to `workers` threads; one executor for the runner's life (see `close`). The first
    exception a task raises is raised by `run_all` after the tasks in hand finish; no further task is pulled
    once one has failed."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ptpu-booking")

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]:
        """Every task's result, in completion order."""
        done: list[Future[T]] = []
        in_hand: set[Future[T]] = set()
        try:
            for task in tasks:
                in_hand.add(self._executor.submit(task))
                if len(in_hand) == self.workers:
                    finished, in_hand = wait(in_hand, return_when=FIRST_COMPLETED)
                    done += finished
                    if any(future.exception() is not None for future in finished):
                        break
        finally:
            # Also when pulling raised (the selection's read failed): no booking is left half-done.
            done += as_completed(in_hand)
        failures = [failure for future in done if (failure := future.exception()) is not None]
        if failures:
            raise failures[0]
        return [future.result() for future in done]

    def close(self) -> None:
        """Stop the threads once the tasks in hand finish (at shutdown)."""
        self._executor.shutdown(wait=True)
