"""How a cycle spreads its bookings: over workers in one pod, and over pods by per-booking leases (issue 12).

The core handles one booking at a time and stays free of threads: it hands the runtime an iterator of
per-booking tasks (`RunsBookingTasks`) and asks a `BookingLeases` port before it touches a booking.
The defaults here (`SerialRunner`, `NoLeases`) keep the old behaviour: one booking after another, in one
process, under whatever lock the caller holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar, runtime_checkable

from attrs import frozen

from ptpu_core.retry_policy import RetryTier

T = TypeVar("T")


@runtime_checkable
class RunsBookingTasks(Protocol):
    """Runs per-booking tasks, at most N at once (N = PRISONTOPROBATION_PROCESSOR_WORKERS).

    `run_all` pulls the next task from `tasks` on the calling thread, only when a worker is free (so a
    deadline checked while producing a task is checked when the booking would start), and returns every
    task's result (in any order) once all have finished. When a task raises, no further task is pulled,
    the tasks in hand are finished, and the first exception is raised.
    """

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]: ...


class SerialRunner:
    """One task after another on the calling thread (one worker)."""

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]:
        return [task() for task in tasks]


@frozen
class LeaseRun:
    """Which run asks for a booking's lease.

    `tier` None: the processing of due records (SPEC §6). A retry tier (SPEC §8) also names when its
    run started (`started`, naive local time, the clock port's) and `same_run_within`: a booking the same
    tier retried in a run started less than that long before `started` — another pod's run of the same
    cron tick — is not retried again (issue 12 §2: the retry tiers run under the per-booking scheme, and a
    record must not be retried twice by one tick because several pods ran it).
    `on_request`: a run outside any cycle (the re-sync endpoint, issue 11 §4): the cycle's rule of
    `BookingLeases.new_cycle` does not apply to it, since it read no selection that could be stale.
    """

    tier: RetryTier | None = None
    started: datetime | None = None
    same_run_within: timedelta = timedelta(0)
    on_request: bool = False


PROCESS_DUE = LeaseRun()
ON_REQUEST = LeaseRun(on_request=True)
# A booking's pass starts no record once this share of its lease has gone by: the record in hand (a few
# upstream calls, each bounded by the HTTP timeouts) must still finish before the lease can pass on.
LEASE_SHARE = 0.5


@runtime_checkable
class BookingLeases(Protocol):
    """A lease per booking, shared by every pod (ShedLock's item layout in the schedule table).

    `try_lease` is True when this pod now holds the booking's lease (it was free, or its holder's time ran
    out, or it is this pod's own lease that no worker of the pod holds, e.g. after a lost release), False
    when another holder or another worker of this pod has it (or, for a retry run, the same tier's run of
    this tick already did it). `release` frees a lease we hold; it never raises (a lease whose release
    failed is taken again by its pod's next cycle, by other pods once it expires).
    A store failure in `try_lease` raises `StoreFailure`.

    `lease`: how long a lease lasts once taken (None: no limit). A pass starts no record after
    LEASE_SHARE of it has gone by (the rest of the booking is left for the next cycle), so it does not
    outlive its lease and work beside the pod that takes the booking next.
    """

    @property
    def lease(self) -> timedelta | None: ...

    def new_cycle(self) -> None:
        """A cycle is about to read its selection. A lease another pod released (or that expired) after
        this is refused to this cycle's `try_lease`: the selection, read before that pod's work, is stale
        for that booking, and whatever is still due there is in the next cycle's selection. This saves the
        lease, read and release of a booking another pod just synced. One cycle at a time per instance
        (the scheduler runs one job at a time)."""
        ...

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool: ...

    def release(self, booking_id: int, run: LeaseRun) -> None: ...


class NoLeases:
    """Every booking is ours: for one process under a cluster-wide lock, or tests."""

    lease: timedelta | None = None

    def new_cycle(self) -> None:
        return None

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        return True

    def release(self, booking_id: int, run: LeaseRun) -> None:
        return None
