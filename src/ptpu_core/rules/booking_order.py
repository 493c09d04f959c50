"""The order a pod walks a cycle's bookings: `PodSpread` shuffles each window of `window` distinct bookings
with a generator seeded by the pod's lease owner, so pods start at different bookings instead of being
refused each other's leases (benchmarks/NOTES.md §5). Each booking is walked once per cycle; lazily."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from attrs import field, frozen
from attrs.validators import ge

BookingOrder = Callable[[Iterable[int]], Iterable[int]]
WINDOW = 200  # booking ids shuffled together: one selection page's worth (the queries' Limit)


def as_selected(booking_ids: Iterable[int]) -> Iterable[int]:
    """The selection's own order (one pod alone, or tests)."""
    return booking_ids


@frozen
class PodSpread:
    """A BookingOrder: each window of `window` booking ids in an order drawn from `seed` (same seed, same
    order: deterministic for a pod and in tests; None draws a seed from the operating system)."""

    _seed: str | None
    _window: int = field(default=WINDOW, validator=ge(1))

    def __call__(self, booking_ids: Iterable[int]) -> Iterator[int]:
        """Yield every id of `booking_ids` exactly once (ids assumed distinct), window by window."""
        draw = random.Random(self._seed)  # noqa: S311 - spreading work, not security
        remaining = iter(booking_ids)
        while window := list(islice(remaining, self._window)):
            draw.shuffle(window)
            yield from window
