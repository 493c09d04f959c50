"""SQS's server-side DLQ redrive (StartMessageMoveTask / ListMessageMoveTasks), for large DLQs.

SQS moves the messages itself, keeping body and attributes. Where it cannot (an emulator without the API,
a role without sqs:StartMessageMoveTask) `move` answers None and SqsQueueAdmin moves them one by one. A
task already running on the DLQ (SQS allows one) is followed instead of starting a second.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from attrs import frozen

from ptpu_adapters.aws.errors import queue_errors

log = logging.getLogger(__name__)

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
POLL_SECONDS = 1.0  # between ListMessageMoveTasks


@frozen
class MoveOutcome:
    """`moved`: messages SQS moved (or, when `finished` is False and the task still runs, was asked to
    move: it goes on server-side); `finished` False and `failed` True: the task stopped short."""

    moved: int
    finished: bool
    failed: bool = False


class DlqMoveTask:
    """One DLQ's redrive to its queue; `wait_seconds` bounds how long move() follows the task."""

    def __init__(
        self, dlq_client: Any, dlq_url: str, queue_client: Any, queue_url: str, *, wait_seconds: float = 60.0
    ) -> None:
        self._dlq = dlq_client
        self._dlq_url = dlq_url
        self._queue = queue_client
        self._queue_url = queue_url
        self._wait = wait_seconds

    def move(self) -> MoveOutcome | None:
        """Start (or join) the DLQ's move task and follow it to its end or the wait bound. None when SQS
        would not start one (logged with SQS's error): the caller moves the messages itself."""
        try:
            dlq_arn = _arn(self._dlq, self._dlq_url)
            latest = self._latest(dlq_arn)
            earlier_start = None
            if latest is not None and latest.get("Status") == RUNNING:
                log.info("A message-move task already runs on %s: following it", dlq_arn)
                handle = str(latest.get("TaskHandle", ""))
            else:
                earlier_start = latest.get("StartedTimestamp") if latest is not None else None
                with queue_errors("start a message-move task"):
                    handle = str(self._dlq.start_message_move_task(
                        SourceArn=dlq_arn, DestinationArn=_arn(self._queue, self._queue_url)
                    )["TaskHandle"])
        except Exception as failure:
            log.warning("SQS message-move task not available for %s (%s); moving the messages one by one",
                        self._dlq_url, failure)
            return None
        return self._follow(dlq_arn, handle, earlier_start)

    def _follow(self, dlq_arn: str, handle: str, earlier_start: Any) -> MoveOutcome:
        """Poll the latest task until it is ours and no longer running. `earlier_start`: the StartedTimestamp
        of the task that was latest before ours started, not to be taken for ours before ours is listed;
        TaskHandle is listed for running tasks only, so a finished one is matched by being newer."""
        deadline = time.monotonic() + self._wait
        task: dict[str, Any] = {}
        while True:
            try:
                task = self._latest(dlq_arn) or task
            except Exception as failure:  # the task goes on server-side whatever we can see of it
                log.warning("Could not follow the message-move task on %s: %s", dlq_arn, failure)
            ours = task and task.get("TaskHandle", handle) == handle and (
                earlier_start is None or task.get("StartedTimestamp") != earlier_start)
            if ours and task.get("Status") != RUNNING:
                return _outcome(task)
            if time.monotonic() >= deadline:
                to_move = int(task.get("ApproximateNumberOfMessagesToMove", 0)) if ours else 0
                log.info("Message-move task on %s still running after %.0f s; it goes on server-side", dlq_arn,
                         self._wait)
                return MoveOutcome(to_move, finished=False)
            time.sleep(POLL_SECONDS)

    def _latest(self, dlq_arn: str) -> dict[str, Any] | None:
        with queue_errors("list message-move tasks"):
            results = self._dlq.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1).get("Results", [])
        return dict(results[0]) if results else None


def _outcome(task: dict[str, Any]) -> MoveOutcome:
    moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
    if task.get("Status") == COMPLETED:
        return MoveOutcome(moved, finished=True)
    log.warning("Message-move task ended %s after %d messages: %s", task.get("Status"), moved,
                task.get("FailureReason", "no reason given"))
    return MoveOutcome(moved, finished=True, failed=True)


def _arn(client: Any, url: str) -> str:
    with queue_errors("read queue ARN"):
        answer = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(answer["Attributes"]["QueueArn"])
