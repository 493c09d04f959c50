"""A lease item's time value not in the form written here (a number, "garbage" sorting after every time)
would hold the booking for ever: it counts as expired, atomically (the take's condition accepts exactly the
value this pod saw, so a valid lease written meanwhile still wins). Each bad item: one WARNING per process.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from ptpu_adapters.dynamodb.shedlock import shedlock_time

log = logging.getLogger(__name__)

LOCK_UNTIL = "lockUntil"


def run_time(instant: datetime) -> str:
    """A retry run's stamp: UTC digits of fixed width, no zone (string order is time order). Pods of different
    versions compare it: never change the form."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%f")


def readable(attribute: str, value: dict[str, Any] | None) -> bool:
    """`value` (e.g. {"S": "..."}) absent, or exactly what is written for `attribute` at some real instant."""
    if value is None:
        return True
    text = value.get("S")
    form = shedlock_time if attribute == LOCK_UNTIL else run_time
    try:
        return isinstance(text, str) and form(datetime.fromisoformat(text)) == text
    except ValueError:  # e.g. month 13
        return False


class UnreadableLeaseValues:
    """The unreadable time values seen per booking (thread-safe: the cycle thread and workers use it)."""

    def __init__(self) -> None:
        self._seen: dict[int, dict[str, dict[str, Any]]] = {}
        self._warned: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def note(self, booking_id: int, item: dict[str, Any], attributes: tuple[str, ...]) -> set[str]:
        """Remembers `item`'s unreadable values among `attributes`; those new to this booking."""
        fresh: set[str] = set()
        name = str(item.get("_id", {}).get("S", booking_id))
        for attribute in attributes:
            value = item.get(attribute)
            if readable(attribute, value):
                continue
            assert value is not None
            with self._lock:
                seen = self._seen.setdefault(booking_id, {})
                if seen.get(attribute) != value:
                    seen[attribute] = value
                    fresh.add(attribute)
                first = (name, attribute) not in self._warned
                self._warned.add((name, attribute))
            if first:
                log.warning(
                    "Lease item %s has an unreadable %s (%s): counted as expired, so the booking is leased again",
                    name, attribute, value,
                )
        return fresh

    def seen(self, booking_id: int) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._seen.get(booking_id, {}))

    def taken(self, booking_id: int) -> None:
        """Our take rewrote the item: its `lockUntil` is readable now."""
        with self._lock:
            seen = self._seen.get(booking_id)
            if seen is not None:
                seen.pop(LOCK_UNTIL, None)
                if not seen:
                    del self._seen[booking_id]
