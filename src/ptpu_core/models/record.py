"""The stored record: one validated event awaiting (or done with) processing. SPEC §5."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum

from attrs import define, field

from ptpu_core.models.field_kinds import string_set
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


StoredState = SynchroniseState | str
"""A stored record's `status`: an open value. The existing service stores it as a plain string
(`entity/Message.kt`: `var status: String?`) and its own tests store values such as `MATCHED` that
are no member of SynchroniseState; such a value is kept verbatim, so reports list it as stored."""


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
    """One stored event. Mutable: processing updates retry count, status and dates in place.

    `created_date` / `processed_date` are aware UTC datetimes (a naive value given is read as London
    wall-clock time, see `service_time`); the store writes them as London wall-clock ISO date-times,
    as the existing service does. `delete_by` is epoch seconds (TTL).
    `status` is a SynchroniseState, or the raw string of a state this service does not know.
    """

    id: str
    booking_id: int
    event_type: str
    message: str
    created_date: datetime = field(converter=instant)
    delete_by: int
    retry_count: int = 0
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
    # The W3C trace context (`traceparent` / `tracestate` header values) of the event that created the
    # record, so its processing joins the same trace. Opaque text to the core; set by the store.
    trace_parent: str | None = None
    trace_state: str | None = None
    # The MessageId of the SNS notification that brought the event (what `ptpu publish` prints and the
    # record id is derived from), so the record's log lines can be joined to it; None without one.
    sns_message_id: str | None = None

    @property
    def log_ref(self) -> str:
        """How log lines name the record: "<id>", or "<id> (SNS <MessageId>)" when it came with one."""
        return f"{self.id} (SNS {self.sns_message_id})" if self.sns_message_id else self.id

    @property
    def is_processed(self) -> bool:
        return self.processed_date is not None
