"""The operators' reports (SPEC §9), read-only and streamed, oldest created first. Date filters are exclusive
London wall-clock times, and "days old" counts on the wall clock, as the Kotlin service's LocalDateTimes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from attrs import frozen

from ptpu_core.models.events import EventType
from ptpu_core.models.record import Message, StoredState, SynchroniseState
from ptpu_core.models.service_time import wall_clock
from ptpu_core.ports import Clock, MessageRepository

NOT_MATCHED_STATES = frozenset(
    {SynchroniseState.NO_MATCH, SynchroniseState.NO_MATCH_WITH_SENTENCE_DATE, SynchroniseState.TOO_MANY_MATCHES}
)


def days_ago(clock: Clock, days: int) -> datetime:
    """London wall-clock time `days` calendar days before now (naive)."""
    return wall_clock(clock.now()) - timedelta(days=days)


def in_progress(repository: MessageRepository) -> Iterator[Message]:
    return repository.unprocessed()


def not_matched(repository: MessageRepository, clock: Clock, days_old: int) -> Iterator[Message]:
    """Unprocessed records the matcher could not place, created more than `days_old` days ago."""
    cutoff = days_ago(clock, days_old)
    return (m for m in repository.unprocessed(created_before=cutoff) if m.status in NOT_MATCHED_STATES)


@frozen
class ProcessedFilter:
    """Every bound is optional and exclusive (London wall-clock date-times, naive)."""

    location_id: str | None = None
    event_type: str | None = None
    processed_from: datetime | None = None
    processed_to: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def processed(repository: MessageRepository, filter: ProcessedFilter) -> Iterator[Message]:
    """Processed records in both date ranges, narrowed by location and event type, oldest created first."""
    selected = repository.processed_between(filter.processed_from, filter.processed_to, filter.created_from,
                                            filter.created_to)
    return (m for m in selected if filter.location_id in (None, m.location_id)
            and filter.event_type in (None, m.event_type))


# match-summary category names (SPEC §9) for the states a waiting record can be in.
CATEGORY_STATES: dict[str, SynchroniseState] = {
    "no-match": SynchroniseState.NO_MATCH,
    "no-match-sentence": SynchroniseState.NO_MATCH_WITH_SENTENCE_DATE,
    "too-many-matches": SynchroniseState.TOO_MANY_MATCHES,
    "book-number-set-fail": SynchroniseState.BOOKING_NUMBER_NOT_ASSIGNED,
    "location-set-fail": SynchroniseState.LOCATION_NOT_UPDATED,
    "key-dates-set-fail": SynchroniseState.KEY_DATES_NOT_UPDATED,
    "error-fail": SynchroniseState.ERROR,
}
# Keyed by the open stored value: a state this service does not know (e.g. MATCHED) is in no category.
_CATEGORY_OF_STATE: dict[StoredState | None, str] = {state: name for name, state in CATEGORY_STATES.items()}


def match_summary(
    repository: MessageRepository, clock: Clock, location_id: str | None, created_from: datetime | None,
    created_to: datetime | None, sla_days: int = 7,
) -> dict[str, Any]:
    """How the status-change records created in (`created_from`, `created_to`) at `location_id` fared, as the
    Kotlin service's JSON: completed (rejected: NO_LONGER_VALID; success), waiting (within the SLA; new: never
    tried; retry; by state's category) and exceeded-sla (unprocessed, older than `sla_days`)."""
    sla_cutoff = days_ago(clock, sla_days)
    records = repository.created_between(created_from, created_to, EventType.IMPRISONMENT_STATUS_CHANGED.value)
    counts: Counter[str] = Counter()  # success, rejected, waiting (new, retry) and exceeded
    categories: dict[str, Counter[str | None]] = {"waiting": Counter(), "exceeded": Counter()}
    for message in records:
        if location_id is not None and message.location_id != location_id:
            continue
        if message.is_processed:
            counts["rejected" if message.status is SynchroniseState.NO_LONGER_VALID else "success"] += 1
            continue
        group = "exceeded" if wall_clock(message.created_date) < sla_cutoff else "waiting"
        counts[group] += 1
        categories[group][_CATEGORY_OF_STATE.get(message.status)] += 1
        if group == "waiting":
            counts["new" if message.retry_count == 0 else "retry"] += 1
    waiting, exceeded = ({name: found[name] for name in CATEGORY_STATES} for found in categories.values())
    completed = counts["success"] + counts["rejected"]
    return {
        "total": completed + counts["waiting"] + counts["exceeded"],
        "completed": {"total": completed, "success": counts["success"], "rejected": counts["rejected"]},
        "waiting": {"total": counts["waiting"], "new": counts["new"], "retry": counts["retry"], "category": waiting},
        "exceeded-sla": {"total": counts["exceeded"], "category": exceeded},
    }
