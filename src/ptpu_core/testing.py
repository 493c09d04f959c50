"""The core's test support: an in-memory fake of every port (they record state, so tests assert what
happened).

Shared by the unit tests, the local sandbox and the benchmarks, and offered to services reusing the core
for their own tests; production code never imports it (an import-linter contract). The block at the end
type-checks each fake against its Protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta

from attrs import define, evolve, field

from ptpu_core import ports
from ptpu_core.errors import StoreFailure, UpstreamFailure
from ptpu_core.models.domain_event import HmppsDomainEvent
from ptpu_core.models.prison import (
    Booking,
    BookingIdentifier,
    Movement,
    Prisoner,
    SentenceDetail,
    SentenceTerm,
)
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    Institution,
    MatchRequest,
    NotFound,
    OffenderMatches,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.models.record import Message
from ptpu_core.models.service_time import instant, wall_clock, wall_clock_between
from ptpu_core.outcomes import Outcome
from ptpu_core.processors.dispatch import process
from ptpu_core.rules.retry_policy import epoch_seconds
from ptpu_core.settings import DomainSettings
from ptpu_core.use_cases.resync import LatestBookings
from ptpu_core.use_cases.synchronise import Store
from ptpu_core.work.cycle import KEEP_SHARE, BookingLeases, LeaseRun
from ptpu_core.work.effect_journal import AppliedStepStore
from ptpu_core.work.unit_of_work import BookingWork, Ports


class FixedClock:
    """A clock that moves only when told to. Given naive times are London wall-clock time (as the
    real clock's records); `now()` answers the aware UTC instant, `advance` moves along the time line."""

    def __init__(self, now: datetime) -> None:
        self._now = instant(now)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return wall_clock(self._now).date()

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, now: datetime) -> None:
        self._now = instant(now)


@define
class RecordedEvent:
    name: str
    attributes: dict[str, str]


class RecordingTelemetry:
    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        self.events.append(RecordedEvent(name, {k: str(v) for k, v in attributes.items() if v is not None}))

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def named(self, name: str) -> list[RecordedEvent]:
        return [e for e in self.events if e.name == name]


class RecordingMetrics:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.successes: list[tuple[int, float]] = []

    def _count(self, metric: str, kind: str) -> None:
        self.counts[(metric, kind)] = self.counts.get((metric, kind), 0) + 1

    def movement(self, kind: str) -> None:
        self._count("movement", kind)

    def sentence_date_change(self, kind: str) -> None:
        self._count("sentenceDateChange", kind)

    def status_change(self, kind: str) -> None:
        self._count("statusChange", kind)

    def unreadable_record(self, kind: str) -> None:
        self._count("unreadableRecord", kind)

    def status_change_succeeded(self, retries: int, days: float) -> None:
        self.successes.append((retries, days))

    def duplicate_message(self, event_type: str) -> None:
        self._count("duplicateMessage", event_type)

    def event_received(self, event_type: str, reception: str) -> None:
        self._count("eventsReceived", f"{event_type}:{reception}")

    def record_processed(self, event_type: str, outcome: str) -> None:
        self._count("records", f"{event_type}:{outcome}")

    def record_retried(self, tier: str) -> None:
        self._count("retries", tier)

    def count(self, metric: str, kind: str) -> int:
        return self.counts.get((metric, kind), 0)


class _Failing:
    """Lets a test make named calls raise a system failure."""

    service = "fake"

    def __init__(self) -> None:
        self.failing_calls: set[str] = set()
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def _called(self, name: str, *args: object) -> None:
        self.calls.append((name, args))
        if name in self.failing_calls or "*" in self.failing_calls:
            raise UpstreamFailure(self.service, f"{name} failed (injected)", 500)

    def call_names(self) -> list[str]:
        return [name for name, _ in self.calls]


