"""Re-sync on request: process named bookings now as an IMPRISONMENT_STATUS-CHANGED (sequence 0) would be.

- 1..MAX_IDS ids, each a booking id (1..MAX_BOOKING_ID) or a NOMS number (its latest booking, `LatestBookings`;
  none: NOT_FOUND); anything else raises `InvalidResyncRequest` naming every bad id, before any work.
- One booking at a time, in the order asked, under its per-booking lease: one held elsewhere is BUSY at once.
  A booking named twice is processed once. Nothing is stored.
- Dry run (the default, always with PRISONTOPROBATION_DRY_RUN): writes are reported into the answer's
  `writes`, telemetry answered and not emitted. Otherwise writes and telemetry as scheduled processing.
- A system failure ends that booking as ERROR (prison-api's 404: NOT_FOUND); the others carry on.
- No booking starts once the TIME_BUDGET is spent (under an ingress's 60 s): the ids left are NOT_STARTED.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Protocol

from attrs import evolve, frozen

from ptpu_core.errors import PtpuError, SystemFailure, UpstreamFailure
from ptpu_core.models.events import EventType
from ptpu_core.models.prison import Booking
from ptpu_core.models.record import Message
from ptpu_core.models.service_time import instant
from ptpu_core.outcomes import Done
from ptpu_core.ports import MessageRepository, Telemetry
from ptpu_core.processors.dispatch import process
from ptpu_core.settings import DomainSettings
from ptpu_core.use_cases.resync_progress import ResyncItem, ResyncProgress, ResyncResult, TrackedEvent
from ptpu_core.work.booking_work import ON_REQUEST, BookingLeases, NoLeases
from ptpu_core.work.owed_announcements import DOMAIN_EVENTS, KeptWhenUnpublished
from ptpu_core.work.unit_of_work import BookingWork, DryRun, Ports

log = logging.getLogger(__name__)

MAX_IDS = 500
MAX_BOOKING_ID = 2**63 - 1  # prison-api's booking ids are Java longs
TIME_BUDGET = timedelta(seconds=45)  # under the 60 s an nginx ingress waits for an answer by default
NOMS_NUMBER = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")
PRISON_API = "prison-api"

RequestedId = int | str


class InvalidResyncRequest(PtpuError):
    """The request names no booking, too many, or ids of neither form; `problems` says which and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


class LatestBookings(Protocol):
    def get_latest_booking(self, offender_no: str) -> Booking | None:
        """The prisoner's latest booking (prison-api `GET /api/bookings/offenderNo/{offenderNo}`); None on 404."""


@frozen
class ResyncReport:
    dry_run: bool
    items: tuple[ResyncItem, ...]


def validated_ids(ids: Sequence[object]) -> list[RequestedId]:
    """`ids` as booking ids (int) and NOMS numbers (str); InvalidResyncRequest naming each bad one.

    A booking id is an int: a float (`1.5`, or `1500.0` from a JSON `1.5e3`) is refused, never rounded or
    read as another booking (the HTTP layer reads a JSON `1200835.0`, with a zero fraction and no exponent,
    as the whole number it is). A NOMS number is upper-cased first
    (`g7000aa` is G7000AA), as the successor services read one (hmpps-prisoner-search's
    PrisonerSearchService upper-cases `nomsNumber` before its lookup); only ASCII text is, so that no other
    letter becomes one by upper-casing."""
    if not 1 <= len(ids) <= MAX_IDS:
        raise InvalidResyncRequest([f"ids: give between 1 and {MAX_IDS} booking ids or NOMS numbers, not {len(ids)}"])
    wanted = [_upper_ascii(value) for value in ids]
    problems = [
        problem for index, (sent, value) in enumerate(zip(ids, wanted, strict=True))
        if (problem := _problem(index, value, sent))
    ]
    if problems:
        raise InvalidResyncRequest(problems)
    return [value for value in wanted if isinstance(value, int | str)]


def _upper_ascii(value: object) -> object:
    return value.upper() if isinstance(value, str) and value.isascii() else value


