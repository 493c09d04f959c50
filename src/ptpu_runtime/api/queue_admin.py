"""/queue-admin/* (SPEC §9): the original's endpoints and hmpps-sqs's, with telemetry when a message was found."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from ptpu_adapters.sqs.queue_admin import QueueAdmin
from ptpu_core.errors import PURGE_INTERVAL_SECONDS, PurgeTooSoon
from ptpu_core.ports import Telemetry
from ptpu_runtime.api.errors import ApiError
from ptpu_runtime.api.security import ROLE_QUEUE_ADMIN, TokenVerifier, require_role, role_errors

log = logging.getLogger(__name__)

MAX_SHOWN_DEPTH = 64
MAX_MESSAGES_SHOWN = 1000
TRANSFERRED_EVENT_DLQ = "TRANSFERRED_EVENT_DLQ"
PURGED_EVENT_DLQ = "PURGED_EVENT_DLQ"
_ADMIN_ERRORS = {400: "Validation failure (a parameter of the wrong form)", 404: "No such queue"}
ADMIN_ERRORS = role_errors(ROLE_QUEUE_ADMIN, _ADMIN_ERRORS)
PURGE_ERRORS = role_errors(ROLE_QUEUE_ADMIN, {
    **_ADMIN_ERRORS, 429: "The queue was purged less than 60 seconds ago (SQS allows one purge a minute)"})


def queue_admin_router(queues: QueueAdmin, telemetry: Telemetry, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/queue-admin", tags=["queue-admin"])
    admin = [Depends(require_role(verifier, ROLE_QUEUE_ADMIN))]

    def found(count: int, event: str, attributes: dict[str, str]) -> dict[str, int]:
        if count > 0:
            telemetry.track_event(event, attributes)
        return {"messagesFoundCount": count}

    def transfer() -> int:
        """Every DLQ message moved back to the main queue; how many."""
        moved = queues.transfer_dlq_to_queue()
        log.info("Moved %d messages from %s back to %s", moved, queues.dlq_name(), queues.queue_name())
        return moved

    def transfer_event_messages() -> None:
        """The original's endpoints: TRANSFERRED_EVENT_DLQ telemetry."""
        moved = transfer()
        found(moved, TRANSFERRED_EVENT_DLQ, {"messages-on-queue": str(moved)})

    def retry_dlq() -> dict[str, int]:
        """hmpps-sqs's endpoints: RetryDLQ telemetry."""
        moved = transfer()
        return found(moved, "RetryDLQ", {"dlq-name": queues.dlq_name() or "", "messages-found": str(moved)})

    def purge(queue_name: str) -> int:
        try:
            purged = queues.purge(queue_name)
        except PurgeTooSoon as refused:
            raise ApiError(429, str(refused), headers={"Retry-After": str(PURGE_INTERVAL_SECONDS)}) from refused
        log.info("Purged %d messages from %s", purged, queue_name)
        return purged

    def known_dlq(dlq_name: str) -> None:
        if dlq_name != queues.dlq_name():
            raise ApiError(404, f"{dlq_name} not found")

    @router.put("/transfer-event-dlq", dependencies=admin, responses=ADMIN_ERRORS, response_class=Response,
                summary="Transfers all DLQ messages to the main queue")
    def transfer_event_dlq() -> None:
        transfer_event_messages()

    @router.put("/purge-event-dlq", dependencies=admin, responses=PURGE_ERRORS, response_class=Response,
                summary="Purges the event dead letter queue")
    def purge_event_dlq() -> None:
        dlq = queues.dlq_name()
        purged = purge(dlq) if dlq is not None else 0
        found(purged, PURGED_EVENT_DLQ, {"messages-on-queue": str(purged)})

    @router.put("/queue-housekeeping", response_class=Response,
                summary="Moves DLQ messages back; internal, called from a Kubernetes CronJob")
    def queue_housekeeping() -> None:
        transfer_event_messages()

    @router.put("/retry-dlq/{dlqName}", dependencies=admin, responses=ADMIN_ERRORS)
    def retry_dlq_named(dlq_name: str = Path(alias="dlqName")) -> dict[str, int]:
        known_dlq(dlq_name)
        return retry_dlq()

    @router.put("/retry-all-dlqs", summary="Internal only: not exposed through the ingress")
    def retry_all_dlqs() -> list[dict[str, int]]:
        return [retry_dlq()] if queues.dlq_name() else []

    @router.put("/purge-queue/{queueName}", dependencies=admin, responses=PURGE_ERRORS)
    def purge_queue(queue_name: str = Path(alias="queueName")) -> dict[str, int]:
        if queue_name not in (queues.queue_name(), queues.dlq_name()):
            raise ApiError(404, f"{queue_name} not found")
        purged = purge(queue_name)
        return found(purged, "PurgeQueue", {"queue-name": queue_name, "messages-found": str(purged)})

    @router.get("/get-dlq-messages/{dlqName}", dependencies=admin, responses=ADMIN_ERRORS)
    def get_dlq_messages(
        dlq_name: str = Path(alias="dlqName"),
        limit: int = Query(100, alias="maxMessages", ge=1, le=MAX_MESSAGES_SHOWN,
                           description="How many messages to show, at most"),
    ) -> dict[str, Any]:
        known_dlq(dlq_name)
        found = queues.message_count(dlq_name)
        messages = [{"body": shown_body(body), "messageId": message_id} for message_id, body in queues.peek_dlq(limit)]
        return {"messagesFoundCount": found, "messagesReturnedCount": len(messages), "messages": messages}

    return router


def shown_body(body: str) -> Any:
    """Parsed when JSON nested at most MAX_SHOWN_DEPTH deep, else the text itself (never a 500)."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return body
    return parsed if _depth_at_most(parsed, MAX_SHOWN_DEPTH) else body


def _depth_at_most(value: Any, limit: int) -> bool:
    """Whether no object or array in `value` lies `limit` or more levels inside it (recursion at most `limit` deep)."""
    if not isinstance(value, dict | list):
        return True
    children = value.values() if isinstance(value, dict) else value
    return limit > 0 and all(_depth_at_most(child, limit - 1) for child in children)
