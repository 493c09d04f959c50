"""`ThreadedRunner`, the core's RunsBookingTasks: up to PRISONTOPROBATION_PROCESSOR_WORKERS bookings at once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

log = logging.getLogger(__name__)

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
        results: list[T] = []
        in_hand: set[Future[T]] = set()
        failure: BaseException | None = None
        pending = iter(tasks)
        try:
            while True:
                while failure is None and len(in_hand) < self.workers:
                    task = next(pending, None)
                    if task is None:
                        break
                    in_hand.add(self._executor.submit(task))
                if not in_hand:
                    break
                finished, in_hand = wait(in_hand, return_when=FIRST_COMPLETED)
                for future in finished:
                    error = future.exception()
                    if error is None:
                        results.append(future.result())
                    elif failure is None:
                        failure = error
        finally:
            # Pulling or waiting raised (the selection's read failed): no booking is left half-done.
            if in_hand:
                wait(in_hand)
        if failure is not None:
            raise failure
        return results

    def close(self) -> None:
        """Stop the threads once the tasks in hand finish (at shutdown)."""
        self._executor.shutdown(wait=True)
