"""The stored record: one validated event awaiting (or done with) processing. SPEC §5."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from attrs import define, field

from ptpu_core.service_time import instant, optional_instant


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

    `created_date` / `processed_date` are aware UTC datetimes (a naive value given is read as London
    wall-clock time, see `service_time`); the store writes them as London wall-clock ISO date-times,
    as the existing service does. `delete_by` is epoch seconds (TTL).
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
    status: SynchroniseState | None = None
    matching_crns: str | None = None

    @property
    def is_processed(self) -> bool:
        return self.processed_date is not None
