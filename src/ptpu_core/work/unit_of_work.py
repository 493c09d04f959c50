"""One booking's unit of work (docs/decisions/0007): prison-api reads are made once per booking, and a record's
writes, telemetry, counts and domain events are journalled (`begin`) and emitted once `commit` stored its outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from attrs import frozen

from ptpu_core.errors import StoreFailure, SystemFailure
from ptpu_core.models import probation
from ptpu_core.models.domain_event import HmppsDomainEvent
from ptpu_core.models.prison import Booking, BookingIdentifier, Movement, Prisoner, SentenceDetail, SentenceTerm
from ptpu_core.models.record import Message
from ptpu_core.outcomes import Outcome
from ptpu_core.ports import Clock, CommunityApi, DomainEventPublisher, Metrics, OffenderSearchApi, PrisonApi, Telemetry
from ptpu_core.settings import DomainSettings
from ptpu_core.work.domain_events import (
    PUBLISHED,
    event_key,
    owed_events,
    owed_step,
    prison_identifier_added,
    prison_identifier_updated,
)
from ptpu_core.work.effect_journal import AppliedStepStore, EffectJournal, write_key

log = logging.getLogger("ptpu.synchronise")

T = TypeVar("T")
# A write's operation name, part of its journal key (`write_key`) stored on records: never change one.
_REPLACE_KEY_DATES_OPERATION = "replace_key_dates"
Save = Callable[[Message, "Outcome | Exception"], Outcome]
"""Stores a record's outcome (an Exception: processing raised it) and answers the outcome stored."""


@frozen
class Ports:
    prison_api: PrisonApi
    community_api: CommunityApi
    offender_search: OffenderSearchApi
    telemetry: Telemetry
    metrics: Metrics
    clock: Clock
    domain_events: DomainEventPublisher | None = None  # None: nothing is announced


@frozen
class DryRun:
    """A dry run's reporting twins: each write a P2PDryRunWrite, each announcement a P2PDryRunDomainEvent."""

    writes: Callable[[CommunityApi, Telemetry], CommunityApi]
    domain_events: Callable[[Telemetry], DomainEventPublisher] | None = None


def _landed_unless_refused(answer: object) -> str | None:
    """The journal suffix of a write that took ("") or None when Delius answered none, or NotFound."""
    return None if answer is None or isinstance(answer, probation.NotFound) else ""


