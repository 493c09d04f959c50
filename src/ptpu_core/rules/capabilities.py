"""Capability switches: which kinds of Delius write this deployment makes.

After 2021 the existing service handed three of its four jobs to the successors in
ministryofjustice/hmpps-probation-integration-services: `custody-key-dates-and-delius` took key dates
(its queue subscribes to SENTENCE_DATES-CHANGED and CONFIRMED_RELEASE_DATE-CHANGED), and
`prison-custody-status-to-delius` took where the prisoner is (it acts on the prisoner.received /
prisoner.released domain events). The existing service did not grow a flag for this: its queue's SNS
filter was cut down to IMPRISONMENT_STATUS-CHANGED and BOOKING_NUMBER-CHANGED (cloud-platform-environments,
prison-to-probation-update-queue.tf), and the status-change flow kept matching and linking.
`prison-identifier-and-delius` later took matching too. ptpu makes each job a switch instead, so one build
runs in every one of those arrangements:

- MATCHING: set the NOMS number on the one matching probation case, and the book number on its custody
  (SPEC §7 "Matching" and step 7);
- LOCATION: the custody's prison (step 8, and every EXTERNAL_MOVEMENT_RECORD-INSERTED);
- KEY_DATES: the custody's key dates (step 9, SENTENCE_DATES-CHANGED, CONFIRMED_RELEASE_DATE-CHANGED);
- MERGES: move Delius to the surviving NOMS number (BOOKING_NUMBER-CHANGED).

A capability switched off means (a) an event type serving only switched-off capabilities is acknowledged
and not stored (`handles`), (b) a record of such a type already stored is settled without a call
(NO_LONGER_VALID), and (c) IMPRISONMENT_STATUS-CHANGED, which serves three capabilities, skips the step
of each one switched off; every skip is a `P2PSkippedByConfiguration` telemetry event naming it.
"""

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
    EventType.IMPRISONMENT_STATUS_CHANGED.value: frozenset(
        {Capability.MATCHING, Capability.LOCATION, Capability.KEY_DATES}
    ),
    EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value: frozenset({Capability.LOCATION}),
    EventType.SENTENCE_DATES_CHANGED.value: frozenset({Capability.KEY_DATES}),
    EventType.CONFIRMED_RELEASE_DATE_CHANGED.value: frozenset({Capability.KEY_DATES}),
    EventType.BOOKING_NUMBER_CHANGED.value: frozenset({Capability.MERGES}),
}


@frozen
class Capabilities:
    """The four switches, all on by default (the 2021 behaviour); each only True or False (TypeError else)."""

    matching: bool = field(default=True, validator=is_bool)
    location: bool = field(default=True, validator=is_bool)
    key_dates: bool = field(default=True, validator=is_bool)
    merges: bool = field(default=True, validator=is_bool)

    @classmethod
    def without(cls, *off: Capability) -> Capabilities:
        """Every capability on except `off`."""
        return cls(
            matching=Capability.MATCHING not in off,
            location=Capability.LOCATION not in off,
            key_dates=Capability.KEY_DATES not in off,
            merges=Capability.MERGES not in off,
        )

    def allows(self, capability: Capability) -> bool:
        return {
            Capability.MATCHING: self.matching,
            Capability.LOCATION: self.location,
            Capability.KEY_DATES: self.key_dates,
            Capability.MERGES: self.merges,
        }[capability]

    def switched_off(self) -> frozenset[Capability]:
        return frozenset(capability for capability in Capability if not self.allows(capability))

    def handles(self, event_type: str) -> bool:
        """True when an event of `event_type` can still lead to a Delius write: some capability it serves
        is on. A type we do not handle at all is True here (it is ignored, and logged, elsewhere)."""
        served = SERVES.get(event_type)
        return served is None or any(self.allows(capability) for capability in served)

    def switched_off_for(self, event_type: str) -> tuple[Capability, ...]:
        """The capabilities `event_type` serves that are switched off, in a fixed order (for messages)."""
        return tuple(c for c in Capability if c in SERVES.get(event_type, frozenset()) and not self.allows(c))


def skipped(capability: Capability, event_type: str) -> dict[str, str]:
    """Attributes of a `P2PSkippedByConfiguration` event (the caller adds who it was about)."""
    return {"capability": capability.value, "eventType": event_type}
