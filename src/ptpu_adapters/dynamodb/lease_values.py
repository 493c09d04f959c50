"""A lease item's time value not in the form written here (a number, "garbage" sorting after every time)
would hold the booking for ever: it counts as expired, atomically (the take's condition accepts exactly the
value this pod saw, so a valid lease written meanwhile still wins). Each bad item: one WARNING per process.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

LOCK_UNTIL = "lockUntil"
_LOCK_UNTIL_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")  # shedlock.shedlock_time
_RUN_STAMP_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}")  # booking_leases._run_time


def readable(attribute: str, value: dict[str, Any] | None) -> bool:
    """`value` (e.g. {"S": "..."}) absent, or a real instant in the form written for `attribute`."""
    if value is None:
        return True
    text = value.get("S")
    form = _LOCK_UNTIL_FORM if attribute == LOCK_UNTIL else _RUN_STAMP_FORM
    if not isinstance(text, str) or not form.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:  # e.g. month 13
        return False
    return True


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
