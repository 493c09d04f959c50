"""Where a benchmark's wall time goes: calls through a port or client timed and counted by kind.

`Timed(target, "dynamodb", totals)` forwards every method call to `target` and adds the call's wall time
(summed over threads, so with N workers it can exceed the run's own wall time) to `totals`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any


class Totals:
    """Thread-safe (calls, seconds) per kind; `snapshot()` for JSON."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, int] = {}
        self._seconds: dict[str, float] = {}

    def add(self, kind: str, seconds: float) -> None:
        with self._lock:
            self._calls[kind] = self._calls.get(kind, 0) + 1
            self._seconds[kind] = self._seconds.get(kind, 0.0) + seconds

    def snapshot(self) -> dict[str, list[float]]:
        with self._lock:
            return {kind: [self._calls[kind], self._seconds[kind]] for kind in self._calls}


def merged(snapshots: list[Mapping[str, list[float]]]) -> dict[str, list[float]]:
    """Several processes' snapshots added up."""
    total: dict[str, list[float]] = {}
    for snapshot in snapshots:
        for kind, (calls, seconds) in snapshot.items():
            calls_before, seconds_before = total.get(kind, [0, 0.0])
            total[kind] = [calls_before + calls, seconds_before + seconds]
    return total


class Timed:
    """Forwards attribute access to `target`; each method call is timed under `kind` (or `kind:method`
    when `by_method`)."""

    def __init__(self, target: Any, kind: str, totals: Totals, *, by_method: bool = False) -> None:
        self._target = target
        self._kind = kind
        self._totals = totals
        self._by_method = by_method

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute
        kind = f"{self._kind}:{name}" if self._by_method else self._kind

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self._totals.add(kind, time.perf_counter() - start)

        return timed
