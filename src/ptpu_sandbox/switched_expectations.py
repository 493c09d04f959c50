"""What each seeded scenario should end as when the service runs with capabilities switched off,
so `ptpu sandbox --demo` shows the switches: e.g. with PRISONTOPROBATION_SYNC_LOCATION=false and
PRISONTOPROBATION_SYNC_KEYDATES=false (the existing service's final form) the transfer and sentence-date
scenarios are IGNORED (acknowledged, never stored) and the rest end as the seed says.

The seed's expected states assume every capability on. Two rules adjust them:
- every event type of the scenario serves only switched-off capabilities -> IGNORED;
- matching off, and the scenario expects a new sentence to complete for a prisoner no seeded Delius
  offender holds the NOMS number of -> NO_MATCH (ptpu no longer links; it retries until another service has);
- matching off, the prisoner linked in Delius but no custody there holding this booking's book number (the
  book number is part of linking, so ptpu no longer sets it) -> LOCATION_NOT_UPDATED with location on, else
  KEY_DATES_NOT_UPDATED with key dates on: those writes address the custody by book number, and are retried
  until the successor sets it (not COMPLETED).
"""

from __future__ import annotations

from collections.abc import Mapping

from ptpu_core.models.events import EventType
from ptpu_core.rules.capabilities import Capabilities
from ptpu_runtime.config import CAPABILITY_SETTINGS
from ptpu_runtime.config_kinds import FLAG
from ptpu_sandbox.simulators.seed import DELIUS_OFFENDERS, IGNORED, PRISON_RECORDS, Scenario

COMPLETED = "COMPLETED"
NO_MATCH = "NO_MATCH"
LOCATION_NOT_UPDATED = "LOCATION_NOT_UPDATED"
KEY_DATES_NOT_UPDATED = "KEY_DATES_NOT_UPDATED"


def capabilities_in(env: Mapping[str, str]) -> Capabilities:
    """The switches as the service reads them from `env`: a variable unset is on (a malformed one too: the
    service would then refuse to start, and the demo says so itself)."""
    return Capabilities.without(
        *(capability for name, capability in CAPABILITY_SETTINGS.items() if _is_false(env.get(name)))
    )


def _is_false(text: str | None) -> bool:
    try:
        return text is not None and FLAG.parse(text) is False
    except ValueError:
        return False


def expected_state(scenario: Scenario, capabilities: Capabilities) -> str:
    """The state `scenario`'s events should end in under `capabilities` (IGNORED: never stored)."""
    if scenario.expected_state == IGNORED:
        return IGNORED
    if not any(capabilities.handles(event.event_type) for event in scenario.events):
        return IGNORED
    new_sentence = all(e.event_type == EventType.IMPRISONMENT_STATUS_CHANGED.value for e in scenario.events)
    completes = new_sentence and scenario.expected_state == COMPLETED
    if completes and not capabilities.matching and not _linked_in_seed(scenario.booking_id):
        return NO_MATCH
    if completes and not capabilities.matching and not _booked_in_seed(scenario.booking_id):
        if capabilities.location:
            return LOCATION_NOT_UPDATED
        if capabilities.key_dates:
            return KEY_DATES_NOT_UPDATED
    return scenario.expected_state


def _booked_in_seed(booking_id: int) -> bool:
    """Whether Delius's seeded offender with this booking's NOMS number has a custody with its book number."""
    record = next((r for r in PRISON_RECORDS if r.booking_id == booking_id), None)
    if record is None:
        return False
    return any(
        (conviction.get("custody") or {}).get("bookingNumber") == record.booking.get("bookingNo")
        for offender in DELIUS_OFFENDERS
        if offender.get("otherIds", {}).get("nomsNumber") == record.offender_no
        for conviction in offender.get("convictions", [])
    )


def _linked_in_seed(booking_id: int) -> bool:
    noms = next((r.offender_no for r in PRISON_RECORDS if r.booking_id == booking_id), None)
    return noms is not None and any(o.get("otherIds", {}).get("nomsNumber") == noms for o in DELIUS_OFFENDERS)
