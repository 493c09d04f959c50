"""SQS's server-side DLQ redrive (StartMessageMoveTask / ListMessageMoveTasks), for large DLQs.

SQS moves the messages itself (receive, send, delete inside SQS, keeping body and attributes): no
round trip per batch and no copy lost or doubled if ptpu stops half way. It is used by SqsQueueAdmin
for a DLQ holding at least its threshold; when the queue or the server cannot do it (an emulator
without the API, a role without sqs:StartMessageMoveTask, a DLQ fed by something other than SQS) the
start fails and the caller falls back to its receive/re-send loop.

SQS allows one running task per source queue: a task already running (started by another pod, or an
earlier call) is waited for instead of starting a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from attrs import frozen

from ptpu_adapters.aws.errors import queue_errors

log = logging.getLogger(__name__)

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"


@frozen
class MoveOutcome:
    """`moved`: messages SQS moved (or, when `finished` is False and the task still runs, was asked to
    move: it goes on server-side); `finished` False and `failed` True: the task stopped short."""

    moved: int
    finished: bool
    failed: bool = False


class DlqMoveTask:
    """One DLQ's redrive to its queue by SQS's message-move task.

    `wait_seconds` bounds how long move() follows a task (ListMessageMoveTasks every `poll_seconds`);
    `sleep` and `clock` are injectable for tests of pacing."""

    def __init__(
        self, dlq_client: Any, dlq_url: str, queue_client: Any, queue_url: str, *, wait_seconds: float = 60.0,
        poll_seconds: float = 1.0, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dlq = dlq_client
        self._dlq_url = dlq_url
        self._queue = queue_client
        self._queue_url = queue_url
        self._wait = wait_seconds
        self._poll = poll_seconds
        self._sleep = sleep
        self._clock = clock

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
        deadline = self._clock() + self._wait
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
            if self._clock() >= deadline:
                to_move = int(task.get("ApproximateNumberOfMessagesToMove", 0)) if ours else 0
                log.info("Message-move task on %s still running after %.0f s; it goes on server-side", dlq_arn,
                         self._wait)
                return MoveOutcome(to_move, finished=False)
            self._sleep(self._poll)

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
