"""The ports (typing.Protocol) the adapters implement; fakes in `ptpu_core.testing`. A system failure raises
`errors.SystemFailure` (or a subclass); a business outcome (a 404 the SPEC names) is a return value."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Protocol

from ptpu_core.models import probation
from ptpu_core.models.domain_event import HmppsDomainEvent
from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm
from ptpu_core.models.record import Message


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware (any zone; the core reads a naive answer as London wall-clock time)."""


class Telemetry(Protocol):
    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        """Record a named custom event (SPEC §10) with string attributes."""


class Metrics(Protocol):
    """Counters and histograms with the existing Grafana names (SPEC §10)."""

    def movement(self, kind: str) -> None:
        """ptpu_movement_total{type=kind}: total | success | fail."""

    def sentence_date_change(self, kind: str) -> None:
        """ptpu_sentenceDateChange_total{type=kind}: total | success | fail_no_offender | fail_no_conviction."""

    def status_change(self, kind: str) -> None:
        """ptpu_statusChange_total{type=kind}: total | success | fail."""

    def unreadable_record(self, kind: str) -> None:
        """ptpu_unreadableRecord_total{type=kind}: item (a stored item, skipped) | message (NO_LONGER_VALID)."""

    def status_change_succeeded(self, retries: int, days: float) -> None:
        """Observe ptpu_statusChange_retries and ptpu_statusChange (days: whole days since created, plus one)."""

    def duplicate_message(self, event_type: str) -> None:
        """ptpu_duplicateMessage_total{type=event_type}: a copy of a stored event, acknowledged, not stored."""

    def event_received(self, event_type: str, reception: str) -> None:
        """ptpu_events_received_total{eventType, reception}: each event read off the queue and parsed, by what
        phase 1 did with it (`receive.Reception`'s value: STORED, NOT_VALID, IGNORED, DUPLICATE, SWITCHED_OFF)."""

    def record_processed(self, event_type: str, outcome: str) -> None:
        """ptpu_records_total{eventType, outcome}: `done`, `retry` (a business reason) or `error` (a system failure)."""

    def record_retried(self, tier: str) -> None:
        """ptpu_retries_total{tier}: a record tried again, by its retry count's tier (SHORT, MEDIUM, LONG)."""


class PrisonApi(Protocol):
    def get_booking(self, booking_id: int) -> Booking: ...
    def get_sentence_detail(self, booking_id: int) -> SentenceDetail: ...
    def get_sentence_terms(self, booking_id: int) -> list[SentenceTerm]: ...

    def get_movement(self, booking_id: int, movement_seq: int) -> Movement | None:
        """None when prison-api answers 404 (no such movement)."""

    def get_merged_identifiers(self, booking_id: int) -> list[BookingIdentifier]: ...

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        """The first entry of /api/prisoners?offenderNo=, None when the list is empty."""


class OffenderSearchApi(Protocol):
    def match(self, request: probation.MatchRequest) -> probation.OffenderMatches: ...


class CommunityApi(Protocol):
    def get_convictions(self, crn: str) -> list[probation.Conviction]: ...
    def update_noms_number(self, crn: str, noms_number: str) -> probation.IDs: ...

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[probation.IDs]:
        """[] when community-api answers 404 or 409 (not found / nothing replaced)."""

    def update_booking_number(
        self, noms_number: str, body: probation.UpdateCustodyBookingNumber
    ) -> probation.Custody | None:
        """None on 404 (book number not assigned)."""

    def update_custody(
        self, noms_number: str, booking_number: str, body: probation.UpdateCustody
    ) -> probation.Custody | None:
        """None on 404 (custody record not found)."""

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: probation.ReplaceCustodyKeyDates
    ) -> probation.Custody | probation.NotFound:
        """NotFound on 404, carrying the body's message (it says whether offender or booking)."""


class MessageRepository(Protocol):
    """The store of validated events. Reads are by index, never a table scan (SPEC §5 beyond)."""

    def add(self, message: Message) -> bool:
        """Store a new record: True when stored, False (nothing written) when its id already exists."""

    def update(self, message: Message) -> None: ...
    def delete(self, message: Message) -> None: ...
    def get(self, message_id: str) -> Message | None: ...

    def unprocessed_created_before(self, created_before: datetime) -> Iterator[Message]:
        """Unprocessed records with retry_count == 0 created before `created_before`, and maybe some up to an
        hour later (the index is on the wall clock): the caller checks `created_date` again."""

    def unprocessed_for_booking(self, booking_id: int) -> list[Message]:
        """Every unprocessed record of one booking, any age and retry count."""

    def unprocessed_with_retries(self, min_retries: int, max_retries: int | None) -> Iterator[Message]:
        """Unprocessed records with min_retries <= retry_count <= max_retries (None: no upper bound)."""

    # The report reads (SPEC §9) stream, oldest createdDate first. Date bounds are exclusive London wall-clock
    # date-times (naive; an aware one is converted); None leaves that end open.

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        """Every unprocessed record created before `created_before`."""

    def processed_between(
        self, start: datetime | None, end: datetime | None, created_start: datetime | None = None,
        created_end: datetime | None = None,
    ) -> Iterator[Message]:
        """Processed records with start < processed_date < end and created_start < created_date < created_end."""

    def created_between(
        self, start: datetime | None, end: datetime | None, event_type: str | None
    ) -> Iterator[Message]:
        """Records (processed or not) with start < created_date < end, optionally of one event type."""


class DomainEventPublisher(Protocol):
    """Where HMPPS domain events go: the domain-events SNS topic, or nowhere."""

    def publish(self, event: HmppsDomainEvent) -> None:
        """SystemFailure when it could not be published (after the adapter's own retries)."""
