"""How a cycle spreads its bookings over workers and pods (per-booking leases, ShedLock's layout), tracing each."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from attrs import asdict, field, frozen
from attrs.validators import ge, le

from ptpu_core.errors import PtpuError
from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome
from ptpu_core.rules.booking_order import BookingOrder, as_selected
from ptpu_core.rules.retry_policy import RetryTier

log = logging.getLogger("ptpu.synchronise")

T = TypeVar("T")


class RunsBookingTasks(Protocol):
    """At most N tasks at once, each pulled on the calling thread when a worker is free; a task raising: none
    more pulled, the first raised once those in hand finish."""

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]: ...


class SerialRunner:
    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]:
        return [task() for task in tasks]


@frozen
class LeaseRun:
    """A retry tier's run (SPEC §8; `started` aware UTC) skips a booking that tier retried within `same_run_within`."""

    tier: RetryTier | None = None
    started: datetime | None = None
    same_run_within: timedelta = timedelta(0)
    on_request: bool = False


@frozen
class CycleSummary:
    """What one cycle did (ptpu_core.use_cases.synchronise), in bookings unless named records; `a + b` adds each
    count."""

    bookings: int = 0
    processed: int = 0  # records, as are done, retried, duplicates_deleted and errors
    done: int = 0
    retried: int = 0
    duplicates_deleted: int = 0
    errors: int = 0
    stale: int = 0  # listed by the lagging index but no longer selected on the consistent read
    deferred: int = 0  # not started because the cycle's deadline had passed or stop() was asked
    leased_elsewhere: int = 0  # skipped: another pod held the booking's lease (or already retried it)
    cut_short: int = 0  # bookings whose pass stopped before its lease could run out; the rest is left
    lease_lost: int = 0  # bookings whose pass stopped on finding its lease taken by another pod

    def __add__(self, other: CycleSummary) -> CycleSummary:
        return CycleSummary(**(Counter(asdict(self)) + Counter(asdict(other))))


def distinct_bookings(messages: Iterable[Message]) -> Iterator[int]:
    """The bookings of a selection's records, each once, in the order first read (lazily, as the records are)."""
    seen: set[int] = set()
    for message in messages:
        if message.booking_id not in seen:
            seen.add(message.booking_id)
            yield message.booking_id


PROCESS_DUE = LeaseRun()
ON_REQUEST = LeaseRun(on_request=True)
KEEP_SHARE = 0.5  # a write needs this share of the lease left, else `keep` extends it (ShedLock's KeepAlive)
LOOK_AHEAD = 100  # bookings whose leases a cycle reads in one go: one BatchGetItem's key limit


class BookingLeases(Protocol):
    """A lease per booking, shared by every pod (docs/architecture.md "How pods share work"). `lease`: how long
    one lasts once taken or kept (None: no limit). `try_lease`: True when this pod now holds it; StoreFailure
    when the store fails. `release` never raises."""

    @property
    def lease(self) -> timedelta | None: ...

    def new_cycle(self) -> None:
        """A cycle is about to read its selection: a lease freed after this is refused to this cycle."""

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool: ...

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        """Before each write: True while the lease is this pod's, extended if under KEEP_SHARE is left. Never raises."""

    def release(self, booking_id: int, run: LeaseRun) -> None: ...

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int]:
        """Those of `booking_ids` (at most LOOK_AHEAD) `try_lease` would refuse now, a hint; StoreFailure."""


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
    """This pod no longer holds the booking's lease: no further Delius write, publish or save for the booking,
    only the journal of the record's writes that landed (decision 0010)."""


@contextmanager
def booking_lease(leases: BookingLeases, booking_id: int, run: LeaseRun) -> Iterator[bool]:
    """True while this pod holds the booking's lease, released on leaving; False (nothing to release) when another
    pod holds it. StoreFailure when the store fails."""
    taken = leases.try_lease(booking_id, run)
    try:
        yield taken
    finally:
        if taken:
            leases.release(booking_id, run)


def confirm_lease(leases: BookingLeases, booking_id: int, run: LeaseRun) -> None:
    """Before every write made for a booking: LeaseLost unless `BookingLeases.keep` says the lease is still ours."""
    if not leases.keep(booking_id, run):
        raise LeaseLost(f"the lease of booking {booking_id} is no longer this pod's")


class RecordSpan(Protocol):
    def outcome(self, outcome: Outcome) -> None: ...
    def failed(self, error: BaseException) -> None: ...


class RecordTracing(Protocol):
    def record(self, message: Message) -> AbstractContextManager[RecordSpan]:
        """A span for `message`'s processing, the save of its outcome and the telemetry after it, in the record's
        trace; an exception leaving it marks the span failed."""


class NoTracing:
    """Its own span, which records nothing."""

    @contextmanager
    def record(self, message: Message) -> Iterator[RecordSpan]:
        yield self

    def outcome(self, outcome: Outcome) -> None:
        return None

    def failed(self, error: BaseException) -> None:
        return None


NO_TRACING: RecordTracing = NoTracing()


@frozen
class CycleSettings:
    """`leases` None: every booking is ours, nothing read ahead. `retry_same_run_within`: see `LeaseRun`."""

    runner: RunsBookingTasks = SerialRunner()
    leases: BookingLeases | None = None
    retry_same_run_within: timedelta = timedelta(0)
    booking_order: BookingOrder = as_selected
    look_ahead: int = field(default=LOOK_AHEAD, validator=[ge(1), le(LOOK_AHEAD)])
    tracing: RecordTracing = NO_TRACING
