"""How a cycle spreads its bookings: over workers in one pod (`RunsBookingTasks`, the runtime's threads), and
over pods by per-booking leases (`BookingLeases`). The defaults (`CycleSettings()`) run one booking after
another, in one process, under whatever lock the caller holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from attrs import Attribute, field, frozen

from ptpu_core.errors import PtpuError, StoreFailure
from ptpu_core.rules.booking_order import BookingOrder, as_selected
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.work.record_tracing import NO_TRACING, RecordTracing

log = logging.getLogger("ptpu.synchronise")

T = TypeVar("T")


class RunsBookingTasks(Protocol):
    """Runs per-booking tasks, at most N at once (PRISONTOPROBATION_PROCESSOR_WORKERS), pulling the next one on
    the calling thread only when a worker is free; returns every result once all finished. When a task
    raises, no further task is pulled, the tasks in hand finish, and the first exception is raised."""

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]: ...


class SerialRunner:
    """One task after another on the calling thread (one worker)."""

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]:
        return [task() for task in tasks]


@frozen
class LeaseRun:
    """Which run asks for a booking's lease. `tier` None: processing due records (SPEC §6); a retry tier
    (SPEC §8) names its run's `started` (aware UTC), and a booking the same tier retried in a run started less
    than `same_run_within` before (another pod's run of the same cron tick) is not retried again.
    `on_request`: the re-sync endpoint, outside any cycle (`BookingLeases.new_cycle` does not apply)."""

    tier: RetryTier | None = None
    started: datetime | None = None
    same_run_within: timedelta = timedelta(0)
    on_request: bool = False


PROCESS_DUE = LeaseRun()
ON_REQUEST = LeaseRun(on_request=True)
# A booking's pass starts no record once this share of its lease (as taken) has gone by, so one booking is
# not held for ever; the rest of its records are left for the next cycle.
LEASE_SHARE = 0.5
# A Delius write, publish or outcome save is made only with at least this share of the lease left: with
# less, `BookingLeases.keep` extends the lease first (as ShedLock's KeepAliveLockProvider extends a lock
# for its whole lockAtMostFor once half of it has passed).
KEEP_SHARE = 0.5
# How many bookings a cycle looks ahead at before trying their leases: one BatchGetItem's key limit.
LOOK_AHEAD = 100


class BookingLeases(Protocol):
    """A lease per booking, shared by every pod (ShedLock's item layout in the schedule table; see
    docs/architecture.md "How pods share work"). `lease`: how long a lease lasts once taken or kept (None: no
    limit). `try_lease`: True when this pod now holds it; StoreFailure when the store fails. `release` never
    raises (a lease whose release failed is taken again by its pod's next cycle, by others once it expires)."""

    @property
    def lease(self) -> timedelta | None: ...

    def new_cycle(self) -> None:
        """A cycle is about to read its selection: a lease another pod frees after this is refused to this
        cycle's `try_lease` (its selection is stale for that booking). One cycle at a time per instance."""

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool: ...

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        """Asked before each write for a booking this pod leased: True while the lease is still this pod's with
        at least KEEP_SHARE of `lease` left, after extending it to a whole `lease` when less was left (only
        while the item is as this pod left it); False once it is not (a store failure is logged, not raised)."""

    def release(self, booking_id: int, run: LeaseRun) -> None: ...

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int]:
        """Of `booking_ids` (at most LOOK_AHEAD), those `try_lease` would refuse as things stand, read in one go,
        so the cycle skips them without a refused write each (benchmarks/NOTES.md). Only a hint: `try_lease`
        alone grants a lease. StoreFailure when the store cannot be read."""


class NoLeases:
    """Every booking is ours: for one process under a cluster-wide lock, or tests."""

    lease: timedelta | None = None

    def new_cycle(self) -> None:
        return None

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        return True

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        return True

    def release(self, booking_id: int, run: LeaseRun) -> None:
        return None

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int]:
        return ()


class LeaseLost(PtpuError):
    """This pod no longer holds the booking's lease: the record in hand is neither saved nor journalled (it
    stays unprocessed for the pod holding the booking now) and nothing more is written for the booking."""

    def __init__(self, booking_id: int) -> None:
        super().__init__(f"the lease of booking {booking_id} is no longer this pod's")
        self.booking_id = booking_id


class HeldLease:
    """The lease a booking's pass works under: `confirm()` before every write made for the booking."""

    def __init__(self, leases: BookingLeases, booking_id: int, run: LeaseRun) -> None:
        self._leases = leases
        self._booking_id = booking_id
        self._run = run

    def confirm(self) -> None:
        """Raises LeaseLost unless `BookingLeases.keep` says the lease is still ours (extended if need be)."""
        if not self._leases.keep(self._booking_id, self._run):
            raise LeaseLost(self._booking_id)


class LookAhead:
    """One cycle's use of `BookingLeases.leased_elsewhere`. A lease refused since the last read (`refused`) shows
    the read is stale: the untried rest of the window is read again (`stale`). The first StoreFailure is logged
    and the rest of the cycle tries every lease without reading ahead."""

    def __init__(self, leases: BookingLeases, run: LeaseRun) -> None:
        self._leases = leases
        self._run = run
        self._failed = False
        self._refused = False  # set by a worker thread, cleared by the cycle's thread: a hint either way

    def refused(self) -> None:
        """A lease write was refused since the last read (so that read is out of date)."""
        self._refused = True

    def stale(self) -> bool:
        """True when a lease was refused since the last read and a read is still worth trying."""
        return self._refused and not self._failed

    def leased_elsewhere(self, booking_ids: Sequence[int]) -> Collection[int]:
        """The bookings among `booking_ids` to skip; empty once a read has failed this cycle."""
        self._refused = False
        if self._failed or not booking_ids:
            return ()
        try:
            return self._leases.leased_elsewhere(booking_ids, self._run)
        except StoreFailure as failure:
            self._failed = True
            log.warning(
                "Could not read ahead the leases of %d bookings (%s); this cycle tries each lease without it",
                len(booking_ids),
                failure,
            )
            return ()


@frozen
class CycleSettings:
    """How a cycle spreads and bounds its bookings. `leases` None: every booking is ours (one process under
    a cluster-wide lock, or tests), nothing read ahead. `retry_same_run_within`: see `LeaseRun`.
    `booking_order`: the order this pod walks a selection's bookings (`PodSpread` seeded by the pod, so pods
    do not all start at one booking). `look_ahead`: bookings whose leases are read in one go (1 to LOOK_AHEAD).
    `tracing`: a span per record around its processing and save."""

    runner: RunsBookingTasks = SerialRunner()
    leases: BookingLeases | None = None
    retry_same_run_within: timedelta = timedelta(0)
    booking_order: BookingOrder = as_selected
    look_ahead: int = field(default=LOOK_AHEAD)
    tracing: RecordTracing = NO_TRACING

    @look_ahead.validator
    def _look_ahead(self, _: Attribute[int], value: int) -> None:
        if not 1 <= value <= LOOK_AHEAD:
            raise ValueError(f"look_ahead must be 1 to {LOOK_AHEAD}, not {value}")
