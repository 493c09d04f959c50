"""One booking's pass: its kept records share prison-api reads and skip a repeated key-dates write.

Within one pass (one booking's kept records, processed in order by one worker):
- each prison-api resource (booking, sentence detail, sentence terms, prisoner, movement, merged
  identifiers) is read once and reused: nothing this service does changes prison-api, and the pass
  lasts seconds, so a second read could only return the same thing;
- a `replace_key_dates` identical to the last one (same NOMS number, booking number and body) with no
  other Delius write between them is not sent again: SENTENCE_DATES-CHANGED and
  CONFIRMED_RELEASE_DATE-CHANGED (and IMPRISONMENT_STATUS-CHANGED's step 9) all PUT the key dates from
  the same sentence detail, and a PUT of the same values leaves Delius as it was. The earlier answer
  (Custody or NotFound) is handed back, so each record still gets its own outcome, telemetry and
  metrics. Any other write (booking number, custody, NOMS number) may change what the PUT finds, so it
  forgets the remembered one.
A failure (an exception) is never remembered: the next record asks again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import (
    Conviction,
    Custody,
    IDs,
    NotFound,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome
from ptpu_core.ports import (
    Clock,
    CommunityApi,
    DomainEventPublisher,
    Metrics,
    OffenderSearchApi,
    PrisonApi,
    Telemetry,
)
from ptpu_core.processors.dispatch import MessageProcessor
from ptpu_core.settings import DomainSettings
from ptpu_core.work.effect_journal import AppliedStepStore

T = TypeVar("T")


class PassPrisonApi:
    """PrisonApi for one pass: every read made once per distinct argument list."""

    def __init__(self, inner: PrisonApi) -> None:
        self._inner = inner
        self._read: dict[Hashable, Any] = {}

    def _once(self, key: Hashable, read: Callable[[], T]) -> T:
        if key not in self._read:
            self._read[key] = read()
        return self._read[key]  # type: ignore[no-any-return]

    def get_booking(self, booking_id: int) -> Booking:
        return self._once(("booking", booking_id), lambda: self._inner.get_booking(booking_id))

    def get_sentence_detail(self, booking_id: int) -> SentenceDetail:
        return self._once(("detail", booking_id), lambda: self._inner.get_sentence_detail(booking_id))

    def get_sentence_terms(self, booking_id: int) -> list[SentenceTerm]:
        return list(self._once(("terms", booking_id), lambda: self._inner.get_sentence_terms(booking_id)))

    def get_movement(self, booking_id: int, movement_seq: int) -> Movement | None:
        return self._once(
            ("movement", booking_id, movement_seq), lambda: self._inner.get_movement(booking_id, movement_seq)
        )

    def get_merged_identifiers(self, booking_id: int) -> list[BookingIdentifier]:
        return list(self._once(("merged", booking_id), lambda: self._inner.get_merged_identifiers(booking_id)))

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        return self._once(("prisoner", offender_no), lambda: self._inner.get_prisoner(offender_no))


class PassCommunityApi:
    """CommunityApi for one pass: a key-dates PUT identical to the last, with no write between, is skipped."""

    def __init__(self, inner: CommunityApi) -> None:
        self._inner = inner
        self._last_key_dates: tuple[tuple[str, str, ReplaceCustodyKeyDates], Custody | NotFound] | None = None

    def get_convictions(self, crn: str) -> list[Conviction]:
        return self._inner.get_convictions(crn)

    def update_noms_number(self, crn: str, noms_number: str) -> IDs:
        self._last_key_dates = None
        return self._inner.update_noms_number(crn, noms_number)

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        self._last_key_dates = None
        return self._inner.replace_noms_number(old_noms_number, new_noms_number)

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        self._last_key_dates = None
        return self._inner.update_booking_number(noms_number, body)

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        self._last_key_dates = None
        return self._inner.update_custody(noms_number, booking_number, body)

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        request = (noms_number, booking_number, body)
        if self._last_key_dates is not None and self._last_key_dates[0] == request:
            return self._last_key_dates[1]
        self._last_key_dates = None
        answer = self._inner.replace_key_dates(noms_number, booking_number, body)
        self._last_key_dates = (request, answer)
        return answer


class PerBookingPass:
    """Builds a MessageProcessor per booking pass over `PassPrisonApi` / `PassCommunityApi`.

    `booking_pass(confirm_lease)` is what SynchronisationService asks for at the start of each booking, with
    its lease's check (`HeldLease.confirm`, asked before each Delius write and publish); `process`
    (one record on its own, a pass of one) keeps it usable wherever a plain processor is expected.
    `steps` (the record store) is handed to each MessageProcessor so every record's effects are
    journalled, and `domain_events` (where NOMS-number changes are announced).
    A pass is used by one worker only; the factory itself holds no per-pass state, so it is safe to share.
    """

    def __init__(
        self,
        prison_api: PrisonApi,
        community_api: CommunityApi,
        offender_search: OffenderSearchApi,
        telemetry: Telemetry,
        metrics: Metrics,
        clock: Clock,
        settings: DomainSettings,
        steps: AppliedStepStore | None = None,
        domain_events: DomainEventPublisher | None = None,
    ) -> None:
        self._steps = steps
        self._domain_events = domain_events
        self._prison_api = prison_api
        self._community_api = community_api
        self._offender_search = offender_search
        self._telemetry = telemetry
        self._metrics = metrics
        self._clock = clock
        self._settings = settings

    def booking_pass(self, confirm_lease: Callable[[], None] | None = None) -> MessageProcessor:
        return MessageProcessor(
            PassPrisonApi(self._prison_api),
            PassCommunityApi(self._community_api),
            self._offender_search,
            self._telemetry,
            self._metrics,
            self._clock,
            self._settings,
            steps=self._steps,
            domain_events=self._domain_events,
            confirm_lease=confirm_lease,
        )

    def process(self, message: Message) -> Outcome:
        return self.booking_pass().process(message)
