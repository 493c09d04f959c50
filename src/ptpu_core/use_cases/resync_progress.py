"""How far a re-sync has got, readable while it runs: the HTTP face waits a bounded time (a booking in hand
runs as long as its upstream calls take), then answers the ids answered so far, the one in hand
STILL_RUNNING and the rest NOT_STARTED, and stops the re-sync starting more.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from enum import Enum

from attrs import frozen

from ptpu_core.models.record import SynchroniseState


class ResyncResult(str, Enum):
    DONE = "DONE"  # processing finished: a stored record would be marked processed (`status` says how)
    TRY_LATER = "TRY_LATER"  # Delius is not ready (`status` says why): a stored record would be retried
    BUSY = "BUSY"  # another pod (or worker, or re-sync) holds the booking's lease: try again shortly
    NOT_FOUND = "NOT_FOUND"  # prison-api knows no such booking, or no booking for the NOMS number
    ERROR = "ERROR"  # a system failure (`detail`); nothing more was done for this booking
    NOT_STARTED = "NOT_STARTED"  # the request's time was spent first: send it again
    STILL_RUNNING = "STILL_RUNNING"  # in hand when the answer could wait no longer; it finishes on its own


@frozen
class TrackedEvent:
    """A telemetry event as processing sent it (or, for a dry-run write, as the dry-run adapter reports it)."""

    name: str
    attributes: Mapping[str, str]


@frozen
class ResyncItem:
    """One requested id's answer. `requested` is the id as asked; `booking_id` the booking it stands for."""

    requested: int | str
    booking_id: int | None
    result: ResyncResult
    status: SynchroniseState | None = None
    crns: tuple[str, ...] = ()
    events: tuple[TrackedEvent, ...] = ()
    writes: tuple[TrackedEvent, ...] = ()
    detail: str | None = None


@frozen
class Unanswered:
    """An id without an answer when the request stopped waiting, and whether it was being processed."""

    requested: int | str
    booking_id: int | None
    running: bool


class ResyncProgress:
    """Thread-safe: the re-sync records answers and the id in hand; the HTTP request calls `stop()` and reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: tuple[int | str, ...] = ()
        self._answers: list[ResyncItem] = []
        self._running: tuple[int | str, int | None] | None = None
        self._stopped = False

    def begin(self, wanted: Sequence[int | str]) -> None:
        with self._lock:
            self._wanted = tuple(wanted)

    def running(self, requested: int | str, booking_id: int | None) -> None:
        with self._lock:
            self._running = (requested, booking_id)

    def answered(self, item: ResyncItem) -> None:
        """The id in hand (the next in order) has its answer."""
        with self._lock:
            self._answers.append(item)
            self._running = None

    def stop(self) -> None:
        """Start no more bookings (the re-sync checks `stopped` before each)."""
        with self._lock:
            self._stopped = True

    @property
    def stopped(self) -> bool:
        with self._lock:
            return self._stopped

    def answers(self) -> list[ResyncItem]:
        """The answers so far, in the order asked."""
        with self._lock:
            return list(self._answers)

    def unanswered(self) -> list[Unanswered]:
        """The ids after the answered ones, in order; the first is `running` when it was in hand."""
        with self._lock:
            rest = self._wanted[len(self._answers):]
            running = self._running
        found = [Unanswered(requested, requested if isinstance(requested, int) else None, False) for requested in rest]
        if found and running is not None and running[0] == found[0].requested:
            found[0] = Unanswered(running[0], running[1], True)
        return found
