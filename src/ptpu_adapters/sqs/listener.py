"""Long-polls the event queue and hands each SNS event to the service (SPEC §2): handled → deleted; poison
(InvalidMessage) → visible at once, bound for the DLQ; other failures → redelivered after ErrorVisibility's
pause. A booking's messages in a batch run in arrival order, bookings in parallel, each in its own span.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from attrs import frozen
from opentelemetry.trace import Tracer

from ptpu_adapters.aws.errors import queue_errors
from ptpu_adapters.observability.tracing import TRACE_FIELDS, default_tracer, mark_failed, received_message_span
from ptpu_adapters.sqs.error_visibility import ErrorVisibility
from ptpu_adapters.sqs.queue_admin import SqsMessage, queue_name_of, release
from ptpu_core.errors import InvalidMessage
from ptpu_core.rules.sns_envelope import SnsNotification, booking_id_of, event_type_hint, parse_envelope
from ptpu_core.work.outage_log import OutageLog

log = logging.getLogger(__name__)

Handler = Callable[[str, str, str | None], object]  # (event type, inner message JSON, SNS MessageId)
_MAX_BATCH = 10
_EVENT_TYPE_ATTRIBUTE = "eventType"
_Received = tuple[SqsMessage, SnsNotification | Exception]  # a message and its parse, or why it has none


@frozen
class ListenerSettings:
    """`visibility_timeout` None keeps the queue's own; `retry_pause_seconds`: the wait after a failed receive."""

    workers: int = 4
    wait_seconds: int = 20
    visibility_timeout: int | None = None
    max_messages: int = _MAX_BATCH
    retry_pause_seconds: float = 5.0


