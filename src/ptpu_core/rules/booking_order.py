"""The order in which a pod walks the bookings of a cycle's selection (several pods).

Every pod reads the same selection in the same order (the index's), so without this every pod tries the
same booking first, one wins its lease and the others are refused, booking after booking: with 4 pods
about 3 refused lease attempts per booking (benchmarks/NOTES.md, section 5). `PodSpread` walks the
selection in windows of `window` distinct bookings (a DynamoDB page of the selection holds at most 200
records) and shuffles each window with a random generator seeded by the pod (its lease owner,
`ptpu@<host>:<pid>`), so two pods start at different bookings and mostly meet only at the end of a
window. Only the order of bookings changes: a booking's own records are read and processed in order
under its lease, as before, and every selected booking is still walked exactly once per cycle.
The selection stays lazy: at most one window of booking ids is held at a time.

The Kotlin service had one instance working at a time (ShedLock), so it had no such order to choose.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

BookingOrder = Callable[[Iterable[int]], Iterable[int]]
WINDOW = 200  # booking ids shuffled together: one selection page's worth (the queries' Limit)


def as_selected(booking_ids: Iterable[int]) -> Iterable[int]:
    """The selection's own order (one pod alone, or tests)."""
    return booking_ids


class PodSpread:
    """A BookingOrder: each window of `window` booking ids in an order drawn from `seed` (same seed, same
    order: deterministic for a pod and in tests; None draws a seed from the operating system)."""

    def __init__(self, seed: str | None, window: int = WINDOW) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, not {window}")
        self._seed = seed
        self._window = window

    def __call__(self, booking_ids: Iterable[int]) -> Iterator[int]:
        """Yield every id of `booking_ids` exactly once (ids assumed distinct), window by window."""
        draw = random.Random(self._seed)  # noqa: S311 - spreading work, not security
        remaining = iter(booking_ids)
        while window := list(islice(remaining, self._window)):
            draw.shuffle(window)
            yield from window
