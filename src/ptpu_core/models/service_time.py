"""Moments in the core are aware UTC; stored and shown as naive London wall-clock time, as the Kotlin service's
LocalDateTimes under TZ=Europe/London (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SERVICE_ZONE_NAME = "Europe/London"
SERVICE_ZONE = ZoneInfo(SERVICE_ZONE_NAME)


def instant(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; naive means London wall-clock time, `fold` picking a repeated hour."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SERVICE_ZONE)
    return moment.astimezone(UTC)


def optional_instant(moment: datetime | None) -> datetime | None:
    return None if moment is None else instant(moment)


def wall_clock(moment: datetime) -> datetime:
    """`moment` as naive London wall-clock time (fold 1 on the second pass of a repeated hour)."""
    return instant(moment).astimezone(SERVICE_ZONE).replace(tzinfo=None)


def wall_clock_between(moment: datetime, after: datetime | None, before: datetime | None) -> bool:
    """after < moment < before as London wall-clock times (the Kotlin isAfter / isBefore); None: that end open."""
    reading = wall_clock(moment)
    return (after is None or reading > wall_clock(after)) and (before is None or reading < wall_clock(before))
