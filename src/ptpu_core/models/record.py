"""The stored record: one validated event awaiting (or done with) processing. SPEC §5."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum

from attrs import define, field

from ptpu_core.models.field_kinds import is_whole, string_set
from ptpu_core.models.service_time import instant, optional_instant


class SynchroniseState(str, Enum):
    ERROR = "ERROR"
    NOT_VALID = "NOT_VALID"
    VALIDATED = "VALIDATED"
    NO_MATCH = "NO_MATCH"
    NO_MATCH_WITH_SENTENCE_DATE = "NO_MATCH_WITH_SENTENCE_DATE"
    TOO_MANY_MATCHES = "TOO_MANY_MATCHES"
    BOOKING_NUMBER_NOT_ASSIGNED = "BOOKING_NUMBER_NOT_ASSIGNED"
    LOCATION_NOT_UPDATED = "LOCATION_NOT_UPDATED"
    KEY_DATES_NOT_UPDATED = "KEY_DATES_NOT_UPDATED"
    COMPLETED = "COMPLETED"
    NO_LONGER_VALID = "NO_LONGER_VALID"


# A stored `status` is open (the Kotlin Message.kt's `String?`): a value no member names (`MATCHED`) is kept.
StoredState = SynchroniseState | str


def state_of(text: str) -> StoredState:
    """The SynchroniseState member named `text`, or `text` itself when it names none (never raises)."""
    try:
        return SynchroniseState(text)
    except ValueError:
        return text


def state_text(state: StoredState) -> str:
    """The stored string of a state, known or not: `state_text(SynchroniseState.ERROR) == "ERROR"`."""
    return state.value if isinstance(state, SynchroniseState) else state


def _steps(steps: Iterable[str]) -> frozenset[str]:
    return string_set(steps, "applied_steps")


@define
class Message:
    """One stored event. Dates are aware UTC (naive: London wall-clock time); `delete_by`: TTL, epoch seconds."""

    id: str
    booking_id: int = field(validator=is_whole)
    event_type: str
    message: str
    created_date: datetime = field(converter=instant)
    delete_by: int = field(validator=is_whole)
    retry_count: int = field(default=0, validator=is_whole)
    processed_date: datetime | None = field(default=None, converter=optional_instant)
    reportable: bool = False
    offender_no: str | None = None
    booking_no: str | None = None
    location_id: str | None = None
    location_description: str | None = None
    recall: bool | None = None
    legal_status: str | None = None
    status: StoredState | None = None
    matching_crns: str | None = None
    # What processing already did for this record (ptpu_core.work.effect_journal).
    applied_steps: frozenset[str] = field(factory=frozenset, converter=_steps)
    # The W3C trace context (`traceparent` / `tracestate`) of the event that created the record; opaque.
    trace_parent: str | None = None
    trace_state: str | None = None
    # The MessageId of the SNS notification that brought the event (its id derives from it); None without one.
    sns_message_id: str | None = None

    @property
    def log_ref(self) -> str:
        """How log lines name the record: "<id>", or "<id> (SNS <MessageId>)" when it came with one."""
        return f"{self.id} (SNS {self.sns_message_id})" if self.sns_message_id else self.id

    @property
    def is_processed(self) -> bool:
        return self.processed_date is not None
