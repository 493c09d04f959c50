"""The stored record: one validated event awaiting (or done with) processing. SPEC §5."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from attrs import define


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


@define
class Message:
    """One stored event. Mutable: processing updates retry count, status and dates in place.

    `created_date` / `processed_date` are naive local date-times (the wire form is ISO
    local date-time, as the existing service stores). `delete_by` is epoch seconds (TTL).
    """

    id: str
    booking_id: int
    event_type: str
    message: str
    created_date: datetime
    delete_by: int
    retry_count: int = 0
    processed_date: datetime | None = None
    reportable: bool = False
    offender_no: str | None = None
    booking_no: str | None = None
    location_id: str | None = None
    location_description: str | None = None
    recall: bool | None = None
    legal_status: str | None = None
    status: SynchroniseState | None = None
    matching_crns: str | None = None
    # What processing already did for this record (ptpu_core.effect_journal; issue 13 §3).
    applied_steps: frozenset[str] = frozenset()

    @property
    def is_processed(self) -> bool:
        return self.processed_date is not None
