"""The order a pod walks a cycle's bookings, each once, lazily: shuffled per pod so pods start at different
bookings instead of being refused each other's leases (benchmarks/NOTES.md §5)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from attrs import frozen

BookingOrder = Callable[[Iterable[int]], Iterable[int]]
WINDOW = 200  # booking ids shuffled together: one selection page's worth (the queries' Limit)


def as_selected(booking_ids: Iterable[int]) -> Iterable[int]:
    """The selection's own order (one pod alone, or tests)."""
    return booking_ids


@frozen
class PodSpread:
    """Each WINDOW of booking ids in an order drawn from `seed` (None: the operating system's)."""

    _seed: str | None

    def __call__(self, booking_ids: Iterable[int]) -> Iterator[int]:
        """Yield every id of `booking_ids` exactly once (ids assumed distinct), window by window."""
        draw = random.Random(self._seed)  # noqa: S311 - spreading work, not security
        remaining = iter(booking_ids)
        while window := list(islice(remaining, WINDOW)):
            draw.shuffle(window)
            yield from window
