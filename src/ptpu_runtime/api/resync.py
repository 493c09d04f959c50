"""POST /resync (issue 11 §4): re-sync named prisoners now, for ROLE_PTPU_RESYNC.

The use case and its rules are `ptpu_core.resync`; this module is its HTTP face: the request and answer
models (so /v3/api-docs and Swagger UI describe them), the role check and the 400s in the HMPPS error shape.

Why a role of its own rather than ROLE_PTPU_QUEUE_ADMIN: queue-admin moves and purges SQS messages, plumbing
granted to the housekeeping job and support tooling; a re-sync with `dryRun: false` writes to people's
records in Delius, a different power to hand out. The successor services do the same: their re-match
endpoints take their own role, not the hmpps-sqs queue-admin one.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema

from ptpu_core.resync import (
    MAX_BOOKING_ID,
    MAX_IDS,
    NOMS_NUMBER,
    InvalidResyncRequest,
    Resync,
    ResyncItem,
    ResyncResult,
    TrackedEvent,
)
from ptpu_runtime.api.errors import bad_request
from ptpu_runtime.api.security import ROLE_RESYNC, TokenVerifier, require_role

log = logging.getLogger(__name__)

RESYNC_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Validation failure: no id, more than 500, or an id that is neither a booking id "
                         "nor a NOMS number (the message names each)"},
    401: {"description": "No valid bearer token"},
    403: {"description": f"The token lacks {ROLE_RESYNC}"},
}

# Checked by the core (one message naming every bad id); the schema states the same rule for clients.
RequestedIdSchema = WithJsonSchema({
    "oneOf": [
        {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_BOOKING_ID,
         "description": "A NOMIS booking id", "example": 1200835},
        {"type": "string", "pattern": NOMS_NUMBER.pattern, "description": "A NOMS number: its latest booking",
         "example": "A5089DY"},
    ]
})


class ResyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[Any, RequestedIdSchema]] = Field(
        description=f"1 to {MAX_IDS} booking ids (integers) or NOMS numbers (strings)",
        json_schema_extra={"minItems": 1, "maxItems": MAX_IDS}, examples=[[1200835, "A5089DY"]],
    )
    dryRun: StrictBool = Field(  # noqa: N815 - the wire name
        True, description="true (the default): write nothing to Delius, answer what would be written"
    )


class DeliusWrite(BaseModel):
    operation: str = Field(description="The community-api client operation, e.g. update_custody")
    method: str
    path: str
    body: Any = Field(description="The JSON body it would send")


class TelemetryEvent(BaseModel):
    name: str
    attributes: dict[str, str]


class ResyncOutcome(BaseModel):
    id: int | str = Field(description="The id as requested")
    bookingId: int | None = Field(description="The booking it stands for; null when none was found")  # noqa: N815
    result: ResyncResult = Field(
        description="DONE: processing finished (status says how); TRY_LATER: Delius is not ready (status "
                    "says why), a stored event would be retried; BUSY: another pod is processing the booking, "
                    "try again shortly; NOT_FOUND: no such booking; ERROR: an upstream failed (detail); "
                    "NOT_STARTED: the request's 45 s were spent before this one, send it again"
    )
    status: str | None = Field(description="The SynchroniseState a stored event would have, e.g. COMPLETED")
    crns: list[str] = Field(description="The CRN linked, or the candidates seen")
    telemetry: list[TelemetryEvent] = Field(description="The telemetry events processing sent")
    writes: list[DeliusWrite] = Field(description="Dry run: what it would have written to community-api")
    detail: str | None = None


class ResyncResponse(BaseModel):
    dryRun: bool = Field(description="Whether this was a dry run (always, under PRISONTOPROBATION_DRY_RUN)")  # noqa: N815
    results: list[ResyncOutcome] = Field(description="One per requested id, in the order asked")


def resync_router(resync: Resync, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["resync"])

    @router.post(
        "/resync", responses=RESYNC_ERRORS,
        summary="Re-syncs prisoners now, as an IMPRISONMENT_STATUS-CHANGED would (dry run by default)",
    )
    def resync_now(
        request: ResyncRequest, claims: dict[str, Any] = Depends(require_role(verifier, ROLE_RESYNC))
    ) -> ResyncResponse:
        # Who asked, for the audit trail: HMPPS Auth puts the client (or user) in client_id / sub.
        who = claims.get("user_name") or claims.get("client_id") or claims.get("sub")
        log.info("POST /resync by %s: %d ids, dryRun=%s", who, len(request.ids), request.dryRun)
        try:
            report = resync.resync(request.ids, dry_run=request.dryRun)
        except InvalidResyncRequest as invalid:
            raise bad_request(str(invalid)) from None
        return ResyncResponse(dryRun=report.dry_run, results=[_outcome(item) for item in report.items])

    return router


def _outcome(item: ResyncItem) -> ResyncOutcome:
    return ResyncOutcome(
        id=item.requested,
        bookingId=item.booking_id,
        result=item.result,
        status=item.status.value if item.status is not None else None,
        crns=list(item.crns),
        telemetry=[TelemetryEvent(name=event.name, attributes=dict(event.attributes)) for event in item.events],
        writes=[_write(event) for event in item.writes],
        detail=item.detail,
    )


def _write(event: TrackedEvent) -> DeliusWrite:
    """A P2PDryRunWrite event (ptpu_adapters.http.dry_run) as the write it stands for."""
    attributes = event.attributes
    return DeliusWrite(
        operation=attributes.get("operation", ""), method=attributes.get("method", ""),
        path=attributes.get("path", ""), body=json.loads(attributes.get("body", "null")),
    )
