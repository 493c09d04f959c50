"""Saving what processing decided for one record, and counting status changes (SPEC §6 step 5, §10).

An exception from processing becomes TryLater(ERROR) for that record (`failed`), so one record never stops
the cycle. A StoreFailure from the repository is raised: nothing is deleted or marked before its save.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from attrs import evolve

from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.models.service_time import instant
from ptpu_core.outcomes import Done, Outcome, try_later
from ptpu_core.ports import Clock, MessageRepository, Metrics
from ptpu_core.rules.retry_policy import epoch_seconds, processed_delete_by, retry_delete_by, tier_for
from ptpu_core.work.record_failures import RecordFailures

log = logging.getLogger("ptpu.synchronise")

# A record this close to its deleteBy will be gone before the next retry (SPEC §10).
LAST_CHANCE = timedelta(hours=24)


def days_to_success(created: datetime, now: datetime) -> int:
    """Whole days from `created` to `now`, plus one (a part day counts as a day): the value of the
    ptpu_statusChange histogram, as the existing service's RetryableEventMetricsService records it
    (36 hours -> 2)."""
    return (now - created).days + 1


def failed(
    message: Message, error: BaseException | None, tally: Counter[str], failures: RecordFailures
) -> Outcome:
    """TryLater(ERROR) for a record whose processing raised `error` (counted in `tally["errors"]`, logged
    through `failures`: a traceback for the first of its kind, then a count a minute): one record's failure
    must not stop the cycle, and a system failure is always retried (SPEC §6)."""
    tally["errors"] += 1
    failures.failed(message, error)
    return try_later(SynchroniseState.ERROR)


SYSTEM_FAILURE_RETRIES = "SYSTEM_FAILURES"  # ptpu_retries_total's tier for the retry of system failures


def outcome_label(outcome: Outcome) -> str:
    """The `outcome` of ptpu_records_total: `done`, `error` (TryLater(ERROR): a system failure, `failed`)
    or `retry` (any other TryLater: a business reason to try again)."""
    if isinstance(outcome, Done):
        return "done"
    return "error" if outcome.status.state == SynchroniseState.ERROR else "retry"


def _is_status_change(message: Message) -> bool:
    return message.event_type == EventType.IMPRISONMENT_STATUS_CHANGED.value


class OutcomeRecorder:
    """Writes one record's outcome to the repository and counts it (ptpu_records_total, ptpu_retries_total,
    and the status-change metrics)."""

    def __init__(self, repository: MessageRepository, clock: Clock, metrics: Metrics) -> None:
        self._repository = repository
        self._clock = clock
        self._metrics = metrics
        self.failures = RecordFailures(clock)  # the records failing for a system reason, by kind
        # Set when a TryLater(ERROR) is saved (and at start: records may be left from before), taken by
        # the retry of system failures. A plain flag: workers only ever set it, one scheduled job takes it.
        self._system_failure_saved = True

    def mark_system_failure(self) -> None:
        self._system_failure_saved = True

    def take_system_failure_mark(self) -> bool:
        """True when a system failure was saved since the last call (then cleared)."""
        saved, self._system_failure_saved = self._system_failure_saved, False
        return saved

    def apply(
        self,
        message: Message,
        outcome: Outcome,
        *,
        selected: bool = True,
        retry_run: bool = False,
        counts_system_failure: bool = True,
    ) -> None:
        """Save what processing decided (SPEC §6 step 5) and count status changes (SPEC §10).
        `selected`: the cycle picked this record itself (its own schedule), rather than taking it
        along with another record of its booking; only then may a final failure be counted.
        `retry_run`: a retry run (SPEC §8, or the retry of system failures) rather than initial processing
        (SPEC §6). `counts_system_failure` False (the retry of system failures): a TryLater(ERROR) keeps
        the record's retry count, so that run never moves a record into a later tier.
        Raises StoreFailure when the repository cannot be written.

        deleteBy, as the existing service (prison-to-probation-update, entity/Message.kt and its callers):
        Done -> now + 30 days (`markAsProcessed`, from both runs), so a processed record stays in the
        reports for 30 days however late it succeeded. TryLater -> the outcome's retry-until date only
        when a retry tier tries the record again (MessageRetryService saves `retry(retryUntil, status)`);
        in initial processing (MessageAggregator saves `retry(status)`) and for a record never tried
        before (which only initial processing took there), deleteBy is left as it is.
        """
        self.failures.tick()  # a kind of failure quiet for a minute is over
        now = instant(self._clock.now())
        # An outcome without CRNs keeps the candidates already stored (an ERROR retry must not erase
        # them), as Message.retry / markAsProcessed set matchingCrns only when the status has some.
        crns = outcome.status.crns_text or message.matching_crns
        if isinstance(outcome, Done):
            updated = evolve(
                message,
                processed_date=now,
                status=outcome.status.state,
                matching_crns=crns,
                delete_by=processed_delete_by(now),
            )
        else:
            system_failure = outcome.status.state is SynchroniseState.ERROR
            if system_failure:
                self._system_failure_saved = True
            counted = counts_system_failure or not system_failure
            retry_until = outcome.retry_until if retry_run and message.retry_count > 0 else None
            updated = evolve(
                message,
                retry_count=message.retry_count + (1 if counted else 0),
                status=outcome.status.state,
                matching_crns=crns,
                delete_by=retry_delete_by(message.delete_by, retry_until, now),
            )
        self._repository.update(updated)
        log.info(
            "booking %s: %s message %s -> %s %s (retry count %s)",
            message.booking_id,
            message.event_type,
            message.log_ref,
            type(outcome).__name__,
            outcome.status.state.value,
            updated.retry_count,
        )
        self._metrics.record_processed(message.event_type, outcome_label(outcome))
        tier = tier_for(message.retry_count)
        if tier is not None:  # the retry of system failures counts apart: its probes are no tier's retries
            self._metrics.record_retried(tier.name if counts_system_failure else SYSTEM_FAILURE_RETRIES)
        if _is_status_change(message):
            self._count_status_change(message, updated, outcome, now, selected)

    def _count_status_change(
        self, before: Message, after: Message, outcome: Outcome, now: datetime, selected: bool
    ) -> None:
        # As the existing service counts (so the Grafana panels read the same): every Done is a success,
        # a TryLater is a failure only when the record will expire before another retry; total = both.
        # A failure is counted once per record: only by the record's own scheduled retry in its last
        # 24 hours. By then it is in the LONG tier (run once a day by default, and an expired record is
        # no longer selected), so exactly one run counts it; a new event's cycle that takes it along
        # with its booking in that day tries it again without counting it again.
        if isinstance(outcome, Done):
            self._metrics.status_change("total")
            self._metrics.status_change("success")
            days = days_to_success(before.created_date, now)
            self._metrics.status_change_succeeded(retries=before.retry_count, days=days)
        elif selected and _is_last_chance(after, now):
            self._metrics.status_change("total")
            self._metrics.status_change("fail")


def _is_last_chance(message: Message, now: datetime) -> bool:
    """True when the record expires within 24 hours, before any further retry can save it."""
    return message.delete_by - epoch_seconds(now) <= LAST_CHANCE.total_seconds()
