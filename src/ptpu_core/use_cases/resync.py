"""Re-sync on request (SPEC §12): process 1..MAX_IDS named bookings (ids, or NOMS numbers: the latest booking)
now as an IMPRISONMENT_STATUS-CHANGED (sequence 0), one at a time under its lease, storing nothing. A dry run
(the default) reports writes and telemetry into the answer; `ResyncResult` lists the answers."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from datetime import timedelta
from enum import Enum
from typing import Protocol

from attrs import define, evolve, field, frozen

from ptpu_core.errors import PtpuError, SystemFailure, UpstreamFailure
from ptpu_core.models.events import EventType
from ptpu_core.models.prison import Booking
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.models.service_time import instant
from ptpu_core.outcomes import Done
from ptpu_core.ports import MessageRepository, Telemetry
from ptpu_core.processors.dispatch import process
from ptpu_core.rules.event_parsing import MAX_LONG
from ptpu_core.settings import DomainSettings
from ptpu_core.work.cycle import ON_REQUEST, BookingLeases, NoLeases, booking_lease
from ptpu_core.work.domain_events import DOMAIN_EVENTS, KeptWhenUnpublished
from ptpu_core.work.unit_of_work import BookingWork, DryRun, Ports

log = logging.getLogger(__name__)

MAX_IDS = 500
MAX_BOOKING_ID = MAX_LONG  # prison-api's booking ids are Java longs
TIME_BUDGET = timedelta(seconds=45)  # under the 60 s an nginx ingress waits for an answer by default
NOMS_NUMBER = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")

RequestedId = int | str


class ResyncResult(str, Enum):
    DONE = "DONE"  # processing finished: a stored record would be marked processed (`status` says how)
    TRY_LATER = "TRY_LATER"  # Delius is not ready (`status` says why): a stored record would be retried
    BUSY = "BUSY"  # another pod (or worker, or re-sync) holds the booking's lease: try again shortly
    NOT_FOUND = "NOT_FOUND"  # prison-api knows no such booking, or no booking for the NOMS number
    ERROR = "ERROR"  # a system failure (`detail`); nothing more was done for this booking
    NOT_STARTED = "NOT_STARTED"  # the request's time was spent first: send it again
    STILL_RUNNING = "STILL_RUNNING"  # in hand when the answer could wait no longer; it finishes on its own


@frozen
class TrackedEvent:
    name: str
    attributes: Mapping[str, str]


@frozen
class ResyncItem:
    requested: int | str
    booking_id: int | None
    result: ResyncResult
    status: SynchroniseState | None = None
    crns: tuple[str, ...] = ()
    events: tuple[TrackedEvent, ...] = ()
    writes: tuple[TrackedEvent, ...] = ()
    detail: str | None = None


@define
class ResyncProgress:
    """Thread-safe: the HTTP request calls `stop()` (no more bookings start) and reads while the re-sync writes."""

    _lock: threading.Lock = field(init=False, factory=threading.Lock)
    _wanted: tuple[RequestedId, ...] = field(init=False, default=())
    _answers: list[ResyncItem] = field(init=False, factory=list)
    _running: tuple[RequestedId, int | None] | None = field(init=False, default=None)
    stopped: bool = field(init=False, default=False)
    why_stopped: str | None = field(init=False, default=None)

    def begin(self, wanted: Sequence[RequestedId]) -> None:
        self._wanted = tuple(wanted)

    def running(self, requested: RequestedId, booking_id: int | None) -> None:
        with self._lock:
            self._running = (requested, booking_id)

    def answered(self, item: ResyncItem) -> None:
        with self._lock:
            self._answers.append(item)
            self._running = None

    def stop(self, why: str | None = None) -> None:
        """No more bookings start; `why`, when given, is each id left unstarted's reason (default: time spent)."""
        self.why_stopped = why
        self.stopped = True

    def answers(self) -> list[ResyncItem]:
        with self._lock:
            return list(self._answers)

    def unanswered(self) -> list[ResyncItem]:
        """The ids after the answered ones, in order, NOT_STARTED; the first STILL_RUNNING when it was in hand."""
        with self._lock:
            rest = self._wanted[len(self._answers):]
            running = self._running
        found = [_not_started(one) for one in rest]
        if found and running is not None and running[0] == found[0].requested:
            found[0] = ResyncItem(*running, ResyncResult.STILL_RUNNING)
        return found


def _not_started(requested: RequestedId) -> ResyncItem:
    return ResyncItem(requested, requested if isinstance(requested, int) else None, ResyncResult.NOT_STARTED)


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
    """`ids` as booking ids (int; a float is refused, never rounded) and NOMS numbers (str, ASCII upper-cased
    first as hmpps-prisoner-search's PrisonerSearchService does); InvalidResyncRequest naming each bad one."""
    if not 1 <= len(ids) <= MAX_IDS:
        raise InvalidResyncRequest([f"ids: give between 1 and {MAX_IDS} booking ids or NOMS numbers, not {len(ids)}"])
    wanted = [value.upper() if isinstance(value, str) and value.isascii() else value for value in ids]
    problems = [
        problem for index, (sent, value) in enumerate(zip(ids, wanted, strict=True))
        if (problem := _problem(index, value, sent))
    ]
    if problems:
        raise InvalidResyncRequest(problems)
    return [value for value in wanted if isinstance(value, int | str)]


def _problem(index: int, value: object, sent: object) -> str | None:
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


@define
class _Collected:
    _onward: Telemetry | None = None
    events: list[TrackedEvent] = field(init=False, factory=list)

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        self.events.append(TrackedEvent(name, dict(attributes)))
        if self._onward is not None:
            self._onward.track_event(name, attributes)


