"""The ROLE_PTPU_RESYNC operations (their own role: they write to Delius): POST /resync re-syncs named prisoners
now; POST /retry-system-failures runs the job `retrySystemFailures` now (a dry run, the default, lists its
bookings). Both answer within an nginx ingress's 60 s."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta
from typing import Annotated, Any

from attrs import evolve
from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, WithJsonSchema

from ptpu_core.ports import Clock
from ptpu_core.use_cases.resync import (
    MAX_BOOKING_ID,
    MAX_IDS,
    NOMS_NUMBER,
    InvalidResyncRequest,
    Resync,
    ResyncItem,
    ResyncProgress,
    ResyncReport,
    ResyncResult,
    TrackedEvent,
)
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_runtime.api.errors import ApiError, bad_request, refuse_repeated
from ptpu_runtime.api.security import ROLE_RESYNC, TokenVerifier, require_role, role_errors

log = logging.getLogger(__name__)

STOPPING = "The service is stopping: send it again, to another pod or shortly"
RESYNC_ERRORS = role_errors(ROLE_RESYNC, {
    400: "Validation failure: no id, more than 500, or an id that is neither a booking id nor a NOMS number "
         "(the message names each)",
    415: "The body is not application/json",
    503: STOPPING})
RETRY_ERRORS = role_errors(
    ROLE_RESYNC, {400: "Validation failure: maxBookings out of range, or a parameter given twice", 503: STOPPING})
# Under an nginx ingress's 60 s; then STILL_RUNNING / NOT_STARTED (ptpu_core.use_cases.resync).
ANSWER_WITHIN_SECONDS = 50.0
RETRY_ANSWER_WITHIN_SECONDS = 45.0  # no booking of /retry-system-failures starts after it
CONCURRENT_RESYNCS = 4  # per pod; a request beyond them waits its turn
MAX_BOOKINGS = 1000

# Checked by the core (one message naming every bad id); the schema states the same rule for clients.
RequestedIdSchema = WithJsonSchema({
    "oneOf": [
        {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_BOOKING_ID,
         "description": "A NOMIS booking id, written as a whole number (no fraction or exponent)",
         "example": 1200835},
        {"type": "string", "pattern": NOMS_NUMBER.pattern.replace("[A-Z]", "[A-Za-z]"),
         "description": "A NOMS number (upper-cased first): its latest booking", "example": "A5089DY"}]})


class ResyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[Any, RequestedIdSchema]] = Field(
        description=f"1 to {MAX_IDS} booking ids (integers) or NOMS numbers (strings)",
        json_schema_extra={"minItems": 1, "maxItems": MAX_IDS}, examples=[[1200835, "A5089DY"]])
    dryRun: StrictBool = Field(  # noqa: N815 - the wire name
        True, description="true (the default): write nothing to Delius, answer what would be written")


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
                    "NOT_STARTED: the request's time was spent before this one (or the pod began stopping), send "
                    "it again; STILL_RUNNING: in hand when the answer could wait no longer (50 s), it finishes on "
                    "its own")
    status: str | None = Field(description="The SynchroniseState a stored event would have, e.g. COMPLETED")
    crns: list[str] = Field(description="The CRN linked, or the candidates seen")
    telemetry: list[TelemetryEvent] = Field(description="The telemetry events processing sent")
    writes: list[DeliusWrite] = Field(
        description="Dry run: what it would have written to community-api (empty when it wrote: see telemetry)")
    detail: str | None = None


class ResyncResponse(BaseModel):
    dryRun: bool = Field(description="Whether this was a dry run (always, under PRISONTOPROBATION_DRY_RUN)")  # noqa: N815
    results: list[ResyncOutcome] = Field(description="One per requested id, in the order asked")


class SystemFailureRetry(BaseModel):
    dryRun: bool = Field(  # noqa: N815
        description="True: nothing was written to Delius (only the bookings listed; under "
                    "PRISONTOPROBATION_DRY_RUN, a run whose writes were reported, not made)")
    bookingIds: list[int] = Field(description="The bookings with a record left in ERROR, in the order taken")  # noqa: N815
    bookings: int = Field(description="Bookings worked (0 in a dry run)")
    done: int = Field(description="Records processed to the end")
    retried: int = Field(description="Records left for a later retry (a business outcome, or failing again)")
    systemFailures: int = Field(description="Records that failed for a system reason again")  # noqa: N815
    notStarted: int = Field(description="Bookings not started: the run stopped while the upstream still "  # noqa: N815
                                        "failed, or the answer could not wait longer")


class Resyncs:
    """The re-syncs of POST /resync, on CONCURRENT_RESYNCS threads of their own; `stop` ends them."""

    def __init__(self, resync: Resync) -> None:
        self._resync = resync
        self._workers = ThreadPoolExecutor(CONCURRENT_RESYNCS, thread_name_prefix="resync")
        self._lock = threading.Lock()
        self._in_hand: dict[Future[ResyncReport], ResyncProgress] = {}  # running or waiting for a thread
        self._stopping = False

    def start(self, ids: Sequence[object], *, dry_run: bool) -> tuple[Future[ResyncReport], ResyncProgress] | None:
        """The re-sync under way and its progress; None once `stop` was asked."""
        progress = ResyncProgress()
        with self._lock:
            if self._stopping:
                return None
            running = self._workers.submit(self._resync.resync, ids, dry_run=dry_run, progress=progress)
            self._in_hand[running] = progress
        running.add_done_callback(self._forget)
        return running, progress

    def stop(self) -> None:
        """For the service's stop: no re-sync starts; those in hand start no more bookings (the rest answer
        NOT_STARTED) and finish the booking in hand."""
        with self._lock:
            self._stopping = True
            in_hand = list(self._in_hand.values())
        for progress in in_hand:
            progress.stop("the service is stopping")
        self._workers.shutdown(wait=False)

    def join(self, timeout_seconds: float) -> bool:
        """After `stop`: True when every re-sync and its thread ended within `timeout_seconds`; else they go on,
        and hold the interpreter's exit."""
        with self._lock:
            in_hand = list(self._in_hand)
        if wait(in_hand, timeout_seconds).not_done:
            return False
        self._workers.shutdown(wait=True)  # the threads, their work done, are ending
        return True

    def _forget(self, done: Future[ResyncReport]) -> None:
        with self._lock:
            self._in_hand.pop(done, None)


