"""At most N reports at once: a report reads up to the whole table, so unbounded
concurrent reports could exhaust the pod's memory and the table's read capacity. A request over the
limit is answered 429 with Retry-After at once, never queued (a queue would hold threads and sockets)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from ptpu_runtime.api.errors import ApiError

DEFAULT_MAX_CONCURRENT_REPORTS = 2
RETRY_AFTER_SECONDS = 10


class ReportGate:
    """Counts reports in progress; `enter` raises ApiError(429) when `limit` are already running."""

    def __init__(self, limit: int = DEFAULT_MAX_CONCURRENT_REPORTS, retry_after_seconds: int = RETRY_AFTER_SECONDS):
        if limit < 1:
            raise ValueError(f"at least one report must be allowed, not {limit}")
        self._slots = threading.BoundedSemaphore(limit)
        self.limit = limit
        self._retry_after = retry_after_seconds

    def enter(self) -> None:
        """Take a slot, or raise ApiError(429) with a Retry-After header (seconds)."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(
                429,
                f"Too many reports running (at most {self.limit} at once); try again later",
                headers={"Retry-After": str(self._retry_after)},
            )

    def leave(self) -> None:
        self._slots.release()

    def release_after(self, chunks: Iterator[str]) -> Iterator[str]:
        """`chunks`, giving the slot back when they are exhausted, fail or the client goes away."""
        try:
            yield from chunks
        finally:
            self.leave()