class Resync:
    """A dry run (per request, or always with `settings.dry_run`) reports through `dry_run`'s twins;
    `owed_announcements` keeps an announcement that could not be published (`KeptWhenUnpublished`)."""

    def __init__(
        self, ports: Ports, settings: DomainSettings, latest_bookings: LatestBookings, *, dry_run: DryRun,
        leases: BookingLeases | None = None, owed_announcements: MessageRepository | None = None,
    ) -> None:
        self._ports = ports
        self._settings = settings
        self._latest_bookings = latest_bookings
        self._dry_run = dry_run
        self._leases = leases or NoLeases()
        self._owed_store = owed_announcements

    @property
    def always_dry_run(self) -> bool:
        return self._settings.dry_run

    def resync(
        self, ids: Sequence[object], *, dry_run: bool = True, progress: ResyncProgress | None = None
    ) -> ResyncReport:
        """One item per id, in order; InvalidResyncRequest (nothing done) for a bad request. `progress` is kept
        up to date and its `stop()` honoured like a spent time budget."""
        wanted = validated_ids(ids)
        progress = progress or ResyncProgress()
        progress.begin(wanted)
        dry_run = dry_run or self.always_dry_run
        spent_at = instant(self._ports.clock.now()) + TIME_BUDGET
        answered: dict[RequestedId, ResyncItem] = {}  # by booking id and NOMS number: each looked up and leased once
        for requested in wanted:
            progress.running(requested, requested if isinstance(requested, int) else None)
            item = answered.get(requested)  # answered already: the same answer, whatever the budget
            if item is None and (progress.stopped or instant(self._ports.clock.now()) >= spent_at):
                why = progress.why_stopped or f"this request's {TIME_BUDGET.total_seconds():g} s were spent"
                item = evolve(_not_started(requested), detail=f"not started: {why}; send it again")
            elif item is None:
                resolved = self._booking_of(requested)
                if isinstance(resolved, int):
                    progress.running(requested, resolved)
                    if resolved not in answered:
                        answered[resolved] = self._process(resolved, dry_run)
                    item = answered[resolved]
                else:
                    item = resolved  # why the NOMS number has no booking
                answered[requested] = item
            item = evolve(item, requested=requested)
            progress.answered(item)
            log.info("Re-sync%s of %s: booking %s %s %s", " (dry run)" if dry_run else "", requested,
                     item.booking_id, item.result.value, item.status.value if item.status else "")
        return ResyncReport(dry_run, tuple(progress.answers()))

    def _booking_of(self, requested: RequestedId) -> int | ResyncItem:
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

    def _process(self, booking_id: int, dry_run: bool) -> ResyncItem:
        """The booking processed under its lease (BUSY when another holds it). Never stored: the record processed,
        and the one an owed announcement rides on."""
        event_type = EventType.IMPRISONMENT_STATUS_CHANGED.value
        body = json.dumps({"eventType": event_type, "bookingId": booking_id, "imprisonmentStatusSeq": 0})
        now = instant(self._ports.clock.now())
        record = Message(f"resync-{booking_id}", booking_id, event_type, body, created_date=now, delete_by=0)
        writes = _Collected()
        events = _Collected(None if dry_run else self._ports.telemetry)
        ports, settings = evolve(self._ports, telemetry=events), self._settings
        if dry_run:
            # Never the real topic in a dry run: its reporting twin, into this request's answer, or nothing.
            twin = self._dry_run.domain_events
            ports = evolve(ports, domain_events=None if twin is None else twin(events),
                           community_api=self._dry_run.writes(ports.community_api, writes))
            settings = evolve(settings, dry_run=True)
        elif ports.domain_events is not None and self._owed_store is not None:
            kept = KeptWhenUnpublished(ports.domain_events, self._owed_store, record)
            ports = evolve(ports, domain_events=kept)
        try:
            with booking_lease(self._leases, booking_id, ON_REQUEST) as leased:
                if not leased:
                    return ResyncItem(booking_id, booking_id, ResyncResult.BUSY,
                                      detail="the booking is being processed elsewhere; try again shortly")
                outcome = process(record, BookingWork(ports, settings))
        except SystemFailure as failure:  # taking the lease, or processing
            return evolve(_failed(booking_id, booking_id, failure), events=tuple(events.events))
        result = ResyncResult.DONE if isinstance(outcome, Done) else ResyncResult.TRY_LATER
        return ResyncItem(booking_id, booking_id, result, status=outcome.status.state,
                          crns=outcome.status.matching_crns, events=tuple(events.events), writes=tuple(writes.events))


def _failed(requested: RequestedId, booking_id: int | None, failure: SystemFailure) -> ResyncItem:
    """ERROR (NOT_FOUND for prison-api's 404), naming the system that failed, never its text (the log has it)."""
    if isinstance(failure, UpstreamFailure) and failure.service == "prison-api" and failure.status == 404:
        log.info("Re-sync of %s: prison-api has no such booking", requested)
        return ResyncItem(requested, booking_id, ResyncResult.NOT_FOUND, detail="prison-api has no such booking")
    log.warning("Re-sync of %s failed: %s", requested, failure)
    detail = f"{type(failure).__name__}: see the service log"
    if isinstance(failure, UpstreamFailure) and failure.service == DOMAIN_EVENTS:
        detail = "the domain-events topic failed: the announcement is kept and published by scheduled processing"
    elif isinstance(failure, UpstreamFailure):
        detail = f"{failure.service} failed" + (f" (HTTP {failure.status})" if failure.status is not None else "")
    return ResyncItem(requested, booking_id, ResyncResult.ERROR, detail=detail)

