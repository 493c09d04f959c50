"""hmpps-sqs's HmppsErrorVisibilityHandler: a failed message is visible again after `timeouts[receive-1]` seconds
(the last beyond the list, 0 for none), and after 0 on its last receive before redrive, announced as
`<eventType>-sent-to-dlq` (`null` for no event type, as Kotlin prints it), as is a poison message's last receive."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ptpu_adapters.aws.errors import queue_errors
from ptpu_adapters.sqs.queue_admin import queue_attribute, queue_name_of
from ptpu_core.ports import Telemetry

log = logging.getLogger(__name__)

SENT_TO_DLQ = "{event_type}-sent-to-dlq"  # hmpps-sqs HmppsErrorVisibilityHandler's event name
UNKNOWN_EVENT_TYPE = "null"  # no event type to be found: hmpps-sqs's "$eventType" of a null


def next_visibility_seconds(timeouts: Sequence[int], receive_count: int, max_receive_count: int | None) -> int:
    """`receive_count` is 1 on the first receive."""
    if not timeouts or (max_receive_count is not None and receive_count >= max_receive_count):
        return 0
    return timeouts[min(max(receive_count, 1), len(timeouts)) - 1]


def max_receive_count_of(redrive_policy: str | None) -> int | None:
    """From RedrivePolicy JSON (a number or a string); None when absent or unreadable."""
    if not redrive_policy:
        return None
    try:
        return int(json.loads(redrive_policy)["maxReceiveCount"])
    except (ValueError, KeyError, TypeError):
        return None


class ErrorVisibility:
    """The queue's maxReceiveCount is read on the first failure and kept (as hmpps-sqs does); a failed read
    is logged and tried again on the next failure, the message meanwhile getting its listed pause."""

    def __init__(
        self, sqs_client: Any, queue_url: str, timeouts: Sequence[int], telemetry: Telemetry,
        dlq_name: str | None = None,
    ) -> None:
        self._client = sqs_client
        self._queue_url = queue_url
        self.timeouts = tuple(timeouts)
        self._telemetry = telemetry
        self._dlq_name = dlq_name or ""
        self._max_receive_count: int | None = None
        self._read = False
        self._lock = threading.Lock()

    def max_receive_count(self) -> int | None:
        with self._lock:
            if not self._read:
                try:
                    redrive_policy = queue_attribute(self._client, self._queue_url, "RedrivePolicy")
                except Exception as failure:
                    log.warning("Could not read the redrive policy of %s: %s", self._queue_url, failure)
                    return None
                self._max_receive_count = max_receive_count_of(redrive_policy)
                self._read = True
                if self._max_receive_count is None:
                    log.warning("No maxReceiveCount on %s: failed messages are never sent to a DLQ", self._queue_url)
            return self._max_receive_count

    def announce_if_last(self, message: Mapping[str, Any], event_type: str | None) -> bool:
        """`<eventType>-sent-to-dlq` when this is the message's last receive before redrive (True then), with
        hmpps-sqs's attributes plus `messageId`, the SQS id the message keeps on the DLQ."""
        return self._announce_if_last(message, event_type, self.max_receive_count())

    def _announce_if_last(
        self, message: Mapping[str, Any], event_type: str | None, max_receive_count: int | None
    ) -> bool:
        receive_count = _receive_count(message)
        if max_receive_count is None or receive_count < max_receive_count:
            return False
        message_id = str(message.get("MessageId", ""))
        log.info("Message %s failed on its last receive (%d): bound for the DLQ", message_id, receive_count)
        self._telemetry.track_event(
            SENT_TO_DLQ.format(event_type=UNKNOWN_EVENT_TYPE if event_type is None else event_type),
            {
                "queueName": queue_name_of(self._queue_url),
                "dlqName": self._dlq_name,
                "timeouts": str(list(self.timeouts)),  # as Kotlin prints a list: [1, 2]
                "maxReceiveCount": str(receive_count),  # hmpps-sqs puts the receive count here
                "messageId": message_id,
            },
        )
        return True

    def after_failure(self, message: Mapping[str, Any], event_type: str | None) -> None:
        """Set the failed message's next visibility (announced when bound for the DLQ); SystemFailure when SQS
        refuses."""
        receive_count, max_receive_count = _receive_count(message), self.max_receive_count()  # one read, even failing
        seconds = next_visibility_seconds(self.timeouts, receive_count, max_receive_count)
        if not self._announce_if_last(message, event_type, max_receive_count):
            log.info(
                "Message %s failed on receive %d: visible again in %d s", message.get("MessageId", ""), receive_count,
                seconds,
            )
        with queue_errors("change visibility"):
            self._client.change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
            )


def _receive_count(message: Mapping[str, Any]) -> int:
    """1 when absent or unreadable."""
    try:
        return max(int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1)), 1)
    except (TypeError, ValueError):
        return 1