def resync_router(
    resync: Resync, synchronisation: SynchronisationService, clock: Clock, verifier: TokenVerifier,
    resyncs: Resyncs, answer_within: float = ANSWER_WITHIN_SECONDS,
) -> APIRouter:
    """`resyncs`: where the re-syncs run (the service's, which its stop ends); `answer_within`: seconds POST /resync
    waits for the re-sync before answering what it has."""
    router = APIRouter(tags=["resync"])
    role = Depends(require_role(verifier, ROLE_RESYNC))
    body_schema = ResyncRequest.model_json_schema()

    @router.post(
        "/resync", responses=RESYNC_ERRORS, response_model=ResyncResponse,
        summary="Re-syncs prisoners now, as an IMPRISONMENT_STATUS-CHANGED would (dry run by default)",
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": body_schema}}}})
    async def resync_now(request: Request, who: object = role) -> ResyncResponse:
        asked = await _resync_request(request)
        log.info("POST /resync by %s: %d ids, dryRun=%s", who, len(asked.ids), asked.dryRun or resync.always_dry_run)
        if (started := resyncs.start(asked.ids, dry_run=asked.dryRun)) is None:
            raise ApiError(503, STOPPING)
        running, progress = started
        try:
            report = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(running)), answer_within)
        except InvalidResyncRequest as invalid:
            raise bad_request(str(invalid)) from None
        except TimeoutError:
            progress.stop()
            log.warning("POST /resync by %s: answered after %g s with the re-sync still running", who, answer_within)
            late = [evolve(item, detail=_late_detail(item, answer_within)) for item in progress.unanswered()]
            outcomes = [_outcome(item) for item in [*progress.answers(), *late]]
            return ResyncResponse(dryRun=asked.dryRun or resync.always_dry_run, results=outcomes)
        return ResyncResponse(dryRun=report.dry_run, results=[_outcome(item) for item in report.items])

    @router.post(
        "/retry-system-failures", responses=RETRY_ERRORS, response_model=SystemFailureRetry,
        summary="Retries now the records an outage left in ERROR (short tier); a dry run by default")
    def retry_system_failures(
        request: Request, who: object = role,
        dry_run: bool = Query(True, alias="dryRun", description="false to process them"),
        max_bookings: int = Query(100, alias="maxBookings", ge=1, le=MAX_BOOKINGS, description="Most bookings taken"),
    ) -> SystemFailureRetry:
        refuse_repeated((name for name, _ in request.query_params.multi_items()), "query parameter")
        if not dry_run and synchronisation.stopping:
            raise ApiError(503, STOPPING)
        bookings = synchronisation.system_failures(limit=max_bookings)
        log.info("POST /retry-system-failures by %s: %d bookings, dryRun=%s", who, len(bookings),
                 dry_run or resync.always_dry_run)
        if dry_run:
            return SystemFailureRetry(dryRun=True, bookingIds=bookings, bookings=0, done=0, retried=0,
                                      systemFailures=0, notStarted=0)
        deadline = clock.now() + timedelta(seconds=RETRY_ANSWER_WITHIN_SECONDS)
        summary = synchronisation.probe(bookings, deadline=deadline)
        return SystemFailureRetry(
            dryRun=resync.always_dry_run, bookingIds=bookings, bookings=summary.bookings, done=summary.done,
            retried=summary.retried, systemFailures=summary.errors,
            notStarted=max(0, len(bookings) - summary.bookings - summary.stale - summary.leased_elsewhere))

    return router


