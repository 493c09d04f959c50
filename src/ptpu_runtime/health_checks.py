"""The components of GET /health (SPEC §9), each a HealthCheck: a name and check() -> {status, details}.

Every check catches its own failures: a health check reports DOWN, it never raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ptpu_core.ports import QueueAdmin

log = logging.getLogger(__name__)

UP = "UP"
DOWN = "DOWN"
Component = dict[str, Any]

DLQ_UP = "UP"
DLQ_NOT_ATTACHED = "The queue does not have a dead letter queue attached"
DLQ_NOT_AVAILABLE = "The queue cannot be interrogated"


class HealthCheck(Protocol):
    name: str

    def check(self) -> Component: ...


def _status(ok: bool) -> str:
    return UP if ok else DOWN


def _down(name: str, error: Exception) -> Component:
    # /health is open: the error text (an AWS AccessDenied names the role ARN and account) goes to
    # the log only; the answer names just the kind of failure.
    log.error("Health check %s failed: %s: %s", name, type(error).__name__, error)
    return {"status": DOWN, "details": {"error": type(error).__name__}}


class PingHealth:
    """An upstream's GET /health/ping, through anything with ping() -> bool."""

    def __init__(self, name: str, ping: Callable[[], bool]) -> None:
        self.name = name
        self._ping = ping

    def check(self) -> Component:
        try:
            return {"status": _status(self._ping())}
        except Exception as error:  # ping() should not raise; be safe anyway
            return _down(self.name, error)


class DynamoTableHealth:
    def __init__(self, name: str, dynamodb_client: Any, table_name: str) -> None:
        self.name = name
        self._client = dynamodb_client
        self._table = table_name

    def check(self) -> Component:
        try:
            table = self._client.describe_table(TableName=self._table)["Table"]
        except Exception as error:
            return _down(f"{self.name} (table {self._table})", error)
        return {
            "status": UP,
            "details": {"tableName": table["TableName"], "itemCount": table.get("ItemCount", 0),
                        "status": table.get("TableStatus")},
        }


class QueueHealth:
    """Counts on the queue and its DLQ; DOWN when no DLQ is attached (as the original).

    `dlq_attached` checks the queue's redrive policy (SqsQueueAdmin.dlq_attached); without one, a
    named DLQ counts as attached.
    """

    def __init__(
        self, queue_admin: QueueAdmin, name: str = "queue", dlq_attached: Callable[[], bool] | None = None
    ) -> None:
        self.name = name
        self._queues = queue_admin
        self._dlq_attached = dlq_attached or (lambda: True)

    def check(self) -> Component:
        queue = self._queues.queue_name()
        try:
            details: dict[str, Any] = {
                "queueName": queue,
                "MessagesOnQueue": self._queues.message_count(queue),
                "MessagesInFlight": self._queues.messages_in_flight(queue),
            }
        except Exception as error:
            return _down(f"{self.name} (queue {queue})", error)
        dlq = self._queues.dlq_name()
        try:
            if dlq is None or not self._dlq_attached():
                return {"status": DOWN, "details": {**details, "dlqStatus": DLQ_NOT_ATTACHED}}
            details["MessagesOnDLQ"] = self._queues.message_count(dlq)
        except Exception as error:
            log.error("Unable to read dead letter queue %s: %s", dlq, error)
            return {"status": DOWN, "details": {**details, "dlqStatus": DLQ_NOT_AVAILABLE}}
        return {"status": UP, "details": {**details, "dlqName": dlq, "dlqStatus": DLQ_UP}}


class BuildInfoHealth:
    name = "healthInfo"

    def __init__(self, version: str) -> None:
        self._version = version

    def check(self) -> Component:
        return {"status": UP, "details": {"version": self._version}}


class HealthService:
    """Runs every check in parallel (pings wait on network) and rolls them up: UP only if all are UP."""

    def __init__(self, checks: Sequence[HealthCheck]) -> None:
        self._checks = list(checks)

    def health(self) -> Component:
        with ThreadPoolExecutor(max_workers=max(len(self._checks), 1), thread_name_prefix="health") as pool:
            results = list(pool.map(_safe_check, self._checks))
        components = {check.name: result for check, result in zip(self._checks, results, strict=True)}
        overall = all(component.get("status") == UP for component in components.values())
        return {"status": _status(overall), "components": components}


def _safe_check(check: HealthCheck) -> Component:
    try:
        return check.check()
    except Exception as error:
        return _down(check.name, error)
