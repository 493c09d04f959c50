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
    run started (`started`, the clock port's aware UTC instant; the DynamoDB store writes it as UTC
    wall-clock time) and `same_run_within`: a booking the same tier retried in a run started less than
    that long before `started` — another pod's run of the same cron tick — is not retried again
    (the retry tiers run under the per-booking scheme, and a record must not be retried
    twice by one tick because several pods ran it).
    `on_request`: a run outside any cycle (the re-sync endpoint): the cycle's rule of
    `BookingLeases.new_cycle` does not apply to it, since it read no selection that could be stale.
    """

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
    """A lease per booking, shared by every pod (ShedLock's item layout in the schedule table).

    `try_lease` is True when this pod now holds the booking's lease (it was free, or its holder's time ran
    out, or it is this pod's own lease that no worker of the pod holds, e.g. after a lost release), False
    when another holder or another worker of this pod has it (or, for a retry run, the same tier's run of
    this tick already did it). `release` frees a lease we hold; it never raises (a lease whose release
    failed is taken again by its pod's next cycle, by other pods once it expires).
    A store failure in `try_lease` raises `StoreFailure`.

    `lease`: how long a lease lasts once taken or kept (None: no limit). A pass starts no record after
    LEASE_SHARE of it has gone by since the take (the rest of the booking is left for the next cycle); the
    record in hand keeps the lease (`keep`) and writes nothing once another pod has taken the booking.
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

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        """Asked before each Delius write, publish and outcome save of a booking this pod leased: True while
        the lease is still this pod's with at least KEEP_SHARE of `lease` left, after extending it to a
        whole `lease` from now when less was left; False once it is not (another pod took it after it ran
        out, or the extension could not be written: a store failure is logged, not raised). An extension
        is granted only while the item is exactly as this pod's take or last extension left it, so it is
        never granted once anyone else has taken the lease. No store call while enough is left, so a pass
        shorter than `lease` * KEEP_SHARE costs nothing more."""
        ...

    def release(self, booking_id: int, run: LeaseRun) -> None: ...

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int]:
        """The look-ahead (benchmarks/NOTES.md "Each pod walks in its own order"): of
        `booking_ids` (at most LOOK_AHEAD, distinct), the ones whose lease `try_lease` would refuse as
        things stand now, read in one go: held by another pod (its lease has not run out), or freed by
        another pod after this cycle's `new_cycle` (that pod has worked the booking since our selection),
        or (a retry run) already done by this tick's run of the tier. The cycle skips them without writing.

        Why: every pod walks the whole selection, so without this a booking another pod has, or has just
        done, costs a refused conditional write per pod (4 pods: 3 refused writes per booking). One read
        of many items replaces those writes. It is only a hint: `try_lease` alone grants a lease, so a
        booking read as free may still be refused, and one read as taken is only left to the next cycle,
        which selects it again if it is still due. Raises StoreFailure when the store cannot be read (the
        cycle then tries the leases without the hint)."""
        ...


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
    """This pod no longer holds the booking's lease: it makes no further write for the booking.

    Raised by `HeldLease.confirm` before a Delius write, a publish or an outcome's save. The pass stops
    there: the record in hand is neither saved nor journalled (it stays unprocessed for the pod that
    holds the lease now), and its buffered telemetry is dropped (the holder emits its own)."""

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
    """One cycle's use of `BookingLeases.leased_elsewhere`.

    A read goes stale as other pods work: a lease refused since the last read (`refused`, called by the
    worker that was refused) proves it, and the cycle reads the untried rest of its window again before
    the next booking (`stale`), so one refused write, not a run of them, is the price of a stale read.
    A failed read must not stop the cycle: the first StoreFailure is logged once and the rest of the
    cycle tries every lease as it would without the look-ahead (the conditional write alone decides; the
    store is likely failing anyway, so no further reads are spent on it this cycle). The next cycle
    reads ahead again."""

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