def _problem(index: int, value: object, sent: object) -> str | None:
    """What is wrong with `value` (the id as read), shown as `sent`; None when nothing is."""
    shown = json.dumps(sent) if isinstance(sent, str | int | float | bool) or sent is None else type(sent).__name__
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_BOOKING_ID:
            return None
        return f"ids[{index}]: booking id {shown[:40]} is not a positive whole number of at most {MAX_BOOKING_ID}"
    if isinstance(value, str):
        if NOMS_NUMBER.fullmatch(value):  # not .match: `$` would let a trailing newline through
            return None
        return f"ids[{index}]: {shown[:40]} is not a NOMS number (a letter, four digits, two letters: A1234BC)"
    if isinstance(value, float):
        written = "a whole number, written without a fraction or exponent"
        return f"ids[{index}]: {shown[:40]} is not a booking id ({written})"
    return f"ids[{index}]: {shown[:40]} is neither a booking id (a positive whole number) nor a NOMS number"


class _Collected:
    """Telemetry kept for the answer, optionally passed on to `onward` too."""

    def __init__(self, onward: Telemetry | None = None) -> None:
        self.events: list[TrackedEvent] = []
        self._onward = onward

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        self.events.append(TrackedEvent(name, dict(attributes)))
        if self._onward is not None:
            self._onward.track_event(name, attributes)


class Resync:
    """The re-sync use case (see the module docstring for its rules). `ports.community_api` is the real client:
    a dry run (per request, or always with `settings.dry_run`) reports through `dry_run`'s twins instead.
    `latest_bookings` resolves NOMS numbers; `leases` are the ones the scheduled cycles share (default: none);
    `time_budget` is on the clock port's time; `owed_announcements` keeps an announcement that could not be
    published (the message table, see `KeptWhenUnpublished`)."""

    def __init__(
        self,
        ports: Ports,
        settings: DomainSettings,
        latest_bookings: LatestBookings,
        *,
        dry_run: DryRun,
        leases: BookingLeases | None = None,
        time_budget: timedelta = TIME_BUDGET,
        owed_announcements: MessageRepository | None = None,
    ) -> None:
        self._ports = ports
        self._clock = ports.clock
        self._settings = settings
        self._latest_bookings = latest_bookings
        self._dry_run = dry_run
        self._leases = leases or NoLeases()
        self._time_budget = time_budget
        self._owed_store = owed_announcements

    @property
    def always_dry_run(self) -> bool:
        """PRISONTOPROBATION_DRY_RUN: every re-sync is a dry run."""
        return self._settings.dry_run

    def resync(
        self, ids: Sequence[object], *, dry_run: bool = True, progress: ResyncProgress | None = None
    ) -> ResyncReport:
        """Process each booking named in `ids` (booking ids and NOMS numbers) as a status change now.

        Raises InvalidResyncRequest (nothing done) for a bad request; every other failure is one item's
        ERROR. The report's items are in the order of `ids`, one per id. `progress`, when given, is kept
        up to date and its `stop()` is honoured like a spent time budget (see ResyncProgress)."""
        wanted = validated_ids(ids)
        progress = progress or ResyncProgress()
        progress.begin(wanted)
        dry_run = dry_run or self.always_dry_run
        spent_at = instant(self._clock.now()) + self._time_budget
        by_booking: dict[int, ResyncItem] = {}
        looked_up: dict[str, int | ResyncItem] = {}  # a NOMS number named twice is looked up once
        items: list[ResyncItem] = []
        for requested in wanted:
            progress.running(requested, requested if isinstance(requested, int) else None)
            known = requested if isinstance(requested, int) else looked_up.get(requested)
            if isinstance(known, ResyncItem) or (isinstance(known, int) and known in by_booking):
                resolved: int | ResyncItem = known  # answered already: the same answer, whatever the budget
            elif progress.stopped or instant(self._clock.now()) >= spent_at:
                resolved = _not_started(requested, self._time_budget)
            else:
                resolved = self._booking_of(requested)
                if isinstance(requested, str):
                    looked_up[requested] = resolved
            if isinstance(resolved, ResyncItem):
                item = resolved
            else:
                progress.running(requested, resolved)
                if resolved not in by_booking:
                    by_booking[resolved] = self._leased(resolved, dry_run)
                item = evolve(by_booking[resolved], requested=requested)
            items.append(item)
            progress.answered(item)
            log.info("Re-sync%s of %s: booking %s %s %s", " (dry run)" if dry_run else "", requested,
                     item.booking_id, item.result.value, item.status.value if item.status else "")
        return ResyncReport(dry_run, tuple(items))

    def _booking_of(self, requested: RequestedId) -> int | ResyncItem:
        """The booking id `requested` stands for, or the item saying why there is none."""
        if isinstance(requested, int):
            return requested
        try:
            booking = self._latest_bookings.get_latest_booking(requested)
        except SystemFailure as failure:
            return _failed(requested, None, failure)
        if booking is None or booking.booking_id is None:
            detail = f"prison-api has no booking for {requested}"
            return ResyncItem(requested, None, ResyncResult.NOT_FOUND, detail=detail)
        return booking.booking_id

    def _leased(self, booking_id: int, dry_run: bool) -> ResyncItem:
        try:
            leased = self._leases.try_lease(booking_id, ON_REQUEST)
        except SystemFailure as failure:
            return _failed(booking_id, booking_id, failure)
        if not leased:
            return ResyncItem(booking_id, booking_id, ResyncResult.BUSY,
                              detail="the booking is being processed elsewhere; try again shortly")
        try:
            return self._process(booking_id, dry_run)
        finally:
            self._leases.release(booking_id, ON_REQUEST)

    def _process(self, booking_id: int, dry_run: bool) -> ResyncItem:
        writes = _Collected()
        events = _Collected(None if dry_run else self._ports.telemetry)
        ports, settings, reporting = evolve(self._ports, telemetry=events), self._settings, None
        if dry_run:
            # Never the real topic in a dry run: its reporting twin, into this request's answer, or nothing.
            twin = self._dry_run.domain_events
            ports = evolve(ports, domain_events=None if twin is None else twin(events))
            settings, reporting = evolve(settings, dry_run=True), self._dry_run.writes(ports.community_api, writes)
        elif ports.domain_events is not None and self._owed_store is not None:
            kept = KeptWhenUnpublished(ports.domain_events, self._owed_store, self._status_change(booking_id))
            ports = evolve(ports, domain_events=kept)
        work = BookingWork(ports, settings, dry_run=reporting)
        try:
            outcome = process(self._status_change(booking_id), work)
        except SystemFailure as failure:
            return evolve(_failed(booking_id, booking_id, failure), events=tuple(events.events))
        return ResyncItem(
            booking_id,
            booking_id,
            ResyncResult.DONE if isinstance(outcome, Done) else ResyncResult.TRY_LATER,
            status=outcome.status.state,
            crns=outcome.status.matching_crns,
            events=tuple(events.events),
            writes=tuple(writes.events),
        )

    def _status_change(self, booking_id: int) -> Message:
        """The record an IMPRISONMENT_STATUS-CHANGED (sequence 0, the insert) for the booking would be; never stored."""
        event_type = EventType.IMPRISONMENT_STATUS_CHANGED.value
        now = instant(self._clock.now())
        body = {"eventType": event_type, "bookingId": booking_id, "imprisonmentStatusSeq": 0}
        return Message(f"resync-{booking_id}", booking_id, event_type, json.dumps(body), created_date=now, delete_by=0)


