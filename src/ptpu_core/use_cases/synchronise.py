"""Phases 2 and 3 (SPEC §6, §8, §10; the Kotlin MessageAggregator and MessageRetryService): select the due
bookings, then per booking take its lease, read its records again under it (none still selected: `stale`),
aggregate them, and process and save each kept one through its `BookingWork`. A retry run takes the booking's
records but those inside the hold-back. No booking starts after `deadline`, or once `stop` is asked (`deferred`).
A processing exception is that record's TryLater(ERROR); a StoreFailure stops the cycle, losing nothing."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Protocol

from attrs import evolve, frozen

from ptpu_core.errors import StoreFailure
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.models.service_time import instant
from ptpu_core.outcomes import Done, Outcome
from ptpu_core.ports import MessageRepository
from ptpu_core.processors import dispatch
from ptpu_core.rules.aggregation import aggregate
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.settings import DomainSettings
from ptpu_core.work.cycle import (
    PROCESS_DUE,
    CycleSettings,
    CycleSummary,
    LeaseLost,
    LeaseRun,
    NoLeases,
    booking_lease,
    confirm_lease,
    distinct_bookings,
)
from ptpu_core.work.effect_journal import AppliedStepStore
from ptpu_core.work.record_outcomes import OutcomeRecorder, is_system_failure
from ptpu_core.work.unit_of_work import BookingWork, DryRun, Ports

log = logging.getLogger("ptpu.synchronise")

Process = Callable[[Message, BookingWork], Outcome]
LEASE_SHARE = 0.5  # a booking's pass starts no record once this share of its lease has gone by


class Store(MessageRepository, AppliedStepStore, Protocol):
    """The message table: records, and each record's journal."""


Selector = Callable[[Message], bool]


@frozen
class _Pass:
    """`selects`: the selection, checked again on each booking's consistent read; `joins`: which of a booking's
    records the pass may process with the selected ones; `probe`: a probe run's bookings, True when one ended
    failing again."""

    selects: Selector
    run: LeaseRun = PROCESS_DUE
    joins: Selector = lambda m: True
    probe: dict[int, bool] | None = None


def _not_held_back(cutoff: datetime) -> Selector:
    """A record `process_due` has not yet taken (never tried and inside the hold-back) is left to it."""
    return lambda m: not (m.retry_count == 0 and m.created_date >= cutoff)


