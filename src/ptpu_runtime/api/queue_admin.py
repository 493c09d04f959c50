"""PUT/GET /queue-admin/* (SPEC §9): the original's three endpoints and the hmpps-sqs convention ones."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from ptpu_core.ports import QueueAdmin, Telemetry
from ptpu_runtime.api.errors import ApiError
from ptpu_runtime.api.reports import whole_number
from ptpu_runtime.api.security import ROLE_QUEUE_ADMIN, TokenVerifier, require_role

log = logging.getLogger(__name__)


# What the role-protected operations can answer besides 200, so the OpenAPI document matches the service.
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Validation failure (a parameter of the wrong form)"},
    401: {"description": "No valid bearer token"},
    403: {"description": f"The token lacks {ROLE_QUEUE_ADMIN}"},
    404: {"description": "No such queue"},
}


def queue_admin_router(queues: QueueAdmin, telemetry: Telemetry, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(prefix="/queue-admin", tags=["queue-admin"])
    admin = [Depends(require_role(verifier, ROLE_QUEUE_ADMIN))]

    def retry_dlq() -> dict[str, int]:
        dlq = queues.dlq_name() or ""
        moved = queues.transfer_dlq_to_queue()
        log.info("Moved %d messages from %s back to %s", moved, dlq, queues.queue_name())
        if moved > 0:
            telemetry.track_event("RetryDLQ", {"dlq-name": dlq, "messages-found": str(moved)})
        return {"messagesFoundCount": moved}

    def purge(queue_name: str) -> dict[str, int]:
        purged = queues.purge(queue_name)
        log.info("Purged %d messages from %s", purged, queue_name)
        if purged > 0:
            telemetry.track_event("PurgeQueue", {"queue-name": queue_name, "messages-found": str(purged)})
        return {"messagesFoundCount": purged}

    def known_dlq(dlq_name: str) -> str:
        if dlq_name != queues.dlq_name():
            raise ApiError(404, f"{dlq_name} not found")
        return dlq_name

    @router.put("/transfer-event-dlq", dependencies=admin, responses=ADMIN_ERRORS, response_class=Response,
                summary="Transfers all DLQ messages to the main queue")
    def transfer_event_dlq() -> Response:
        retry_dlq()
        return Response(status_code=200)

    @router.put("/purge-event-dlq", dependencies=admin, responses=ADMIN_ERRORS, response_class=Response,
                summary="Purges the event dead letter queue")
    def purge_event_dlq() -> Response:
        dlq = queues.dlq_name()
        if dlq is not None:
            purge(dlq)
        return Response(status_code=200)

    @router.put("/queue-housekeeping", response_class=Response,
                summary="Moves DLQ messages back; internal, called from a Kubernetes CronJob")
    def queue_housekeeping() -> Response:
        retry_dlq()
        return Response(status_code=200)

    @router.put("/retry-dlq/{dlqName}", dependencies=admin, responses=ADMIN_ERRORS)
    def retry_dlq_named(dlq_name: str = Path(alias="dlqName")) -> dict[str, int]:
        known_dlq(dlq_name)
        return retry_dlq()

    @router.put("/retry-all-dlqs", summary="Internal only: not exposed through the ingress")
    def retry_all_dlqs() -> list[dict[str, int]]:
        return [retry_dlq()] if queues.dlq_name() else []

    @router.put("/purge-queue/{queueName}", dependencies=admin, responses=ADMIN_ERRORS)
    def purge_queue(queue_name: str = Path(alias="queueName")) -> dict[str, int]:
        if queue_name not in (queues.queue_name(), queues.dlq_name()):
            raise ApiError(404, f"{queue_name} not found")
        return purge(queue_name)

    @router.get("/get-dlq-messages/{dlqName}", dependencies=admin, responses=ADMIN_ERRORS)
    def get_dlq_messages(
        dlq_name: str = Path(alias="dlqName"), max_messages: str = Query("100", alias="maxMessages")
    ) -> dict[str, Any]:
        known_dlq(dlq_name)
        limit = whole_number("maxMessages", max_messages, minimum=1)
        found = queues.message_count(dlq_name)
        messages = [{"body": _parsed(body), "messageId": message_id} for message_id, body in queues.peek_dlq(limit)]
        return {"messagesFoundCount": found, "messagesReturnedCount": len(messages), "messages": messages}

    return router


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body
