"""POST /retry-system-failures, for ROLE_PTPU_RESYNC: the job `retrySystemFailures` run now; a dry run (the
default) lists the bookings it would take. No booking starts after ANSWER_WITHIN_SECONDS (nginx waits 60 s)."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from ptpu_core.ports import Clock
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_runtime.api.errors import refuse_repeated
from ptpu_runtime.api.security import ROLE_RESYNC, TokenVerifier, require_role, role_errors

log = logging.getLogger(__name__)

ANSWER_WITHIN_SECONDS = 45.0
MAX_BOOKINGS = 1000

ERRORS = role_errors(ROLE_RESYNC, {400: "Validation failure: maxBookings out of range, or a parameter given twice"})


class SystemFailureRetry(BaseModel):
    dryRun: bool = Field(description="True: only lists the bookings a run would take")  # noqa: N815
    bookingIds: list[int] = Field(description="The bookings with a record left in ERROR, in the order taken")  # noqa: N815
    bookings: int = Field(description="Bookings worked (0 in a dry run)")
    done: int = Field(description="Records processed to the end")
    retried: int = Field(description="Records left for a later retry (a business outcome, or failing again)")
    systemFailures: int = Field(description="Records that failed for a system reason again")  # noqa: N815
    notStarted: int = Field(description="Bookings not started: the run stopped while the upstream still "  # noqa: N815
                                        "failed, or the answer could not wait longer")


def system_failure_router(service: SynchronisationService, clock: Clock, verifier: TokenVerifier) -> APIRouter:
    router = APIRouter(tags=["resync"])

    @router.post(
        "/retry-system-failures", responses=ERRORS, response_model=SystemFailureRetry,
        summary="Retries now the records an outage left in ERROR (short tier); a dry run by default")
    def retry_system_failures(
        request: Request,
        who: object = Depends(require_role(verifier, ROLE_RESYNC)),
        dry_run: bool = Query(True, alias="dryRun", description="false to process them"),
        max_bookings: int = Query(100, alias="maxBookings", ge=1, le=MAX_BOOKINGS,
                                  description="Most bookings taken"),
    ) -> SystemFailureRetry:
        refuse_repeated((name for name, _ in request.query_params.multi_items()), "query parameter")
        bookings = service.system_failures(limit=max_bookings)
        log.info("POST /retry-system-failures by %s: %d bookings, dryRun=%s", who, len(bookings), dry_run)
        if dry_run:
            return SystemFailureRetry(dryRun=True, bookingIds=bookings, bookings=0, done=0, retried=0,
                                      systemFailures=0, notStarted=0)
        deadline = clock.now() + timedelta(seconds=ANSWER_WITHIN_SECONDS)
        summary = service.retry_system_failures(limit=max_bookings, deadline=deadline)
        return SystemFailureRetry(
            dryRun=False, bookingIds=bookings, bookings=summary.bookings, done=summary.done,
            retried=summary.retried, systemFailures=summary.errors,
            notStarted=max(0, len(bookings) - summary.bookings - summary.stale - summary.leased_elsewhere))

    return router