def _not_started(requested: RequestedId, budget: timedelta) -> ResyncItem:
    booking_id = requested if isinstance(requested, int) else None
    detail = f"not started: this request's {budget.total_seconds():g} s were spent; send it again"
    return ResyncItem(requested, booking_id, ResyncResult.NOT_STARTED, detail=detail)


def _failed(requested: RequestedId, booking_id: int | None, failure: SystemFailure) -> ResyncItem:
    """ERROR (NOT_FOUND for prison-api's 404), saying which system failed but not its text (it may carry
    upstream bodies or account ids); the log has the whole failure."""
    if isinstance(failure, UpstreamFailure) and failure.service == PRISON_API and failure.status == 404:
        # An expected answer, not a failure: one INFO line without the upstream body (a 500-id request of
        # unknown bookings wrote 490 WARNING lines with prison-api's body each).
        log.info("Re-sync of %s: prison-api has no such booking", requested)
        return ResyncItem(requested, booking_id, ResyncResult.NOT_FOUND, detail="prison-api has no such booking")
    log.warning("Re-sync of %s failed: %s", requested, failure)
    if isinstance(failure, UpstreamFailure):
        if failure.service == DOMAIN_EVENTS:
            detail = "the domain-events topic failed: the announcement is kept and published by scheduled processing"
            return ResyncItem(requested, booking_id, ResyncResult.ERROR, detail=detail)
        status = f" (HTTP {failure.status})" if failure.status is not None else ""
        return ResyncItem(requested, booking_id, ResyncResult.ERROR, detail=f"{failure.service} failed{status}")
    detail = f"{type(failure).__name__}: see the service log"
    return ResyncItem(requested, booking_id, ResyncResult.ERROR, detail=detail)

