"""The NOMIS offender events we act on, and the inner messages they carry."""

from __future__ import annotations

from enum import Enum

from attrs import frozen


class EventType(str, Enum):
    IMPRISONMENT_STATUS_CHANGED = "IMPRISONMENT_STATUS-CHANGED"
    EXTERNAL_MOVEMENT_RECORD_INSERTED = "EXTERNAL_MOVEMENT_RECORD-INSERTED"
    BOOKING_NUMBER_CHANGED = "BOOKING_NUMBER-CHANGED"
    SENTENCE_DATES_CHANGED = "SENTENCE_DATES-CHANGED"
    CONFIRMED_RELEASE_DATE_CHANGED = "CONFIRMED_RELEASE_DATE-CHANGED"

    @classmethod
    def of(cls, value: str) -> EventType | None:
        """The event type named `value`, or None for an event type we do not handle."""
        try:
            return cls(value)
        except ValueError:
            return None


# Processing order within one booking (SPEC §6 step 3); unknown types sort last.
EVENT_PRIORITY: dict[str, int] = {
    EventType.IMPRISONMENT_STATUS_CHANGED.value: 0,
    EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value: 1,
    EventType.SENTENCE_DATES_CHANGED.value: 2,
    EventType.CONFIRMED_RELEASE_DATE_CHANGED.value: 3,
    EventType.BOOKING_NUMBER_CHANGED.value: 4,
}
OTHER_EVENT_PRIORITY = 99


@frozen
class ImprisonmentStatusChangedEvent:
    booking_id: int
    imprisonment_status_seq: int


@frozen
class ExternalMovementInsertedEvent:
    booking_id: int
    movement_seq: int


@frozen
class BookingNumberChangedEvent:
    booking_id: int


@frozen
class SentenceDatesChangedEvent:
    booking_id: int


@frozen
class ConfirmedReleaseDateChangedEvent:
    booking_id: int


OffenderEvent = (
    ImprisonmentStatusChangedEvent
    | ExternalMovementInsertedEvent
    | BookingNumberChangedEvent
    | SentenceDatesChangedEvent
    | ConfirmedReleaseDateChangedEvent
)
