"""The per-record entry point of phases 2 and 3: parse the stored event and hand it to its processor."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ptpu_core import telemetry_names as names
from ptpu_core.errors import InvalidMessage
from ptpu_core.models.events import (
    BookingNumberChangedEvent,
    ConfirmedReleaseDateChangedEvent,
    ExternalMovementInsertedEvent,
    ImprisonmentStatusChangedEvent,
    OffenderEvent,
    SentenceDatesChangedEvent,
)
from ptpu_core.models.record import Message
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done
from ptpu_core.ports import (
    Clock,
    CommunityApi,
    DomainEventPublisher,
    Metrics,
    OffenderSearchApi,
    PrisonApi,
    Telemetry,
)
from ptpu_core.processors.booking_number import BookingNumberProcessor
from ptpu_core.processors.imprisonment_status import ImprisonmentStatusProcessor
from ptpu_core.processors.matching import OffenderMatcher
from ptpu_core.processors.movement import MovementProcessor
from ptpu_core.processors.sentence_dates import SentenceDatesProcessor
from ptpu_core.rules.capabilities import skipped
from ptpu_core.rules.event_parsing import parse_event
from ptpu_core.rules.identifiers import InvalidIdentifier
from ptpu_core.settings import DomainSettings
from ptpu_core.work.booking_work import LeaseLost
from ptpu_core.work.domain_events import Announcer, JournalledDomainEventPublisher
from ptpu_core.work.effect_journal import (
    AppliedStepStore,
    EffectJournal,
    JournalledCommunityApi,
    JournalledMetrics,
    JournalledTelemetry,
)

log = logging.getLogger(__name__)


class _Processors:
    """The per-event processors over one set of ports."""

    def __init__(
        self,
        prison_api: PrisonApi,
        community_api: CommunityApi,
        offender_search: OffenderSearchApi,
        telemetry: Telemetry,
        metrics: Metrics,
        settings: DomainSettings,
        announcer: Announcer | None = None,
    ) -> None:
        self.telemetry = telemetry
        self.owed: JournalledDomainEventPublisher | None = None  # set on a journalled record's processors
        matcher = OffenderMatcher(prison_api, offender_search, community_api, telemetry, settings, announcer)
        self.imprisonment_status = ImprisonmentStatusProcessor(prison_api, community_api, matcher, telemetry, settings)
        self.movement = MovementProcessor(prison_api, community_api, telemetry, metrics, settings)
        self.sentence_dates = SentenceDatesProcessor(prison_api, community_api, telemetry, metrics, settings)
        self.booking_number = BookingNumberProcessor(prison_api, community_api, telemetry, settings, announcer)


class StagedProcessing:
    """A record processed, its journal staged on the record (`MessageProcessor.process_staged`).

    `outcome` is None when processing raised `error`. After saving the record, the caller calls `saved()`
    (the buffered telemetry and metrics are emitted), or `save_failed()` when the save raised: the journal
    is then written on its own (StoreFailure when that fails too) and the effects emitted once it lands.
    """

    def __init__(
        self, outcome: Outcome | None, error: Exception | None = None, journal: EffectJournal | None = None
    ) -> None:
        self.outcome = outcome
        self.error = error
        self._journal = journal

    def saved(self) -> None:
        if self._journal is not None:
            self._journal.saved()

    def save_failed(self) -> None:
        if self._journal is not None:
            self._journal.flush()


class MessageProcessor:
    """SystemFailure from any port propagates: the caller retries the record (SPEC §7 last line).

    A record that can never be processed is settled, never retried: an event type we
    do not handle (even "") is Done COMPLETED, as the existing service's MessageProcessor answers
    `Done` for it; an unreadable event payload is Done NO_LONGER_VALID, logged and counted
    (`ptpu_unreadableRecord_total{type="message"}`).

    Given `steps` (the record store), each record's Delius writes, telemetry and metrics go through
    its `EffectJournal`, so processing it again (after its outcome could not be saved, or on a retry)
    does not repeat what already happened. Without, every attempt does everything.

    Given `domain_events`, a NOMS number set or replaced in Delius is announced on it
    (`ptpu_core.work.domain_events`); with a journal, an announcement an earlier attempt could not publish is
    published first.

    Given `confirm_lease` (a booking pass under a lease, `ptpu_core.work.booking_pass`), every Delius write and
    publish asks it first (`EffectJournal.before_write`); LeaseLost, raised once the lease is another
    pod's, ends the record with nothing journalled, emitted or handed back as an outcome.
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
        confirm_lease: Callable[[], None] | None = None,
    ) -> None:
        self._clock = clock  # the time of a published domain event; no processing rule reads it
        self._confirm_lease = confirm_lease
        self._metrics = metrics
        self._ports = (prison_api, community_api, offender_search, telemetry, metrics)
        self._settings = settings
        self._steps = steps
        self._domain_events = domain_events
        announcer = None if domain_events is None else Announcer(domain_events, clock)
        self._unjournalled = _Processors(*self._ports, settings, announcer)

    def process(self, message: Message) -> Outcome:
        if self._steps is None:
            return self._process_with(self._unjournalled, message)
        journal = EffectJournal(message, self._steps, self._confirm_lease)
        try:
            outcome = self._process_with(self._journalled(journal, message), message)
        except LeaseLost:
            raise  # the booking is another pod's now: its record is left as that pod will find it
        except BaseException:
            journal.flush()  # landed writes and buffered events: journalled, then the events emitted
            raise
        journal.flush()
        return outcome

    def process_staged(self, message: Message) -> StagedProcessing:
        """As `process`, but the record's journal is staged on `message` (its `applied_steps`) for the
        caller's save of the outcome to carry, instead of a store write of its own (see
        `ptpu_core.work.effect_journal`); an exception from processing is handed back, not raised. The caller
        then calls `saved()` or `save_failed()` on the answer."""
        if self._steps is None:
            try:
                return StagedProcessing(self._process_with(self._unjournalled, message))
            except Exception as error:  # noqa: BLE001 - handed to the caller, which logs and retries it
                return StagedProcessing(None, error)
        journal = EffectJournal(message, self._steps, self._confirm_lease)
        try:
            outcome = self._process_with(self._journalled(journal, message), message)
        except LeaseLost:
            raise  # as in `process`: nothing staged, nothing to save
        except Exception as error:  # noqa: BLE001 - as above
            journal.stage()
            return StagedProcessing(None, error, journal)
        except BaseException:
            journal.flush()  # interrupted: journal what landed now, nobody will save an outcome
            raise
        journal.stage()
        return StagedProcessing(outcome, None, journal)

    def _journalled(self, journal: EffectJournal, message: Message) -> _Processors:
        prison_api, community_api, offender_search, telemetry, metrics = self._ports
        publisher = None
        if self._domain_events is not None:
            publisher = JournalledDomainEventPublisher(self._domain_events, journal, message)
        processors = _Processors(
            prison_api,
            JournalledCommunityApi(community_api, journal),
            offender_search,
            JournalledTelemetry(telemetry, journal),
            JournalledMetrics(metrics, journal),
            self._settings,
            None if publisher is None else Announcer(publisher, self._clock),
        )
        processors.owed = publisher
        return processors

    def _process_with(self, processors: _Processors, message: Message) -> Outcome:
        if processors.owed is not None:  # What an earlier attempt could not publish, first
            processors.owed.publish_owed()
        try:
            event = parse_event(message.event_type, message.message)
        except InvalidMessage as error:
            # It was valid when stored, so this is a bug or a hand-edited record; retrying cannot help.
            log.error("Record %s (booking %d) cannot be read: %s", message.log_ref, message.booking_id, error)
            self._metrics.unreadable_record("message")
            return done(State.NO_LONGER_VALID)
        if event is None:
            # As the existing service's MessageProcessor: an unexpected type is Done, stored COMPLETED.
            log.warning("Record %s has event type %r, which we do not process", message.log_ref, message.event_type)
            return done(State.COMPLETED)
        if not self._settings.capabilities.handles(message.event_type):
            return self._switched_off(processors.telemetry, message)
        try:
            return self._process(processors, event)
        except InvalidIdentifier as bad:
            return self._refuse(processors.telemetry, message, bad)

    @staticmethod
    def _process(processors: _Processors, event: OffenderEvent) -> Outcome:
        match event:
            case ImprisonmentStatusChangedEvent():
                return processors.imprisonment_status.process(event)
            case ExternalMovementInsertedEvent():
                return processors.movement.process(event)
            case SentenceDatesChangedEvent() | ConfirmedReleaseDateChangedEvent():
                return processors.sentence_dates.process(event)
            case BookingNumberChangedEvent():
                return processors.booking_number.process(event)
        raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover - the match is exhaustive

    def _switched_off(self, telemetry: Telemetry, message: Message) -> Outcome:
        """A record stored before every capability its type serves was switched off is
        settled NO_LONGER_VALID with no upstream call, one P2PSkippedByConfiguration per capability."""
        log.info("Record %s (%s) not processed: its capabilities are switched off", message.log_ref, message.event_type)
        for capability in self._settings.capabilities.switched_off_for(message.event_type):
            about = {"bookingId": str(message.booking_id)} | skipped(capability, message.event_type)
            telemetry.track_event(names.SKIPPED_BY_CONFIGURATION, about)
        return done(State.NO_LONGER_VALID)

    @staticmethod
    def _refuse(telemetry: Telemetry, message: Message, bad: InvalidIdentifier) -> Outcome:
        """An upstream value that cannot be an identifier ends the record as NOT_VALID,
        with telemetry naming the field and the value, and nothing written to Delius. Retrying
        cannot help: the value is prison-api's or offender-search's data, not a passing failure."""
        log.warning("Record %s (booking %d): %s; refused, nothing written", message.log_ref, message.booking_id, bad)
        telemetry.track_event(
            names.IDENTIFIER_REJECTED,
            {
                "bookingId": str(message.booking_id),
                "eventType": message.event_type,
                "field": bad.field,
                "value": str(bad.value),
            },
        )
        return done(State.NOT_VALID)