async def _resync_request(request: Request) -> ResyncRequest:
    """Read after the token is checked: 415 unless JSON; 400 for bad JSON, a repeated key or a wrong shape."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, f"Unsupported media type {media_type or '(none)'}: send application/json")
    try:
        parsed = json.loads(await request.body(), object_pairs_hook=_no_repeated_keys, parse_float=_json_number)
    except (ValueError, RecursionError):
        raise bad_request("the body is not valid JSON") from None
    try:
        return ResyncRequest.model_validate(parsed)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors(include_url=False)) from None


def _json_number(text: str) -> float | int:
    """`1200835.0` (no exponent) is a whole number, as JSON Schema's `integer` and Jackson read it; `1.5e3` is not."""
    whole, dot, fraction = text.partition(".")
    if dot and "e" not in text.lower() and fraction.strip("0") == "":
        return int(whole)
    return float(text)


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    refuse_repeated((key for key, _ in pairs), "key")
    return dict(pairs)


def _late_detail(item: ResyncItem, waited: float) -> str:
    """Why an item (STILL_RUNNING or NOT_STARTED, ResyncProgress.unanswered) has no result yet."""
    if item.result is ResyncResult.STILL_RUNNING:
        return (f"still being processed after {waited:g} s; it finishes under its lease (its writes may still "
                "land): send it again (a dry run) to see the result")
    return f"not started: the answer could not wait past {waited:g} s; send it again"


def _outcome(item: ResyncItem) -> ResyncOutcome:
    return ResyncOutcome(
        id=item.requested, bookingId=item.booking_id, result=item.result,
        status=item.status.value if item.status is not None else None, crns=list(item.crns),
        telemetry=[TelemetryEvent(name=event.name, attributes=dict(event.attributes)) for event in item.events],
        writes=[_write(event) for event in item.writes], detail=item.detail)


def _write(event: TrackedEvent) -> DeliusWrite:
    """A P2PDryRunWrite event (ptpu_adapters.http.community_api) as the write it stands for."""
    attributes = event.attributes
    return DeliusWrite(
        operation=attributes.get("operation", ""), method=attributes.get("method", ""),
        path=attributes.get("path", ""), body=json.loads(attributes.get("body", "null")))