class BookingWork:
    """`store`: the journal's store (None: no journal, effects at once); `save`: how `commit` stores an outcome;
    `lease`: raises LeaseLost unless the lease is still ours. With `settings.dry_run`, `ports` carry the dry run's
    twins (`DryRun`): their writes and announcements are reported, never journalled as made."""

    def __init__(
        self, ports: Ports, settings: DomainSettings, *, store: AppliedStepStore | None = None,
        save: Save | None = None, lease: Callable[[], None] | None = None,
    ) -> None:
        self.ports = ports
        self.settings = settings
        self._store = store
        self._save = save
        self._confirm_lease = lease or (lambda: None)
        self._read: dict[Hashable, Any] = {}
        self._last_key_dates: tuple[tuple[object, ...], Any] | None = None
        self._message: Message | None = None
        self._journal: EffectJournal | None = None

    def begin(self, message: Message) -> None:
        """`message` is the record in hand: its effects are journalled on it until `commit`."""
        self._message = message
        self._journal = None if self._store is None else EffectJournal(message, self._store)

    def commit(self, result: Outcome | Exception) -> Outcome:
        """Store the outcome with the journal in one write, then emit its effects. When that save fails, write the
        journal alone (`flush`), emit once it landed, and re-raise the save's error. With no `save` (or no record
        begun): `flush`, then answer `result`, or raise it when it is an Exception."""
        self._confirm_lease()  # the save is a write for the booking too
        journal, message = self._journal, self._message
        if self._save is None or message is None:
            self.flush()
            if isinstance(result, Exception):
                raise result
            return result
        if journal is not None:
            journal.stage()
        try:
            outcome = self._save(message, result)
        except BaseException:
            try:
                self.flush()
            except StoreFailure:
                log.warning("booking %s: record %s's journal could not be written either", message.booking_id,
                            message.id)
            raise
        if journal is not None:
            journal.saved()
        return outcome

    def flush(self) -> None:
        """Write the record's journal alone (StoreFailure when it cannot be), then emit its effects."""
        if self._journal is not None:
            self._journal.flush()

    def _once(self, name: str, read: Callable[..., T], *arguments: Hashable) -> T:
        key = (name, *arguments)
        if key not in self._read:
            self._read[key] = read(*arguments)
        return self._read[key]  # type: ignore[no-any-return]

    def get_booking(self, booking_id: int) -> Booking:
        return self._once("booking", self.ports.prison_api.get_booking, booking_id)

    def get_sentence_detail(self, booking_id: int) -> SentenceDetail:
        return self._once("detail", self.ports.prison_api.get_sentence_detail, booking_id)

    def get_sentence_terms(self, booking_id: int) -> list[SentenceTerm]:
        return list(self._once("terms", self.ports.prison_api.get_sentence_terms, booking_id))

    def get_movement(self, booking_id: int, movement_seq: int) -> Movement | None:
        return self._once("movement", self.ports.prison_api.get_movement, booking_id, movement_seq)

    def get_merged_identifiers(self, booking_id: int) -> list[BookingIdentifier]:
        return list(self._once("merged", self.ports.prison_api.get_merged_identifiers, booking_id))

    def get_prisoner(self, offender_no: str) -> Prisoner | None:
        return self._once("prisoner", self.ports.prison_api.get_prisoner, offender_no)

    def get_convictions(self, crn: str) -> list[probation.Conviction]:
        return self.ports.community_api.get_convictions(crn)

    def _write(
        self, operation: str, *arguments: object, send: Callable[[CommunityApi], T], replayed: Callable[[str], T],
        landed: Callable[[T], str | None] = _landed_unless_refused,
    ) -> T:
        """Every Delius write, in order: the journal (a write it says landed is not sent again: its answer is
        `replayed` from the summary journalled), the lease, the last identical key-dates write with no write
        between (answered as it was), community-api (`send`; a dry run's twin). `operation` and `arguments` name the
        write in the journal. `landed` gives the journal's suffix for an answer ("" or "=<summary>"); None: the
        write did not take, nothing is journalled."""
        key = write_key(operation, *arguments)
        summary = None if self._journal is None else self._journal.landed_write(key)
        if summary is not None:
            return replayed(summary)
        self._confirm_lease()
        request = (operation, *arguments)
        key_dates = operation == _REPLACE_KEY_DATES_OPERATION
        if key_dates and self._last_key_dates and self._last_key_dates[0] == request:
            answer: T = self._last_key_dates[1]
        else:
            self._last_key_dates = None  # any other write may change what the key-dates write finds
            answer = send(self.ports.community_api)
            if key_dates:
                self._last_key_dates = (request, answer)
        suffix = landed(answer)
        # A dry run's write did not reach Delius: journalled, a live retry of the record would skip it.
        if suffix is not None and self._journal is not None and not self.settings.dry_run:
            self._journal.wrote(key + suffix)
        return answer

    def update_noms_number(self, crn: str, noms_number: str) -> probation.IDs:
        return self._write(
            "update_noms_number", crn, noms_number,
            send=lambda api: api.update_noms_number(crn, noms_number),
            replayed=lambda _summary: probation.IDs(crn=crn, noms_number=noms_number),
        )

    def replace_noms_number(self, old_noms_number: str, new_noms_number: str) -> list[probation.IDs]:
        def replayed(crns: str) -> list[probation.IDs]:
            return [probation.IDs(crn=crn, noms_number=new_noms_number) for crn in crns.split(",") if crn]

        def landed(replaced: list[probation.IDs]) -> str | None:
            return f"={','.join(ids.crn for ids in replaced)}" if replaced else None  # []: 404/409

        return self._write(
            "replace_noms_number", old_noms_number, new_noms_number,
            send=lambda api: api.replace_noms_number(old_noms_number, new_noms_number),
            replayed=replayed, landed=landed,
        )

    def update_booking_number(
        self, noms_number: str, body: probation.UpdateCustodyBookingNumber
    ) -> probation.Custody | None:
        return self._write(
            "update_booking_number", noms_number, body,
            send=lambda api: api.update_booking_number(noms_number, body),
            replayed=lambda _summary: probation.Custody(booking_number=body.booking_number),
        )

    def update_custody(
        self, noms_number: str, booking_number: str, body: probation.UpdateCustody
    ) -> probation.Custody | None:
        def replayed(description: str) -> probation.Custody:
            institution = probation.Institution(
                description=description or None, noms_prison_institution_code=body.noms_prison_institution_code)
            return probation.Custody(booking_number=booking_number, institution=institution)

        def landed(answer: probation.Custody | None) -> str | None:
            description = answer.institution.description if answer and answer.institution else None
            return None if answer is None else f"={description or ''}"

        return self._write(
            "update_custody", noms_number, booking_number, body,
            send=lambda api: api.update_custody(noms_number, booking_number, body),
            replayed=replayed, landed=landed,
        )

    def replace_key_dates(
        self, noms_number: str, booking_number: str, body: probation.ReplaceCustodyKeyDates
    ) -> probation.Custody | probation.NotFound:
        return self._write(
            _REPLACE_KEY_DATES_OPERATION, noms_number, booking_number, body,
            send=lambda api: api.replace_key_dates(noms_number, booking_number, body),
            replayed=lambda _summary: probation.Custody(booking_number=booking_number),
        )

    # Telemetry and metric counts, journalled per attempt

    def _effect(self, key: str, emit: Callable[[], None]) -> None:
        if self._journal is None:
            emit()
        else:
            self._journal.effect(key, emit)

    def track_event(self, name: str, attributes: Mapping[str, str]) -> None:
        copied = dict(attributes)
        self._effect(f"t:{name}", lambda: self.ports.telemetry.track_event(name, copied))

    def movement(self, kind: str) -> None:
        self._effect(f"m:movement:{kind}", lambda: self.ports.metrics.movement(kind))

    def sentence_date_change(self, kind: str) -> None:
        self._effect(f"m:sentenceDateChange:{kind}", lambda: self.ports.metrics.sentence_date_change(kind))

    def unreadable_record(self, kind: str) -> None:
        self._effect(f"m:unreadableRecord:{kind}", lambda: self.ports.metrics.unreadable_record(kind))

    # Domain events: each published once per record, never lost

    def identifier_added(self, crn: str, noms_number: str, booking_number: str) -> None:
        self._publish(prison_identifier_added(crn, noms_number, booking_number, self.ports.clock.now()))

    def identifier_updated(self, crn: str, noms_number: str, previous_noms_number: str, booking_number: str) -> None:
        now = self.ports.clock.now()
        self._publish(prison_identifier_updated(crn, noms_number, previous_noms_number, booking_number, now))

    def publish_owed(self) -> None:
        """Publish first what an earlier attempt of the record could not; SystemFailure when one still cannot be."""
        if self._journal is not None and self._message is not None:
            for event in owed_events(self._message.applied_steps):
                self._publish(event)

    def _publish(self, event: HmppsDomainEvent) -> None:
        """Journalled as published, or owed (`owed_step`) when it failed."""
        publisher = self.ports.domain_events
        if publisher is None:
            return
        if self._journal is None or self.settings.dry_run:  # a dry run's announcement is only reported
            publisher.publish(event)
            return
        published = event_key(PUBLISHED, event)
        if self._journal.landed_write(published) is not None:
            return
        self._confirm_lease()
        try:
            publisher.publish(event)
        except SystemFailure:
            self._journal.wrote(owed_step(event))
            raise
        self._journal.wrote(published)
