"""The runtime's test support: in-memory fakes of the cluster lock and the queue admin (the ports the runtime
calls beyond the core's), for the runtime's tests and the sandbox; production code never imports it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from ptpu_adapters.sqs.queue_admin import QueueAdmin
from ptpu_core.errors import PurgeTooSoon
from ptpu_core.ports import Clock
from ptpu_runtime.scheduling import Lock

# What the reports' date-time parameters accept (ptpu_runtime.api.reports.local_date_time: real dates, years
# 1000-9999, optional seconds and 1-9 fraction digits), for tests generating values of the OpenAPI document's
# format LOCAL_DATE_TIME_FORMAT.
_MONTH_DAY = ("(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)")
_LEAP_YEAR = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
LOCAL_DATE_TIME_PATTERN = (
    f"^(?:[1-9][0-9]{{3}}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
    "T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,9})?)?$")


class InMemoryLock:
    """A named lock with expiry, driven by a clock; several instances can share one table."""

    def __init__(self, clock: Clock, owner: str = "fake", table: dict[str, tuple[str, datetime]] | None = None):
        self._clock = clock
        self._owner = owner
        self._table = table if table is not None else {}
        self._mutex = threading.Lock()

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        now = self._clock.now()
        with self._mutex:
            held = self._table.get(name)
            if held is not None and held[1] > now:
                return False
            self._table[name] = (self._owner, now + timedelta(seconds=lock_at_most_seconds))
            return True

    def release(self, name: str) -> None:
        with self._mutex:
            held = self._table.get(name)
            if held is not None and held[0] == self._owner:
                self._table[name] = (self._owner, self._clock.now())


class InMemoryQueueAdmin:
    def __init__(self, queue: str = "prison_to_probation_queue", dlq: str | None = "prison_to_probation_dlq"):
        self._queue = queue
        self._dlq = dlq
        self.queues: dict[str, list[tuple[str, str]]] = {queue: []}
        self.purged_this_minute: set[str] = set()
        if dlq:
            self.queues[dlq] = []

    def queue_name(self) -> str:
        return self._queue

    def dlq_name(self) -> str | None:
        return self._dlq

    def message_count(self, queue_name: str) -> int:
        return len(self.queues.get(queue_name, []))

    def messages_in_flight(self, queue_name: str) -> int:
        return 0

    def transfer_dlq_to_queue(self) -> int:
        if not self._dlq:
            return 0
        moved = self.queues[self._dlq]
        self.queues[self._queue].extend(moved)
        self.queues[self._dlq] = []
        return len(moved)

    def purge(self, queue_name: str) -> int:
        """As SqsQueueAdmin on SQS: an empty queue is not purged; a queue purged within the minute (in
        `purged_this_minute`; a test clears it to let the minute pass) raises PurgeTooSoon."""
        count = len(self.queues.get(queue_name, []))
        if count == 0:
            return 0
        if queue_name in self.purged_this_minute:
            raise PurgeTooSoon(queue_name)
        self.purged_this_minute.add(queue_name)
        self.queues[queue_name] = []
        return count

    def peek_dlq(self, max_messages: int) -> list[tuple[str, str]]:
        return list(self.queues.get(self._dlq or "", []))[:max_messages]



def _conforms(clock: Clock) -> None:
    """Never called: mypy checks here that each fake satisfies its port."""
    _lock: Lock = InMemoryLock(clock)
    _queues: QueueAdmin = InMemoryQueueAdmin()