class SqsListener:
    """`error_visibility` None: a failed message returns after the visibility timeout; `clock` (monotonic
    seconds) paces the outage log lines."""

    def __init__(
        self, sqs_client: Any, queue_url: str, handle: Handler, settings: ListenerSettings = ListenerSettings(), *,
        error_visibility: ErrorVisibility | None = None, tracer: Tracer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tracer = tracer or default_tracer()
        self._queue_name = queue_name_of(queue_url)
        self._client = sqs_client
        self._queue_url = queue_url
        self._handle = handle
        self._settings = settings
        visibility = settings.visibility_timeout
        self._receive_request: dict[str, Any] = {
            "QueueUrl": queue_url,
            "MaxNumberOfMessages": min(settings.max_messages, _MAX_BATCH),
            "WaitTimeSeconds": settings.wait_seconds,
            "AttributeNames": ["ApproximateReceiveCount"],
            # A producer's trace context; eventType names a raw-delivered message bound for the DLQ.
            "MessageAttributeNames": [*TRACE_FIELDS, _EVENT_TYPE_ATTRIBUTE],
            **({"VisibilityTimeout": visibility} if visibility is not None else {}),
        }
        self._pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="sqs-listener")
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._error_visibility = error_visibility
        # A queue or store outage is one traceback, then a line a minute, then one on recovery.
        self.receive_outage = OutageLog(log, f"Receiving from {queue_url}", clock)
        self.handling_outage = OutageLog(log, "Handling messages (each left for redelivery)", clock)

    def _run(self) -> None:
        """Receive and handle until stop(); a failing receive is logged and retried, never fatal."""
        try:
            while not self._stopping.is_set():
                try:
                    self.poll_once()
                except Exception as failure:
                    self.receive_outage.failure(failure)
                    self._stopping.wait(self._settings.retry_pause_seconds)
                else:
                    self.receive_outage.success()
        finally:
            self._stopped.set()

    def start(self) -> threading.Thread:
        self._stopping.clear()
        self._stopped.clear()  # here, not in the thread: a stop() right after start() waits for it
        thread = threading.Thread(target=self._run, name="sqs-listener-loop", daemon=True)
        thread.start()
        return thread

    def stop(self, timeout_seconds: float | None = None) -> bool:
        """Stop receiving and wait for the messages in hand and a long poll in progress (hence the default
        bound); True when everything finished within it."""
        self._stopping.set()
        bound = self._settings.wait_seconds + 30.0 if timeout_seconds is None else timeout_seconds
        finished = self._stopped.wait(bound)
        self._pool.shutdown(wait=finished)
        return finished

    def poll_once(self) -> int:
        """One receive and the handling of what it brought; how many messages arrived."""
        with queue_errors(f"receive from {self._queue_url}"):
            messages: list[SqsMessage] = self._client.receive_message(**self._receive_request).get("Messages", [])
        if self._stopping.is_set() and messages:
            # Stopped during the long poll: give them straight back rather than handle them late.
            self._make_visible(messages)
            return len(messages)
        # A booking's messages in arrival order, the groups in first-arrival order; a message without a booking
        # id (or not parseable) is a group alone, keyed by its place in the batch.
        groups: dict[int | tuple[int], list[_Received]] = {}
        for place, message in enumerate(messages):
            parsed = _parse(message)
            booking_id = booking_id_of(parsed.message) if isinstance(parsed, SnsNotification) else None
            groups.setdefault((place,) if booking_id is None else booking_id, []).append((message, parsed))
        wait([self._pool.submit(self._handle_in_order, group) for group in groups.values()])
        return len(messages)

    def _handle_in_order(self, group: list[_Received]) -> None:
        for message, parsed in group:
            try:
                with received_message_span(self._tracer, message, self._queue_name):
                    self._handle_one(message, parsed)
            except Exception:  # a bug here must not strand the rest of the booking's messages
                log.exception("Message %s escaped handling; left for redelivery", message.get("MessageId", "?"))

    def _handle_one(self, message: SqsMessage, parsed: SnsNotification | Exception) -> None:
        message_id = message.get("MessageId", "?")
        receives = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        visibility = self._error_visibility
        event_type = None if isinstance(parsed, Exception) else parsed.event_type
        try:
            if isinstance(parsed, Exception):
                raise parsed
            log.info("Received message %s (SNS %s) type %s (receive %s)",
                     message_id, parsed.sns_message_id, parsed.event_type, receives)
            self._handle(parsed.event_type, parsed.message, parsed.sns_message_id)
        except InvalidMessage as poison:
            mark_failed(poison)
            log.warning("Poison message %s (receive %s): %s; not handled, bound for the DLQ",
                        message_id, receives, poison.reason)
            if visibility is not None:
                _never_raising(visibility.announce_if_last, message, event_type or _event_type_of(message),
                               "Could not announce poison message %s for the DLQ: %s")
            self._make_visible([message])
            return
        except Exception as failure:
            mark_failed(failure)
            log.debug("Message %s failed, left for redelivery: %s", message_id, failure)
            self.handling_outage.failure(failure, about=f"message {message_id}")
            if visibility is not None:
                _never_raising(visibility.after_failure, message, event_type,
                               "Could not set the error visibility of message %s: %s")
            return
        self.handling_outage.success()
        self._delete(message)

    def _delete(self, message: SqsMessage) -> None:
        try:
            with queue_errors("delete"):
                self._client.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as failure:
            log.error("Handled message %s could not be deleted; it will be redelivered: %s",
                      message.get("MessageId"), failure)

    def _make_visible(self, messages: list[SqsMessage]) -> None:
        try:
            release(self._client, self._queue_url, messages, "change visibility")
        except Exception as failure:  # they return after the visibility timeout anyway
            log.warning("Could not release %d messages early: %s", len(messages), failure)


def _parse(message: SqsMessage) -> SnsNotification | Exception:
    """The notification, or why the body is not one (for _handle_one to judge: an escape would strand the batch)."""
    try:
        return parse_envelope(message.get("Body", ""), message.get("MessageId", "?"))
    except Exception as error:
        return error


def _never_raising(step: Callable[[SqsMessage, str | None], object], message: SqsMessage, event_type: str | None,
                   warning: str) -> None:
    """An error visibility step; a failure is logged: the message still returns after the visibility timeout
    and reaches the DLQ."""
    try:
        step(message, event_type)
    except Exception as failure:
        log.warning(warning, message.get("MessageId"), failure)


def _event_type_of(message: SqsMessage) -> str | None:
    """An unreadable envelope's eventType attribute if the body still shows one, else the SQS message
    attribute (raw delivery), as hmpps-sqs's HmppsErrorVisibilityHandler looks in both."""
    hint = event_type_hint(str(message.get("Body", "")))
    if hint:
        return hint
    attribute = message.get("MessageAttributes", {}).get(_EVENT_TYPE_ATTRIBUTE, {})
    value = attribute.get("StringValue") if isinstance(attribute, dict) else None
    return value if isinstance(value, str) and value else None