class SynchronisationService:
    """`dry_run`: how Delius writes are reported instead of made while `settings.dry_run`."""

    def __init__(
        self, repository: Store, ports: Ports, settings: DomainSettings, cycle: CycleSettings = CycleSettings(), *,
        dry_run: DryRun | None = None, process: Process = dispatch.process,
    ) -> None:
        if dry_run and settings.dry_run:
            ports = evolve(ports, community_api=dry_run.writes(ports.community_api, ports.telemetry))
        self._repository = repository
        self._ports = ports
        self._settings = settings
        self._cycle = cycle
        self._leases = cycle.leases or NoLeases()
        self._process = process
        self._outcomes = OutcomeRecorder(repository, ports.clock, ports.metrics)
        self._probe_failed: set[int] = set()  # bookings that failed again in the last probe runs
        self._stopping = threading.Event()

    def stop(self) -> None:
        """For the service's stop, from any thread, for good: every cycle, running or to come, starts no more
        bookings (those read ahead counted `deferred`; the rest of the selection is not read); the bookings in hand
        finish and the cycle returns."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """True once `stop` was asked (for good): e.g. an on-request run answers that the service is stopping."""
        return self._stopping.is_set()

    def _cutoff(self) -> datetime:
        return instant(self._ports.clock.now()) - self._settings.hold_back

    def process_due(self, *, deadline: datetime | None = None) -> CycleSummary:
        """SPEC §6: records never tried and older than the hold-back; no booking starts at or after `deadline`."""
        cutoff = self._cutoff()
        due = distinct_bookings(self._repository.unprocessed_created_before(cutoff))
        return self._synchronise(due, _Pass(lambda m: m.retry_count == 0 and m.created_date < cutoff), deadline)

    def retry(self, tier: RetryTier, *, deadline: datetime | None = None) -> CycleSummary:
        """SPEC §8: records whose retry count is in `tier`; no booking starts at or after `deadline`."""
        started = instant(self._ports.clock.now())
        selected = distinct_bookings(self._repository.unprocessed_with_retries(tier.min_retries, tier.max_retries))
        run = LeaseRun(tier, started, self._cycle.retry_same_run_within)
        cycle = _Pass(lambda m: tier.covers(m.retry_count), run, _not_held_back(started - self._settings.hold_back))
        return self._synchronise(selected, cycle, deadline)

    def system_failures(self, *, limit: int) -> list[int]:
        """At most `limit` bookings with a record in ERROR in the short tier, those failing in an earlier probe last."""
        short = RetryTier.SHORT
        selected = (m for m in self._repository.unprocessed_with_retries(short.min_retries, short.max_retries)
                    if _system_failure(m))
        return sorted(distinct_bookings(selected), key=lambda booking: booking in self._probe_failed)[:limit]

    def retry_system_failures(
        self, *, limit: int, deadline: datetime | None = None, only_after_failures: bool = False
    ) -> CycleSummary:
        """`probe` with the `system_failures` bookings. `only_after_failures`: read nothing unless a system failure
        was saved since the last run."""
        if only_after_failures and not self._outcomes.take_system_failure_mark():
            return CycleSummary()
        return self.probe(self.system_failures(limit=limit), deadline=deadline)

    def probe(self, bookings: Sequence[int], *, deadline: datetime | None = None) -> CycleSummary:
        """Retry the system failures of `bookings` (as `system_failures` lists them): the first alone (while an
        upstream is down a run costs one booking's calls), then the rest until PROBE_FAILURES have failed again;
        a repeat is saved without counting a retry."""
        finished: dict[int, bool] = {}
        probe = _Pass(_system_failure, joins=_not_held_back(self._cutoff()), probe=finished)
        failed_before = self._probe_failed
        try:
            summary = self._synchronise(bookings[:1], probe, deadline)
            if any(finished.values()):
                log.info("Retry of system failures: booking %s failed again; the next run tries again", bookings[0])
            elif len(bookings) > 1:
                summary += self._synchronise(bookings[1:], probe, deadline)
        finally:
            failing = {b for b, bad in finished.items() if bad}
            self._probe_failed = failing | {b for b in failed_before if b in bookings and b not in finished}
            if failing or len(finished) < len(bookings):
                self._outcomes.mark_system_failure()  # some are left: the next run looks again
        return summary

    def _synchronise(self, booking_ids: Iterable[int], cycle: _Pass, deadline: datetime | None) -> CycleSummary:
        tally: Counter[str] = Counter()  # CycleSummary's field names; the runner's calling thread only
        self._leases.new_cycle()  # before the (lazy) selection is read
        for counts in self._cycle.runner.run_all(self._tasks(booking_ids, cycle, deadline, tally)):
            tally.update(counts)
        return CycleSummary(**tally)

    def _tasks(
        self, booking_ids: Iterable[int], cycle: _Pass, deadline: datetime | None, tally: Counter[str]
    ) -> Iterator[Callable[[], Counter[str]]]:
        """One task per booking, pulled as a worker comes free, until a probe fails again, `deadline` passes or
        `stop` is asked. The leases of a look-ahead chunk are read together (again after a refusal, never after a
        failed read)."""
        remaining = iter(booking_ids if cycle.probe is not None else self._cycle.booking_order(booking_ids))
        size = 1 if self._cycle.leases is None else self._cycle.look_ahead
        refused = threading.Event()  # set by a worker whose lease was refused: read the look-ahead again
        reading = True
        while chunk := list(islice(remaining, size)):
            skipped: Collection[int] | None = None  # read once the chunk's first booking may start
            for position, booking_id in enumerate(chunk):
                if cycle.probe is not None and _probe_failing_again(cycle.probe):
                    return
                stopping = self._stopping.is_set()
                if stopping or (deadline is not None and instant(self._ports.clock.now()) >= instant(deadline)):
                    # Stopping, the job returns at once (releasing the lock), the selection read no further; at the
                    # deadline, counting the rest reads only the selection's index, never a booking's records.
                    tally["deferred"] = len(chunk) - position + (0 if stopping else sum(1 for _ in remaining))
                    log.info("Stop requested: %d bookings read ahead, and the unread rest of the selection, left for"
                             " the next cycle" if stopping else f"Cycle deadline {deadline} reached: %d bookings left"
                             " for the next cycle", tally["deferred"])
                    return
                if reading and (skipped is None or refused.is_set()):
                    refused.clear()
                    skipped = self._leased_elsewhere(chunk[position:], cycle.run)
                    reading = skipped is not None
                if booking_id in (skipped or ()):  # no write: the next cycle selects it again if still due
                    tally["leased_elsewhere"] += 1
                    log.debug("booking %s: read as leased by another pod (or done since); skipped", booking_id)
                    continue
                yield partial(self._leased_booking, booking_id, cycle, refused)

    def _leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int] | None:
        """The bookings among `booking_ids` to skip; None when the leases could not be read (logged)."""
        try:
            return self._leases.leased_elsewhere(booking_ids, run)
        except StoreFailure as failure:
            log.warning("Could not read ahead the leases of %d bookings (%s); this cycle tries each lease without it",
                        len(booking_ids), failure)
            return None

    def _leased_booking(self, booking_id: int, cycle: _Pass, refused: threading.Event) -> Counter[str]:
        """One booking on one worker, under its lease; returns its own tally, merged by the caller."""
        tally: Counter[str] = Counter()
        lease = self._leases.lease
        # Read before asking, so the bound errs early rather than late.
        stop_at = None if lease is None else instant(self._ports.clock.now()) + lease * LEASE_SHARE
        with booking_lease(self._leases, booking_id, cycle.run) as leased:
            if not leased:
                refused.set()
                tally["leased_elsewhere"] += 1
                log.debug("booking %s: leased by another pod (or done by this tick's run); skipped", booking_id)
                return tally
            saved: list[Outcome] = []
            try:
                self._synchronise_booking(booking_id, cycle, stop_at, tally, saved)
            except LeaseLost:
                tally["lease_lost"] += 1
                log.warning("booking %s: this pod no longer holds its lease; it writes nothing more to Delius for the"
                            " booking and leaves the record in hand unprocessed, with the journal of what landed, for"
                            " whoever holds it", booking_id)
        if cycle.probe is not None and saved:  # failing again: a record ended in a system failure
            cycle.probe[booking_id] = any(is_system_failure(outcome) for outcome in saved)
        return tally

    def _synchronise_booking(
        self, booking_id: int, cycle: _Pass, stop_at: datetime | None, tally: Counter[str], saved: list[Outcome]
    ) -> None:
        """The leased booking's records, each outcome added to `saved` once stored; LeaseLost ends the pass."""
        records = [m for m in self._repository.unprocessed_for_booking(booking_id) if cycle.joins(m)]
        if not any(cycle.selects(m) for m in records):
            tally["stale"] += 1
            log.info("booking %s: no record is selected any more (the index lagged); skipped", booking_id)
            return
        aggregation = aggregate(records)
        tally["bookings"] += 1
        for duplicate in aggregation.duplicates:
            self._repository.delete(duplicate)
            tally["duplicates_deleted"] += 1
            log.info("booking %s: deleted duplicate %s message %s", booking_id, duplicate.event_type, duplicate.id)
        work = BookingWork(self._ports, self._settings, store=self._repository,
                           lease=partial(confirm_lease, self._leases, booking_id, cycle.run),
                           save=partial(self._save, cycle=cycle, tally=tally))
        for message in aggregation.kept:
            if stop_at is not None and instant(self._ports.clock.now()) >= stop_at:
                tally["cut_short"] += 1
                log.warning("booking %s: its lease is half spent; the rest of its records are left for the next"
                            " cycle", booking_id)
                break
            outcome = self._record(message, work)
            saved.append(outcome)
            tally["processed"] += 1
            tally["done" if isinstance(outcome, Done) else "retried"] += 1

    def _record(self, message: Message, work: BookingWork) -> Outcome:
        """Process one record and save its outcome; on LeaseLost the record keeps only the journal of what landed."""
        with self._cycle.tracing.record(message) as span:
            work.begin(message)
            result: Outcome | Exception
            try:
                result = self._process(message, work)
            except LeaseLost:
                work.flush()  # journal what landed, so the booking's new holder does not send it again
                raise
            except Exception as error:  # noqa: BLE001 - the record's failure, saved as TryLater(ERROR)
                span.failed(error)
                result = error
            except BaseException:
                work.flush()  # interrupted: journal what landed now, nobody will save an outcome
                raise
            outcome = work.commit(result)
            span.outcome(outcome)
        return outcome

    def _save(self, message: Message, result: Outcome | Exception, *, cycle: _Pass, tally: Counter[str]) -> Outcome:
        if isinstance(result, Exception):
            tally["errors"] += 1
        retry_run = cycle.run.tier is not None or cycle.probe is not None
        return self._outcomes.apply(message, result, selected=cycle.selects(message), retry_run=retry_run,
                                    counts_system_failure=cycle.probe is None)


PROBE_FAILURES = 3  # a probe run stops once this many of its bookings have failed again


def _system_failure(message: Message) -> bool:
    return message.status == SynchroniseState.ERROR and RetryTier.SHORT.covers(message.retry_count)


def _probe_failing_again(finished: dict[int, bool]) -> bool:
    """PROBE_FAILURES bookings have failed again, and more have failed than succeeded (logged: the run stops)."""
    failing = sum(finished.values())
    if failing >= PROBE_FAILURES and failing > len(finished) - failing:
        log.info("Retry of system failures stopped: %d of %d bookings failed again; the next run tries again",
                 failing, len(finished))
        return True
    return False