class FakePrisonApi(_Failing):
    service = "prison-api"

    def __init__(self) -> None:
        super().__init__()
        self.bookings: dict[int, Booking] = {}
        self.sentence_details: dict[int, SentenceDetail] = {}
        self.sentence_terms: dict[int, list[SentenceTerm]] = {}
        self.movements: dict[tuple[int, int], Movement] = {}
        self.identifiers: dict[int, list[BookingIdentifier]] = {}
        self.prisoners: dict[str, Prisoner] = {}

    def get_booking(self, booking_id: int) -> Booking:
        self._called("get_booking", booking_id)
        try:
            return self.bookings[booking_id]
        except KeyError:
            raise UpstreamFailure(self.service, f"booking {booking_id} not found", 404) from None

    def get_sentence_detail(self, booking_id: int) -> SentenceDetail:
        self._called("get_sentence_detail", booking_id)
        return self.sentence_details.get(booking_id, SentenceDetail())

    def get_sentence_terms(self, booking_id: int) -> list[SentenceTerm]:
        self._called("get_sentence_terms", booking_id)
        return list(self.sentence_terms.get(booking_id, []))

    def get_movement(self, booking_id: int, movement_seq: int) -> Movement | None:
        self._called("get_movement", booking_id, movement_seq)
        return self.movements.get((booking_id, movement_seq))

    def get_merged_identifiers(self, booking_id: int) -> list[BookingIdentifier]:
        self._called("get_merged_identifiers", booking_id)
        return [i for i in self.identifiers.get(booking_id, []) if i.type == "MERGED"]

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        self._called("get_prisoner", offender_no)
        return self.prisoners.get(offender_no)

    def get_latest_booking(self, offender_no: str) -> Booking | None:
        """The offender's booking with the highest id (NOMIS numbers bookings in order), None without one."""
        self._called("get_latest_booking", offender_no)
        ids = [booking_id for booking_id, booking in self.bookings.items() if booking.offender_no == offender_no]
        return evolve(self.bookings[max(ids)], booking_id=max(ids)) if ids else None


class FakeOffenderSearch(_Failing):
    service = "offender-search"

    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, OffenderMatches] = {}
        self.requests: list[MatchRequest] = []

    def match(self, request: MatchRequest) -> OffenderMatches:
        self._called("match", request)
        self.requests.append(request)
        return self.results.get(request.noms_number, OffenderMatches())


@define
class DeliusOffender:
    crn: str
    noms_number: str | None = None
    convictions: list[Conviction] = field(factory=list)
    key_dates: dict[str, ReplaceCustodyKeyDates] = field(factory=dict)


class FakeCommunityApi(_Failing):
    """A tiny stateful Delius: offenders by CRN with convictions; writes change state."""

    service = "community-api"

    def __init__(self) -> None:
        super().__init__()
        self.offenders: dict[str, DeliusOffender] = {}
        self.booking_number_not_assigned: set[str] = set()
        self.custody_not_found: set[tuple[str, str]] = set()
        self.key_dates_not_found: dict[tuple[str, str], str] = {}

    def add_offender(self, crn: str, noms_number: str | None = None, *convictions: Conviction) -> DeliusOffender:
        offender = DeliusOffender(crn, noms_number, list(convictions))
        self.offenders[crn] = offender
        return offender

    def _by_noms(self, noms_number: str) -> list[DeliusOffender]:
        return [o for o in self.offenders.values() if o.noms_number == noms_number]

    def get_convictions(self, crn: str) -> list[Conviction]:
        self._called("get_convictions", crn)
        offender = self.offenders.get(crn)
        return list(offender.convictions) if offender else []

    def update_noms_number(self, crn: str, noms_number: str) -> IDs:
        self._called("update_noms_number", crn, noms_number)
        offender = self.offenders.setdefault(crn, DeliusOffender(crn))
        offender.noms_number = noms_number
        return IDs(crn, noms_number)

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        self._called("replace_noms_number", old_noms_number, new_noms_number)
        replaced = []
        for offender in self._by_noms(old_noms_number):
            offender.noms_number = new_noms_number
            replaced.append(IDs(offender.crn, new_noms_number))
        return replaced

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        self._called("update_booking_number", noms_number, body)
        if noms_number in self.booking_number_not_assigned or not self._by_noms(noms_number):
            return None
        return Custody(booking_number=body.booking_number)

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        self._called("update_custody", noms_number, booking_number, body)
        if (noms_number, booking_number) in self.custody_not_found or not self._by_noms(noms_number):
            return None
        code = body.noms_prison_institution_code
        return Custody(booking_number, Institution(description=f"{code} prison", noms_prison_institution_code=code))

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        self._called("replace_key_dates", noms_number, booking_number, body)
        reason = self.key_dates_not_found.get((noms_number, booking_number))
        if reason is not None:
            return NotFound(reason)
        offenders = self._by_noms(noms_number)
        if not offenders:
            return NotFound(f"Offender with nomsNumber {noms_number} not found")
        for offender in offenders:
            offender.key_dates[booking_number] = body
        return Custody(booking_number=booking_number)


