"""Saving what processing decided for one record, and counting status changes (SPEC §6 step 5, §10).

Split out of `synchronise` (which walks the cycle's bookings): this module owns one record's outcome
from the moment the processor answers. An exception from the processor becomes TryLater(ERROR) for
that record (`failed`), so one record never stops the cycle. A staged outcome (`save_staged`) carries
the record's effect journal on its one store write (issue 13 §3, `ptpu_core.effect_journal`).
A `StoreFailure` from the repository is not caught here: the cycle stops, and since nothing is deleted
or marked before its outcome is saved, nothing is lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from attrs import evolve

from ptpu_core.errors import StoreFailure
from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Done, Outcome, try_later
from ptpu_core.ports import Clock, MessageRepository, Metrics
from ptpu_core.processors.dispatch import StagedProcessing
from ptpu_core.retry_policy import epoch_seconds, retry_delete_by, tier_for
from ptpu_core.service_time import instant

log = logging.getLogger("ptpu.synchronise")  # the cycle's logger, as before the split

# A record this close to its deleteBy will be gone before the next retry (SPEC §10).
LAST_CHANCE = timedelta(hours=24)


def days_to_success(created: datetime, now: datetime) -> int:
    """Whole days from `created` to `now`, plus one (a part day counts as a day): the value of the
    ptpu_statusChange histogram, as the existing service's RetryableEventMetricsService records it
    (36 hours -> 2)."""
    return (now - created).days + 1


def failed(message: Message, error: BaseException | None, tally: Counter[str]) -> Outcome:
    """TryLater(ERROR) for a record whose processing raised `error` (counted in `tally["errors"]`):
    one record's failure must not stop the cycle, and a system failure is always retried (SPEC §6)."""
    tally["errors"] += 1
    log.error(
        "booking %s: processing %s message %s failed; will retry",
        message.booking_id,
        message.event_type,
        message.id,
        exc_info=error,
    )
    return try_later(SynchroniseState.ERROR)


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

    def save_staged(self, staged: StagedProcessing, message: Message, selected: bool, tally: Counter[str]) -> Outcome:
        """Save the outcome with the record's journal on it (one store write), then emit its effects; when
        the save fails, journal alone (so no landed write or emitted effect is repeated) and re-raise."""
        outcome = staged.outcome if staged.outcome is not None else failed(message, staged.error, tally)
        try:
            self.apply(message, outcome, selected=selected)
        except BaseException:
            try:
                staged.save_failed()
            except StoreFailure:
                log.warning(
                    "booking %s: record %s's journal could not be written either", message.booking_id, message.id
                )
            raise
        staged.saved()
        return outcome

    def apply(self, message: Message, outcome: Outcome, *, selected: bool = True) -> None:
        """Save what processing decided (SPEC §6 step 5) and count status changes (SPEC §10).
        `selected`: the cycle picked this record itself (its own schedule), rather than taking it
        along with another record of its booking; only then may a final failure be counted.
        Raises StoreFailure when the repository cannot be written."""
        now = instant(self._clock.now())
        # As the existing service's Message.retry / markAsProcessed (issue 10 §5): an outcome without CRNs
        # keeps the candidates already stored (an ERROR retry must not erase them), and processing a
        # record leaves deleteBy as it was; only a retry-until date moves it.
        crns = outcome.status.crns_text or message.matching_crns
        if isinstance(outcome, Done):
            updated = evolve(message, processed_date=now, status=outcome.status.state, matching_crns=crns)
        else:
            updated = evolve(
                message,
                retry_count=message.retry_count + 1,
                status=outcome.status.state,
                matching_crns=crns,
                delete_by=retry_delete_by(message.delete_by, outcome.retry_until, now),
            )
        self._repository.update(updated)
        log.info(
            "booking %s: %s message %s -> %s %s (retry count %s)",
            message.booking_id,
            message.event_type,
            message.id,
            type(outcome).__name__,
            outcome.status.state.value,
            updated.retry_count,
        )
        self._metrics.record_processed(message.event_type, outcome_label(outcome))
        tier = tier_for(message.retry_count)
        if tier is not None:
            self._metrics.record_retried(tier.name)
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
