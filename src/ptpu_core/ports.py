"""The ports: what the core needs from the outside world, as typing.Protocol.

Every adapter in `ptpu_adapters` implements one of these; every one has an in-memory
fake in `ptpu_core.testing`. Errors: a system failure raises `errors.SystemFailure`
(or a subclass); a business outcome (a 404 the SPEC names) is a return value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Protocol, runtime_checkable

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
    MatchRequest,
    NotFound,
    OffenderMatches,
    ReplaceCustodyKeyDates,
    UpdateCustody,
    UpdateCustodyBookingNumber,
)
from ptpu_core.models.record import Message


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware (any zone; the core reads a naive answer as London wall-clock time)."""
        ...

    def today(self) -> date:
        """Today's date in Europe/London."""
        ...


@runtime_checkable
class Telemetry(Protocol):
    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        """Record a named custom event (SPEC §10) with string attributes."""
        ...


@runtime_checkable
class Metrics(Protocol):
    """Counters and histograms with the existing Grafana names (SPEC §10)."""

    def movement(self, kind: str) -> None:
        """ptpu_movement_total{type=kind}: total | success | fail."""
        ...

    def sentence_date_change(self, kind: str) -> None:
        """ptpu_sentenceDateChange_total{type=kind}: total | success | fail_no_offender | fail_no_conviction."""
        ...

    def status_change(self, kind: str) -> None:
        """ptpu_statusChange_total{type=kind}: total | success | fail."""
        ...

    def unreadable_record(self, kind: str) -> None:
        """ptpu_unreadableRecord_total{type=kind}: item (a stored item the store could not read, skipped)
        | message (a record whose event payload could not be read, settled NO_LONGER_VALID)."""
        ...

    def status_change_succeeded(self, retries: int, days: float) -> None:
        """Observe ptpu_statusChange_retries (retries before success) and ptpu_statusChange (days before
        success: whole days since the record was created, plus one, as the existing service counts)."""
        ...

    def duplicate_message(self, event_type: str) -> None:
        """ptpu_duplicateMessage_total{type=event_type}: a copy of an event already stored, acknowledged
        and not stored again (not in the existing service)."""
        ...

    def record_processed(self, event_type: str, outcome: str) -> None:
        """ptpu_records_total{eventType, outcome}: one stored record's outcome, saved, for every event type:
        `done` (settled), `retry` (tried again later for a business reason) or `error` (a system failure:
        an upstream or the store failed; tried again later). Not in the existing service."""
        ...

    def record_retried(self, tier: str) -> None:
        """ptpu_retries_total{tier}: a record tried again, by the retry tier of its retry count so far
        (SHORT, MEDIUM, LONG). Not in the existing service."""
        ...


@runtime_checkable
class PrisonApi(Protocol):
    def get_booking(self, booking_id: int) -> Booking: ...

    def get_sentence_detail(self, booking_id: int) -> SentenceDetail: ...

    def get_sentence_terms(self, booking_id: int) -> list[SentenceTerm]: ...

    def get_movement(self, booking_id: int, movement_seq: int) -> Movement | None:
        """None when prison-api answers 404 (no such movement)."""
        ...

    def get_merged_identifiers(self, booking_id: int) -> list[BookingIdentifier]: ...

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        """The first entry of /api/prisoners?offenderNo=, None when the list is empty."""
        ...


@runtime_checkable
class OffenderSearchApi(Protocol):
    def match(self, request: MatchRequest) -> OffenderMatches: ...


@runtime_checkable
class CommunityApi(Protocol):
    def get_convictions(self, crn: str) -> list[Conviction]: ...

    def update_noms_number(self, crn: str, noms_number: str) -> IDs: ...

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[IDs]:
        """[] when community-api answers 404 or 409 (not found / nothing replaced)."""
        ...

    def update_booking_number(self, noms_number: str, body: UpdateCustodyBookingNumber) -> Custody | None:
        """None on 404 (book number not assigned)."""
        ...

    def update_custody(self, noms_number: str, booking_number: str, body: UpdateCustody) -> Custody | None:
        """None on 404 (custody record not found)."""
        ...

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: ReplaceCustodyKeyDates
    ) -> Custody | NotFound:
        """NotFound on 404, carrying the body's message (it says whether offender or booking)."""
        ...


@runtime_checkable
class MessageRepository(Protocol):
    """The store of validated events. Reads are by index, never a table scan (SPEC §5 beyond)."""

    def add(self, message: Message) -> bool:
        """Store a new record: True when stored, False when a record with its id already exists (a
        redelivered event); the existing record is left as it is."""
        ...

    def update(self, message: Message) -> None: ...

    def delete(self, message: Message) -> None: ...

    def get(self, message_id: str) -> Message | None: ...

    def unprocessed_created_before(self, created_before: datetime) -> Iterator[Message]:
        """Unprocessed records with retry_count == 0 created before the given time (due initially).
        May also hand back records created up to an hour later (October's repeated hour reads the same
        on the wall clock the index is ordered by); the caller checks `created_date` again."""
        ...

    def unprocessed_for_booking(self, booking_id: int) -> list[Message]:
        """Every unprocessed record of one booking, any age and retry count."""
        ...

    def unprocessed_with_retries(self, min_retries: int, max_retries: int | None) -> Iterator[Message]:
        """Unprocessed records with min_retries <= retry_count <= max_retries (None: no upper bound)."""
        ...

    # The report reads (SPEC §9). Each streams (never loads the selection at once) and hands records back
    # oldest first by createdDate as London wall-clock time, the order the existing service's CSV reports
    # promise (ties in any order). Date bounds are London wall-clock date-times (naive; an aware value is
    # converted) and exclusive, as the existing service's isAfter / isBefore; None leaves that end open.

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        """Every unprocessed record created before `created_before`."""
        ...

    def processed_between(
        self,
        start: datetime | None,
        end: datetime | None,
        created_start: datetime | None = None,
        created_end: datetime | None = None,
    ) -> Iterator[Message]:
        """Processed records with start < processed_date < end and created_start < created_date < created_end."""
        ...

    def created_between(
        self, start: datetime | None, end: datetime | None, event_type: str | None
    ) -> Iterator[Message]:
        """Records (processed or not) with start < created_date < end, optionally of one event type."""
        ...


@runtime_checkable
class DomainEventPublisher(Protocol):
    """Where HMPPS domain events go: the domain-events SNS topic, or nowhere."""

    def publish(self, event: HmppsDomainEvent) -> None:
        """Publish one event. SystemFailure when it could not be published (after the adapter's own
        retries): the record that made the change is then retried like any other system failure."""
        ...
