"""Test data builders for phase 1 and the per-event processors, and the fakes wired together."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from attrs import evolve

from ptpu_core.models.events import EventType
from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import Conviction, Custody, OffenderMatch, OffenderMatches, Sentence
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.processors.matching import OffenderMatcher
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import (
    FakeCommunityApi,
    FakeOffenderSearch,
    FakePrisonApi,
    FixedClock,
    InMemoryMessageRepository,
    OneRecord,
    RecordingMetrics,
    RecordingTelemetry,
)
from ptpu_core.use_cases.receive import EventReceiver
from ptpu_core.work.unit_of_work import Ports

NOW = datetime(2021, 3, 10, 12, 0, 0, tzinfo=UTC)  # noon in London (GMT in March before the change)
BOOKING_ID = 1200835
OFFENDER_NO = "A5089DY"
BOOKING_NO = "38339A"
PRISON = "MDI"
SENTENCE_START = date(2020, 2, 11)
SENTENCE_EXPIRY = date(2030, 2, 10)

STATUS_CHANGE = EventType.IMPRISONMENT_STATUS_CHANGED.value
MOVEMENT = EventType.EXTERNAL_MOVEMENT_RECORD_INSERTED.value
SENTENCE_DATES = EventType.SENTENCE_DATES_CHANGED.value
RELEASE_DATE = EventType.CONFIRMED_RELEASE_DATE_CHANGED.value
BOOKING_NUMBER = EventType.BOOKING_NUMBER_CHANGED.value


def a_booking(**changes: object) -> Booking:
    booking = Booking(
        booking_id=BOOKING_ID,
        booking_no=BOOKING_NO,
        active_flag=True,
        offender_no=OFFENDER_NO,
        first_name="JOHN",
        last_name="SMITH",
        date_of_birth=date(1965, 7, 19),
        agency_id=PRISON,
        location_description="Moorland (HMP & YOI)",
        recall=False,
        legal_status="SENTENCED",
    )
    return evolve(booking, **changes)  # type: ignore[arg-type]


def a_sentence_detail(**changes: object) -> SentenceDetail:
    detail = SentenceDetail(
        sentence_start_date=SENTENCE_START,
        confirmed_release_date=date(2023, 5, 1),
        conditional_release_date=date(2023, 5, 2),
        licence_expiry_date=date(2025, 6, 1),
        parole_eligibility_date=date(2022, 1, 1),
        sentence_expiry_date=SENTENCE_EXPIRY,
        topup_supervision_expiry_date=date(2026, 6, 1),
        release_date=date(2023, 5, 1),
        home_detention_curfew_eligibility_date=date(2022, 11, 1),
    )
    return evolve(detail, **changes)  # type: ignore[arg-type]


def a_term(start: date, sequence: int = 1, consecutive_to: int | None = None) -> SentenceTerm:
    return SentenceTerm(start_date=start, sentence_sequence=sequence, consecutive_to=consecutive_to)


def an_admission(to_agency: str | None = PRISON, movement_type: str = "ADM") -> Movement:
    return Movement(offender_no=OFFENDER_NO, to_agency=to_agency, movement_type=movement_type, from_agency="LEI")


def a_conviction(start: date | None = SENTENCE_START, custodial: bool = True, active: bool | None = True) -> Conviction:
    return Conviction(
        conviction_id=1,
        active=active,
        sentence=Sentence(start_date=start, description="CJA - Std Determinate Custody"),
        custody=Custody(booking_number=BOOKING_NO) if custodial else None,
    )


def matches(matched_by: str, *crns: str) -> OffenderMatches:
    return OffenderMatches(tuple(OffenderMatch(crn) for crn in crns), matched_by)


def inner_message(event_type: str, **fields: object) -> str:
    """An inner NOMIS event message as the SNS envelope's `Message` carries it."""
    return json.dumps({"eventType": event_type, "bookingId": BOOKING_ID, **fields})


def a_stored(event_type: str, message_json: str | None = None, **changes: object) -> Message:
    message = Message(
        id="stored-1",
        booking_id=BOOKING_ID,
        event_type=event_type,
        message=message_json if message_json is not None else inner_message(event_type),
        created_date=NOW - timedelta(hours=2),
        delete_by=initial_delete_by(NOW - timedelta(hours=2)),
        status=SynchroniseState.VALIDATED,
        reportable=True,
    )
    return evolve(message, **changes)  # type: ignore[arg-type]


class Fakes:
    """Every fake the core needs, holding one sentenced prisoner at an interested prison by default."""

    def __init__(self, only_prisons: frozenset[str] = frozenset()) -> None:
        self.prison = FakePrisonApi()
        self.community = FakeCommunityApi()
        self.search = FakeOffenderSearch()
        self.telemetry = RecordingTelemetry()
        self.metrics = RecordingMetrics()
        self.clock = FixedClock(NOW)
        self.repository = InMemoryMessageRepository()
        self.settings = DomainSettings(only_prisons=only_prisons)
        self.prison.bookings[BOOKING_ID] = a_booking()
        self.prison.sentence_details[BOOKING_ID] = a_sentence_detail()
        self.prison.sentence_terms[BOOKING_ID] = [a_term(SENTENCE_START)]
        self.prison.prisoners[OFFENDER_NO] = Prisoner(OFFENDER_NO, pnc_number="2018/0123456X", cro_number="123456/18Y")

    def booking(self, **changes: object) -> None:
        self.prison.bookings[BOOKING_ID] = a_booking(**changes)

    def merged(self, *old_offender_nos: str) -> None:
        self.prison.identifiers[BOOKING_ID] = [BookingIdentifier("MERGED", value) for value in old_offender_nos]

    def delius_offender(self, crn: str, noms_number: str | None = None, *convictions: Conviction) -> None:
        self.community.add_offender(crn, noms_number, *(convictions or (a_conviction(),)))

    def search_finds(self, matched_by: str, *crns: str) -> None:
        self.search.results[OFFENDER_NO] = matches(matched_by, *crns)

    def linked_offender(self, crn: str = "X142620") -> None:
        """The usual happy case: Delius already holds the prisoner, matched by NOMS number."""
        self.delius_offender(crn, OFFENDER_NO)
        self.search_finds("HMPPS_KEY", crn)

    def receiver(self, ids: list[str] | None = None) -> EventReceiver:
        pool = iter(ids or [f"id-{n}" for n in range(1, 100)])
        new_id = lambda: next(pool)  # noqa: E731 - a generator of predictable ids
        return EventReceiver(
            self.prison, self.repository, self.clock, self.settings, new_id, metrics=self.metrics
        )

    def matcher(self) -> OffenderMatcher:
        return OffenderMatcher(self.prison, self.search, self.community, self.telemetry, self.settings)

    def ports(self, **changes: object) -> Ports:
        ports = Ports(self.prison, self.community, self.search, self.telemetry, self.metrics, self.clock)
        return evolve(ports, **changes)  # type: ignore[arg-type]

    def processor(self, store: InMemoryMessageRepository | None = None) -> OneRecord:
        """Each record through a fresh unit of work; given `store`, its journal is written there."""
        return OneRecord(self.ports(), self.settings, store)

    def community_writes(self) -> list[str]:
        return [name for name in self.community.call_names() if name != "get_convictions"]
