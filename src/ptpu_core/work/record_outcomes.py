"""Saving what processing decided for one record and counting it (SPEC §6 step 5, §10; the Kotlin Message.kt,
MessageAggregator, MessageRetryService, RetryableEventMetricsService)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import PurePath

from attrs import define, evolve, field

from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.models.service_time import instant
from ptpu_core.outcomes import Done, Outcome, try_later
from ptpu_core.ports import Clock, MessageRepository, Metrics
from ptpu_core.rules.retry_policy import epoch_seconds, initial_delete_by, retry_delete_by, tier_for
from ptpu_core.work.outage_log import REPORT_INTERVAL_SECONDS, OutageLog

log = logging.getLogger("ptpu.synchronise")

LAST_CHANCE = timedelta(hours=24)


def days_to_success(created: datetime, now: datetime) -> int:
    """Whole days from `created` to `now`, plus one (36 hours -> 2): ptpu_statusChange's value."""
    return (now - created).days + 1


SYSTEM_FAILURE_RETRIES = "SYSTEM_FAILURES"  # ptpu_retries_total's tier for the retry of system failures


def is_system_failure(outcome: Outcome) -> bool:
    """A TryLater(ERROR): processing failed on something outside, retried by the retry of system failures."""
    return not isinstance(outcome, Done) and outcome.status.state is SynchroniseState.ERROR


def outcome_label(outcome: Outcome) -> str:
    """The `outcome` of ptpu_records_total: `done`, `error` (TryLater(ERROR)) or `retry` (any other TryLater)."""
    if isinstance(outcome, Done):
        return "done"
    return "error" if is_system_failure(outcome) else "retry"


@define
class OutcomeRecorder:
    """StoreFailure when the repository cannot be written. Failures are logged by kind (an `OutageLog` each),
    cleared at the next record once quiet for a minute: one that avoids the failing upstream succeeds mid-outage."""

    _repository: MessageRepository
    _clock: Clock
    _metrics: Metrics
    _guard: threading.Lock = field(init=False, factory=threading.Lock)
    _kinds: dict[tuple[str, str], OutageLog] = field(init=False, factory=dict)
    # Set on saving a TryLater(ERROR) (and at start), taken by the retry of system failures.
    _system_failure_saved: bool = field(init=False, default=True)

    def mark_system_failure(self) -> None:
        self._system_failure_saved = True

    def take_system_failure_mark(self) -> bool:
        """True when a system failure was saved since the last call (then cleared)."""
        saved, self._system_failure_saved = self._system_failure_saved, False
        return saved

    def _failed(self, message: Message, error: BaseException) -> Outcome:
        """TryLater(ERROR) for a record whose processing raised `error`, logged (or counted) by kind (SPEC §6)."""
        kind = kind_of(error)
        with self._guard:
            outage = self._kinds.get(kind)
            if outage is None:
                activity = f"Processing records ({kind[0]})"
                outage = self._kinds[kind] = OutageLog(log, activity, lambda: self._clock.now().timestamp())
        about = f"booking {message.booking_id}: {message.event_type} message {message.log_ref}; will retry"
        outage.failure(error, about=about)
        return try_later(SynchroniseState.ERROR)

    def _tick(self) -> None:
        """End (one line each) the kinds that have not failed for a minute."""
        with self._guard:
            outages = list(self._kinds.items())
        for kind, outage in outages:
            if outage.clear_if_quiet(REPORT_INTERVAL_SECONDS):
                with self._guard:
                    if self._kinds.get(kind) is outage and not outage.failing:
                        del self._kinds[kind]

    def apply(
        self, message: Message, result: Outcome | Exception, *, selected: bool = True, retry_run: bool = False,
        counts_system_failure: bool = True,
    ) -> Outcome:
        """Save `result` (an Exception: processing raised it, saved as TryLater(ERROR)) and answer the outcome saved.
        `selected`: the cycle selected this record itself (only then is a final failure counted);
        `retry_run`: not SPEC §6; `counts_system_failure` False: a TryLater(ERROR) keeps the retry count. deleteBy
        as Message.kt: Done -> now + 30 days; TryLater -> retry-until when a retry run retries a record tried before."""
        self._tick()  # a kind of failure quiet for a minute is over
        outcome = self._failed(message, result) if isinstance(result, Exception) else result
        now = instant(self._clock.now())
        # joined as the Kotlin joinToString(); none keeps those stored (as Message.retry / markAsProcessed)
        crns = ", ".join(outcome.status.matching_crns) or message.matching_crns
        if isinstance(outcome, Done):
            updated = evolve(message, processed_date=now, status=outcome.status.state, matching_crns=crns,
                             delete_by=initial_delete_by(now))
        else:
            system_failure = is_system_failure(outcome)
            if system_failure:
                self._system_failure_saved = True
            counted = counts_system_failure or not system_failure
            retry_until = outcome.retry_until if retry_run and message.retry_count > 0 else None
            updated = evolve(message, retry_count=message.retry_count + (1 if counted else 0),
                             status=outcome.status.state, matching_crns=crns,
                             delete_by=retry_delete_by(message.delete_by, retry_until, now))
        self._repository.update(updated)
        log.info("booking %s: %s message %s -> %s %s (retry count %s)", message.booking_id, message.event_type,
                 message.log_ref, type(outcome).__name__, outcome.status.state.value, updated.retry_count)
        self._metrics.record_processed(message.event_type, outcome_label(outcome))
        tier = tier_for(message.retry_count)
        if tier is not None:  # the retry of system failures counts apart: its probes are no tier's retries
            self._metrics.record_retried(tier.name if counts_system_failure else SYSTEM_FAILURE_RETRIES)
        if message.event_type == EventType.IMPRISONMENT_STATUS_CHANGED.value:
            # As the Kotlin service counts: every Done is a success; a TryLater is a failure once, by the
            # record's own (LONG tier, daily) retry in its last 24 hours; total = both.
            succeeded = isinstance(outcome, Done)
            if succeeded or (selected and updated.delete_by - epoch_seconds(now) <= LAST_CHANCE.total_seconds()):
                self._metrics.status_change("total")
                self._metrics.status_change("success" if succeeded else "fail")
            if succeeded:
                days = days_to_success(message.created_date, now)
                self._metrics.status_change_succeeded(retries=message.retry_count, days=days)
        return outcome


def kind_of(error: BaseException) -> tuple[str, str]:
    """(label, where raised): ("UpstreamFailure from prison-api (HTTP 5xx)", ...), ("KeyError at m.py:4", "m.py:4")."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f"{PurePath(frame.tb_frame.f_code.co_filename).name}:{frame.tb_lineno}" if frame else ""
    label = type(error).__name__
    if isinstance(error, UpstreamFailure):
        label += f" from {error.service}"
        if error.status is not None:
            label += f" (HTTP {error.status // 100}xx)"
    elif where:
        label += f" at {where}"
    return label, where
