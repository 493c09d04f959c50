"""Counts, DLQ transfer, purge and peek on SQS for the queue-admin endpoints and /health. A DLQ of at least
`move_task_from` messages is moved by SQS's message-move task (a running one is followed, not doubled), else,
or where SQS will not start one (an emulator, a role without the permission), by receive/re-send/delete.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ptpu_adapters.aws.errors import error_code, queue_errors
from ptpu_core.errors import PurgeTooSoon

log = logging.getLogger(__name__)
SqsMessage = dict[str, Any]
_BATCH = 10
_PEEK_VISIBILITY_SECONDS = 5
_TRANSFER_VISIBILITY_SECONDS = 30
_EMPTY_RECEIVES_TO_STOP = 2
# SQS's answer to a second PurgeQueue within 60 s: the query-protocol code (which botocore also reads from
# the JSON protocol's x-amzn-query-error header) and the JSON protocol's own __type name.
_PURGE_IN_PROGRESS = frozenset({"AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress"})
MOVE_TASK_FROM = 100  # DLQ size from which SQS's message-move task is asked first
RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
POLL_SECONDS = 1.0  # between ListMessageMoveTasks


class QueueAdmin(Protocol):
    def queue_name(self) -> str: ...

    def dlq_name(self) -> str | None: ...

    def message_count(self, queue_name: str) -> int: ...

    def messages_in_flight(self, queue_name: str) -> int: ...

    def transfer_dlq_to_queue(self) -> int: ...  # how many moved

    def purge(self, queue_name: str) -> int: ...  # how many it held

    def peek_dlq(self, max_messages: int) -> list[tuple[str, str]]: ...  # (message id, body), left on the DLQ


class UnknownQueue(ValueError):
    def __init__(self, queue_name: str) -> None:
        super().__init__(f"unknown queue {queue_name}")
        self.queue_name = queue_name


def queue_name_of(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


def queue_attribute(client: Any, url: str, name: str) -> str:
    """One attribute of the queue at `url`, "" when it has none; SystemFailure when SQS refuses."""
    with queue_errors(f"read {name} of {queue_name_of(url)}"):
        answer = client.get_queue_attributes(QueueUrl=url, AttributeNames=[name])
    return str(answer.get("Attributes", {}).get(name, ""))


def release(sqs_client: Any, queue_url: str, messages: list[SqsMessage], doing: str) -> None:
    """Make received messages visible again at once (visibility 0); SystemFailure when SQS refuses."""
    for start in range(0, len(messages), _BATCH):
        entries = [
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for n, m in enumerate(messages[start : start + _BATCH])
        ]
        with queue_errors(doing):
            sqs_client.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


class SqsQueueAdmin:
    def __init__(
        self, sqs_client: Any, queue_url: str, dlq_url: str | None, dlq_client: Any | None = None,
        move_task_from: int = MOVE_TASK_FROM, move_task_wait_seconds: float = 60.0,
    ) -> None:
        """`dlq_client` carries the DLQ's own keys when they differ (SPEC §11); the move task is followed for
        at most `move_task_wait_seconds` (it goes on server-side after that)."""
        self._sqs = sqs_client
        self._dlq_sqs = dlq_client or sqs_client
        self._queue_url = queue_url
        self._dlq_url = dlq_url
        self._move_task_from = move_task_from
        self._move_task_wait = move_task_wait_seconds

    def queue_name(self) -> str:
        return queue_name_of(self._queue_url)

    def dlq_name(self) -> str | None:
        return queue_name_of(self._dlq_url) if self._dlq_url else None

    def message_count(self, queue_name: str) -> int:
        return int(queue_attribute(*self._queue(queue_name), "ApproximateNumberOfMessages") or 0)

    def messages_in_flight(self, queue_name: str) -> int:
        return int(queue_attribute(*self._queue(queue_name), "ApproximateNumberOfMessagesNotVisible") or 0)

    def dlq_attached(self) -> bool:
        return bool(queue_attribute(self._sqs, self._queue_url, "RedrivePolicy"))

    def transfer_dlq_to_queue(self) -> int:
        """At most as many messages as the DLQ held at the start (read first, as hmpps-sqs does: a poison
        message moved back returns at once). A short poll may come back empty while messages remain (it asks
        a sample of servers), so the next is a 1-second long poll and two empty receives in a row end it.
        A move task's count is what SQS moved, or was asked to if it still runs after the wait bound."""
        if not self._dlq_url:
            return 0
        to_move = int(queue_attribute(self._dlq_sqs, self._dlq_url, "ApproximateNumberOfMessages") or 0)
        moved = empty_receives = 0
        if to_move >= self._move_task_from:
            moved, completed = self._move_by_task(self._dlq_url)
            if completed:  # else, stopped short or not started: the loop moves what is left of what the DLQ held
                return moved
        while moved < to_move and empty_receives < _EMPTY_RECEIVES_TO_STOP:
            messages = self._receive_dlq(self._dlq_url, min(_BATCH, to_move - moved), _TRANSFER_VISIBILITY_SECONDS,
                                         wait_seconds=1 if empty_receives else 0)
            empty_receives = 0 if messages else empty_receives + 1
            for message in messages:
                attributes = message.get("MessageAttributes")
                with queue_errors("re-send a DLQ message"):
                    self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=message["Body"],
                                           **({"MessageAttributes": attributes} if attributes else {}))
                with queue_errors("delete a DLQ message"):
                    self._dlq_sqs.delete_message(QueueUrl=self._dlq_url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved

    def purge(self, queue_name: str) -> int:
        client, url = self._queue(queue_name)
        count = self.message_count(queue_name)
        if count == 0:  # SQS allows one purge a minute per queue: don't spend it on an empty queue
            return 0
        with queue_errors(f"purge {queue_name}"):
            try:
                client.purge_queue(QueueUrl=url)
            except ClientError as error:
                if error_code(error) in _PURGE_IN_PROGRESS:
                    raise PurgeTooSoon(queue_name) from error
                raise
        return count

    def peek_dlq(self, max_messages: int) -> list[tuple[str, str]]:
        """Receive under a short visibility, then hand every message straight back (visibility 0)."""
        if not self._dlq_url or max_messages <= 0:
            return []
        seen: dict[str, SqsMessage] = {}
        while len(seen) < max_messages:
            batch = self._receive_dlq(self._dlq_url, min(_BATCH, max_messages - len(seen)), _PEEK_VISIBILITY_SECONDS)
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update((m["MessageId"], m) for m in fresh)
        release(self._dlq_sqs, self._dlq_url, list(seen.values()), "release peeked DLQ messages")
        return [(m["MessageId"], m["Body"]) for m in seen.values()]

    def _receive_dlq(self, dlq_url: str, count: int, visibility: int, wait_seconds: int = 0) -> list[SqsMessage]:
        with queue_errors(f"receive from {queue_name_of(dlq_url)}"):
            answer = self._dlq_sqs.receive_message(
                QueueUrl=dlq_url, MaxNumberOfMessages=count, WaitTimeSeconds=wait_seconds, VisibilityTimeout=visibility,
                MessageAttributeNames=["All"],
            )
        return list(answer.get("Messages", []))

    def _queue(self, queue_name: str) -> tuple[Any, str]:
        if queue_name == self.queue_name():
            return self._sqs, self._queue_url
        if self._dlq_url and queue_name == self.dlq_name():
            return self._dlq_sqs, self._dlq_url
        raise UnknownQueue(queue_name)

    def _move_by_task(self, dlq_url: str) -> tuple[int, bool]:
        """Start (or join) SQS's message-move task and follow it for at most the wait: (messages moved, or asked
        to if it still runs; whether it completed). (0, False), logged, when SQS would not start one."""
        try:
            dlq_arn = queue_attribute(self._dlq_sqs, dlq_url, "QueueArn")
            latest = self._latest_move_task(dlq_arn)
            earlier_start = None
            if latest.get("Status") == RUNNING:
                log.info("A message-move task already runs on %s: following it", dlq_arn)
                handle = str(latest.get("TaskHandle", ""))
            else:
                earlier_start = latest.get("StartedTimestamp")
                queue_arn = queue_attribute(self._sqs, self._queue_url, "QueueArn")
                with queue_errors("start a message-move task"):
                    handle = str(self._dlq_sqs.start_message_move_task(
                        SourceArn=dlq_arn, DestinationArn=queue_arn)["TaskHandle"])
        except Exception as failure:
            log.warning("SQS message-move task not available for %s (%s); moving the messages one by one",
                        dlq_url, failure)
            return 0, False
        return self._follow(dlq_arn, handle, earlier_start)

    def _follow(self, dlq_arn: str, handle: str, earlier_start: Any) -> tuple[int, bool]:
        """Poll the latest task until it is ours and ended. TaskHandle is listed for running tasks only, so a
        finished one is ours when its StartedTimestamp is not `earlier_start` (the latest before ours)."""
        deadline = time.monotonic() + self._move_task_wait
        task: dict[str, Any] = {}
        while True:
            try:
                task = self._latest_move_task(dlq_arn) or task
            except Exception as failure:  # the task goes on server-side whatever we can see of it
                log.warning("Could not follow the message-move task on %s: %s", dlq_arn, failure)
            ours = task and task.get("TaskHandle", handle) == handle and (
                earlier_start is None or task.get("StartedTimestamp") != earlier_start)
            if ours and task.get("Status") != RUNNING:
                moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
                if task.get("Status") != COMPLETED:
                    log.warning("Message-move task ended %s after %d messages: %s", task.get("Status"), moved,
                                task.get("FailureReason", "no reason given"))
                return moved, task.get("Status") == COMPLETED
            if time.monotonic() >= deadline:
                to_move = int(task.get("ApproximateNumberOfMessagesToMove", 0)) if ours else 0
                log.info("Message-move task on %s still running after %.0f s; it goes on server-side", dlq_arn,
                         self._move_task_wait)
                return to_move, True
            time.sleep(POLL_SECONDS)

    def _latest_move_task(self, dlq_arn: str) -> dict[str, Any]:
        with queue_errors("list message-move tasks"):
            results = self._dlq_sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1).get("Results", [])
        return dict(results[0]) if results else {}
