"""Capability switches: which kinds of Delius write this deployment makes (SPEC §7 "Matching" steps 7-9, merges);
a write switched off is left to the hmpps-probation-integration-services service that took it over. Each skip is
a P2PSkippedByConfiguration event."""

from __future__ import annotations

from enum import Enum
from typing import Final

from attrs import field, frozen

from ptpu_core.models.events import EventType
from ptpu_core.models.field_kinds import is_bool


class Capability(str, Enum):
    """One kind of Delius write; the value is what `P2PSkippedByConfiguration.capability` says."""

    MATCHING = "matching"
    LOCATION = "location"
    KEY_DATES = "keyDates"
    MERGES = "merges"


# Which capabilities each event type we handle serves (SPEC §7): a type is worth storing while any is on.
SERVES: Final[dict[str, frozenset[Capability]]] = {
    EventType.IMPRISONMENT_STATUS_CHANGED.value: frozenset(Capability) - {Capability.MERGES},
    EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value: frozenset({Capability.LOCATION}),
    EventType.SENTENCE_DATES_CHANGED.value: frozenset({Capability.KEY_DATES}),
    EventType.CONFIRMED_RELEASE_DATE_CHANGED.value: frozenset({Capability.KEY_DATES}),
    EventType.BOOKING_NUMBER_CHANGED.value: frozenset({Capability.MERGES}),
}


@frozen
class Capabilities:
    """The four switches, all on by default; each only True or False (TypeError else)."""

    matching: bool = field(default=True, validator=is_bool)
    location: bool = field(default=True, validator=is_bool)
    key_dates: bool = field(default=True, validator=is_bool)
    merges: bool = field(default=True, validator=is_bool)

    @classmethod
    def without(cls, *off: Capability) -> Capabilities:
        return cls(**{capability.name.lower(): capability not in off for capability in Capability})

    def allows(self, capability: Capability) -> bool:
        return bool(getattr(self, capability.name.lower()))  # KEY_DATES: key_dates

    def handles(self, event_type: str) -> bool:
        """True when some capability `event_type` serves is on, or it serves none (ignored elsewhere)."""
        served = SERVES.get(event_type)
        return served is None or any(self.allows(capability) for capability in served)

    def switched_off_for(self, event_type: str) -> tuple[Capability, ...]:
        """The capabilities `event_type` serves that are switched off, in a fixed order (for messages)."""
        return tuple(c for c in Capability if c in SERVES.get(event_type, frozenset()) and not self.allows(c))


def skipped(capability: Capability, event_type: str) -> dict[str, str]:
    """Attributes of a `P2PSkippedByConfiguration` event (the caller adds who it was about)."""
    return {"capability": capability.value, "eventType": event_type}