class InMemoryMessageRepository:
    """Thread-safe dict store; iterators return snapshots sorted by created date.

    Given a clock, the pending queries leave out expired records (delete_by passed) as the DynamoDB
    store does; without one they keep everything.
    """

    def __init__(self, clock: ports.Clock | None = None) -> None:
        self._items: dict[str, Message] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _pending(self, message: Message) -> bool:
        if message.is_processed:
            return False
        return self._clock is None or message.delete_by > epoch_seconds(self._clock.now())

    def _select(self, keep: object) -> list[Message]:
        with self._lock:
            chosen = [evolve(m) for m in self._items.values() if keep(m)]  # type: ignore[operator]
        return sorted(chosen, key=lambda m: m.created_date)

    def all(self) -> list[Message]:
        return self._select(lambda m: True)

    def add(self, message: Message) -> bool:
        with self._lock:
            if message.id in self._items:
                return False
            self._items[message.id] = evolve(message)
            return True

    def update(self, message: Message) -> None:
        with self._lock:
            self._items[message.id] = evolve(message)

    def delete(self, message: Message) -> None:
        with self._lock:
            self._items.pop(message.id, None)

    def record_applied_steps(self, message_id: str, steps: Collection[str]) -> None:
        with self._lock:
            stored = self._items.get(message_id)
            if stored is None:
                raise StoreFailure(f"record {message_id} not found")
            self._items[message_id] = evolve(stored, applied_steps=stored.applied_steps | frozenset(steps))

    def get(self, message_id: str) -> Message | None:
        with self._lock:
            found = self._items.get(message_id)
        return evolve(found) if found else None

    def unprocessed_created_before(self, created_before: datetime) -> Iterator[Message]:
        return iter(
            self._select(lambda m: self._pending(m) and m.retry_count == 0 and m.created_date < instant(created_before))
        )

    def unprocessed_for_booking(self, booking_id: int) -> list[Message]:
        return self._select(lambda m: self._pending(m) and m.booking_id == booking_id)

    def unprocessed_with_retries(self, min_retries: int, max_retries: int | None) -> Iterator[Message]:
        top = max_retries if max_retries is not None else 2**31

        return iter(self._select(lambda m: self._pending(m) and min_retries <= m.retry_count <= top))

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        return _oldest_first(
            self._select(lambda m: not m.is_processed and wall_clock_between(m.created_date, None, created_before))
        )

    def processed_between(
        self,
        start: datetime | None,
        end: datetime | None,
        created_start: datetime | None = None,
        created_end: datetime | None = None,
    ) -> Iterator[Message]:
        def keep(m: Message) -> bool:
            return (
                m.processed_date is not None
                and wall_clock_between(m.processed_date, start, end)
                and wall_clock_between(m.created_date, created_start, created_end)
            )

        return _oldest_first(self._select(keep))

    def created_between(
        self, start: datetime | None, end: datetime | None, event_type: str | None
    ) -> Iterator[Message]:
        def keep(m: Message) -> bool:
            return wall_clock_between(m.created_date, start, end) and (
                event_type is None or m.event_type == event_type
            )

        return _oldest_first(self._select(keep))


def _oldest_first(messages: list[Message]) -> Iterator[Message]:
    """The reports' order: by London wall-clock created date (ties by id, so tests see one order)."""
    return iter(sorted(messages, key=lambda m: (wall_clock(m.created_date), m.id)))


@define
class LeaseItem:
    """One booking's lease as `DynamoBookingLeases` keeps it (ShedLock's attributes, plus retry run stamps)."""

    locked_by: str
    locked_at: datetime
    lock_until: datetime
    run_stamps: dict[object, datetime] = field(factory=dict)  # RetryTier -> the run's start


