"""The effective mode: whether the service writes to Delius, and what it takes on, as the operator sees it.

One start-up log line (`mode_line`) and the `mode` object of `/info` (`mode_info`) come from the same
Settings, so the two always agree. Dry run (PRISONTOPROBATION_DRY_RUN) is the safety switch of the
recommended first roll-out: both say it first.
"""

from __future__ import annotations

from typing import Any

from ptpu_runtime.config import CAPABILITY_SETTINGS, Settings
from ptpu_runtime.config_kinds import show_duration


def mode_info(settings: Settings) -> dict[str, Any]:
    """The `mode` object of GET /info: JSON-ready, durations in Spring's short form ("15m"), prison codes
    sorted (empty: every prison)."""
    capabilities = settings.domain().capabilities
    return {
        "dryRun": settings.dry_run,
        "writesToDelius": not settings.dry_run,
        "capabilities": {each.value: capabilities.allows(each) for each in CAPABILITY_SETTINGS.values()},
        "holdBack": show_duration(settings.hold_back),
        "onlyPrisons": sorted(settings.only_prisons),
        "messageProcessorEnabled": settings.message_processor_enabled,
        "messageProcessorDelay": show_duration(settings.message_processor_delay),
        "processorWorkers": settings.processor_workers,
        "listenerWorkers": settings.listener_workers,
        "bookingLease": show_duration(settings.booking_lease),
        "lockAtMost": show_duration(settings.lock_at_most),
    }


def mode_line(settings: Settings) -> str:
    """One start-up line: "Mode: DRY RUN, nothing is written to Delius (...); capabilities ...; hold-back ...;
    prisons ...; processing ...; workers ...; booking lease ..."."""
    if settings.dry_run:
        writes = "DRY RUN, nothing is written to Delius (PRISONTOPROBATION_DRY_RUN=true)"
    else:
        writes = "LIVE, writing to Delius (PRISONTOPROBATION_DRY_RUN=false)"
    capabilities = settings.domain().capabilities
    on = [capability.value for capability in CAPABILITY_SETTINGS.values() if capabilities.allows(capability)]
    off = [f"{name}=false" for name, capability in CAPABILITY_SETTINGS.items() if not capabilities.allows(capability)]
    switched = f"capabilities on: {', '.join(on) or 'none'}"
    if off:
        switched += f"; switched off, left to other services: {', '.join(off)}"
    prisons = ",".join(sorted(settings.only_prisons)) or "all"
    if settings.message_processor_enabled:
        processing = f"processing every {show_duration(settings.message_processor_delay)}"
    else:
        processing = "processing and retry schedules OFF (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)"
    return (
        f"Mode: {writes}; {switched}; hold-back {show_duration(settings.hold_back)}; prisons: {prisons}; "
        f"{processing}; workers: {settings.processor_workers} processing, {settings.listener_workers} listener; "
        f"booking lease {show_duration(settings.booking_lease)}, lock at most {show_duration(settings.lock_at_most)}"
    )
