"""The service's time zone and the two forms a moment takes (SPEC §5).

The existing service runs with TZ=Europe/London and stores `createdDate` / `processedDate` as the London
wall-clock time (Java LocalDateTime), so ptpu stores the same, whatever zone its own container has.
Inside the core every moment is an aware UTC datetime: arithmetic (the hold-back) and comparison
("newest record") are then on the time line, right across the clock changes, where London wall-clock
times repeat an hour in October and skip one in March.

- `instant(moment)`: the aware UTC form. A naive value is read as London wall-clock time (its `fold`
  says which of a repeated hour's two passes; 0, the first, by default).
- `wall_clock(moment)`: the naive London wall-clock form (what is stored and shown), `fold` set to 1
  on the second pass of a repeated hour.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SERVICE_ZONE_NAME = "Europe/London"
SERVICE_ZONE = ZoneInfo(SERVICE_ZONE_NAME)


def instant(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; naive means London wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SERVICE_ZONE)
    return moment.astimezone(UTC)


def optional_instant(moment: datetime | None) -> datetime | None:
    return None if moment is None else instant(moment)


def wall_clock(moment: datetime) -> datetime:
    """`moment` as naive London wall-clock time (fold 1 on the second pass of a repeated hour)."""
    return instant(moment).astimezone(SERVICE_ZONE).replace(tzinfo=None)


def wall_clock_between(moment: datetime, after: datetime | None, before: datetime | None) -> bool:
    """after < moment < before, compared as London wall-clock times (as the existing service compares its
    LocalDateTimes: isAfter / isBefore, both exclusive); None leaves that end open."""
    reading = wall_clock(moment)
    return (after is None or reading > wall_clock(after)) and (before is None or reading < wall_clock(before))