class InMemoryBookingLeases:
    """The BookingLeases port over a dict that several pods (instances) share, driven by a clock: the same
    rules as `DynamoBookingLeases` (a lease is granted when free, run out, or ours and held by no worker;
    refused after another pod freed it since `new_cycle`; a retry tier's stamp keeps a tick's second run
    out; `keep` extends a lease once less than KEEP_SHARE of it is left, while the item is as we left it).
    `writes` lists every lease attempt (booking id), `kept` every extension written and `reads` every
    look-ahead, for tests."""

    def __init__(
        self, clock: ports.Clock, owner: str, lease: timedelta, table: dict[int, LeaseItem] | None = None
    ) -> None:
        self._clock = clock
        self.owner = owner
        self.lease: timedelta | None = lease
        self.table = table if table is not None else {}
        self._mutex = threading.Lock()
        self._held: dict[int, datetime] = {}  # booking -> the lock_until we wrote
        self._cycle_started: datetime | None = None
        self.writes: list[int] = []
        self.kept: list[int] = []
        self.reads: list[list[int]] = []
        self.read_failure: StoreFailure | None = None

    def new_cycle(self) -> None:
        self._cycle_started = self._clock.now()

    def _refused(self, item: LeaseItem | None, run: LeaseRun, now: datetime) -> bool:
        if item is None:
            return False
        cycle = None if self._cycle_started is None or run.on_request else self._cycle_started
        if item.locked_by != self.owner and (item.lock_until > now or (cycle is not None and item.lock_until > cycle)):
            return True
        stamp = None if run.tier is None else item.run_stamps.get(run.tier)
        return stamp is not None and run.started is not None and stamp >= run.started - run.same_run_within

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        now = self._clock.now()
        with self._mutex:
            if booking_id in self._held:
                return False
            self.writes.append(booking_id)
            item = self.table.get(booking_id)
            if self._refused(item, run, now):
                return False
            stamps = {} if item is None else item.run_stamps
            self.table[booking_id] = LeaseItem(self.owner, now, now + (self.lease or timedelta(0)), stamps)
            self._held[booking_id] = self.table[booking_id].lock_until
            return True

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        now = self._clock.now()
        lease = self.lease or timedelta(0)
        with self._mutex:
            until = self._held.get(booking_id)
            if until is None:
                return False
            if until - now >= lease * KEEP_SHARE:
                return True
            item = self.table.get(booking_id)
            if item is None or item.locked_by != self.owner or item.lock_until != until:
                return False  # taken by another pod since (its take rewrote the item)
            item.lock_until = self._held[booking_id] = now + lease
            self.kept.append(booking_id)
            return True

    def release(self, booking_id: int, run: LeaseRun) -> None:
        with self._mutex:
            self._held.pop(booking_id, None)
            item = self.table.get(booking_id)
            if item is not None and item.locked_by == self.owner:
                item.lock_until = self._clock.now()
                if run.tier is not None and run.started is not None:
                    item.run_stamps[run.tier] = run.started

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> set[int]:
        self.reads.append(list(booking_ids))
        if self.read_failure is not None:
            raise self.read_failure
        now = self._clock.now()
        with self._mutex:
            return {b for b in booking_ids if self._refused(self.table.get(b), run, now)}


class FakeDomainEventPublisher:
    """Keeps what was published, in order; `failures` makes that many next publishes raise."""

    def __init__(self, failures: int = 0) -> None:
        self.published: list[HmppsDomainEvent] = []
        self.failures = failures
        self.attempts = 0

    def publish(self, event: HmppsDomainEvent) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise UpstreamFailure("domain-events topic", "publish failed (injected)")
        self.published.append(event)

    def event_types(self) -> list[str]:
        return [event.event_type for event in self.published]


def fake_ports(
    clock: ports.Clock | None = None, metrics: ports.Metrics | None = None, telemetry: ports.Telemetry | None = None
) -> Ports:
    """Ports over fresh fakes (those given shared); the clock defaults to 2021-03-10 noon in London."""
    return Ports(
        FakePrisonApi(), FakeCommunityApi(), FakeOffenderSearch(), telemetry or RecordingTelemetry(),
        metrics or RecordingMetrics(), clock or FixedClock(datetime(2021, 3, 10, 12)),
    )


class OneRecord:
    """Each record through a fresh `BookingWork` (a booking of one record), as the cycle takes it but without
    saving an outcome: given a `store`, the record's journal is written alone when processing ends or fails."""

    def __init__(self, ports: Ports, settings: DomainSettings, store: AppliedStepStore | None = None) -> None:
        self.ports = ports
        self.settings = settings
        self.store = store

    def process(self, message: Message) -> Outcome:
        work = BookingWork(self.ports, self.settings, store=self.store)
        work.begin(message)
        try:
            result: Outcome | Exception = process(message, work)
        except Exception as error:  # noqa: BLE001 - raised again once the journal is written
            result = error
        return work.commit(result)


def _conforms() -> None:
    """Never called: mypy checks here that each fake satisfies its port."""
    _clock: ports.Clock = FixedClock(datetime(2020, 1, 1))
    _telemetry: ports.Telemetry = RecordingTelemetry()
    _metrics: ports.Metrics = RecordingMetrics()
    _prison: ports.PrisonApi = FakePrisonApi()
    _latest_bookings: LatestBookings = FakePrisonApi()
    _search: ports.OffenderSearchApi = FakeOffenderSearch()
    _community: ports.CommunityApi = FakeCommunityApi()
    _repository: ports.MessageRepository = InMemoryMessageRepository()
    _domain_events: ports.DomainEventPublisher = FakeDomainEventPublisher()
    _store: Store = InMemoryMessageRepository()
    _leases: BookingLeases = InMemoryBookingLeases(_clock, "pod", timedelta(minutes=5))
