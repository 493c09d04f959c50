"""HMPPS domain events after ptpu changes a NOMS number in Delius.

Shapes as the existing service published them after 2021 (prison-to-probation-update's
HmppsDomainEvent / BookingChangeService) and as custody-key-dates-and-delius reads them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from builders import BOOKING_ID, BOOKING_NO, BOOKING_NUMBER, NOW, OFFENDER_NO, PRISON, STATUS_CHANGE, Fakes, a_stored

from ptpu_adapters.http.community_api import DryRunCommunityApi
from ptpu_adapters.sns.domain_event_topic import DRY_RUN_EVENT as DRY_RUN_DOMAIN_EVENT
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher
from ptpu_core import telemetry_names as names
from ptpu_core.errors import SystemFailure
from ptpu_core.models.domain_event import HmppsDomainEvent, PersonIdentifier
from ptpu_core.models.record import Message
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.outcomes import Outcome, done, try_later
from ptpu_core.ports import DomainEventPublisher
from ptpu_core.processors.dispatch import process
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FakeDomainEventPublisher, OneRecord
from ptpu_core.use_cases.resync import Resync
from ptpu_core.work.domain_events import (
    ADDED_DESCRIPTION,
    PRISON_IDENTIFIER_ADDED,
    UPDATED_DESCRIPTION,
    owed_events,
    owed_step,
    prison_identifier_added,
    prison_identifier_updated,
)
from ptpu_core.work.unit_of_work import BookingWork, DryRun

CRN = "X100001"


def processor(fakes: Fakes, publisher: DomainEventPublisher, journal: bool = True) -> OneRecord:
    return OneRecord(fakes.ports(domain_events=publisher), fakes.settings, fakes.repository if journal else None)


def stored(fakes: Fakes, event_type: str) -> Message:
    fakes.repository.add(a_stored(event_type))
    message = fakes.repository.get("stored-1")
    assert message is not None
    return message


@pytest.fixture
def unlinked() -> Fakes:
    """A prisoner Delius holds without a NOMS number, found by offender-search on name and date of birth."""
    world = Fakes(only_prisons=frozenset({PRISON}))
    world.delius_offender(CRN)
    world.search_finds("ALL_SUPPLIED_ALIAS_PARTIAL", CRN)
    return world


def test_the_added_event_carries_exactly_the_upstream_fields() -> None:
    summer = datetime(2021, 7, 1, 11, 0, 5, tzinfo=UTC)

    event = prison_identifier_added(CRN, OFFENDER_NO, BOOKING_NO, summer)

    assert event == HmppsDomainEvent(
        event_type="probation-case.prison-identifier.added",
        occurred_at=summer,
        description=ADDED_DESCRIPTION,
        identifiers=(PersonIdentifier("CRN", CRN), PersonIdentifier("NOMS", OFFENDER_NO)),
        additional_information=(("bookingNumber", BOOKING_NO),),
    )
    assert event.version == 1
    assert event.occurred_at.isoformat() == "2021-07-01T12:00:05+01:00"  # Europe/London, BST offset


def test_the_updated_event_names_the_previous_noms_number() -> None:
    winter = datetime(2021, 1, 5, 9, 30)  # naive: London wall-clock time, GMT

    event = prison_identifier_updated(CRN, OFFENDER_NO, "A1111AA", BOOKING_NO, winter)

    assert event.event_type == "probation-case.prison-identifier.updated"
    assert event.description == UPDATED_DESCRIPTION
    assert event.identifier("CRN") == CRN
    assert event.identifier("NOMS") == OFFENDER_NO
    assert event.information == {"bookingNumber": BOOKING_NO, "previousNomsNumber": "A1111AA"}
    assert event.occurred_at.isoformat() == "2021-01-05T09:30:00+00:00"


def test_setting_a_noms_number_publishes_identifier_added(unlinked: Fakes) -> None:
    publisher = FakeDomainEventPublisher()

    outcome = processor(unlinked, publisher).process(stored(unlinked, STATUS_CHANGE))

    assert outcome == done(State.COMPLETED, CRN)
    assert unlinked.community.offenders[CRN].noms_number == OFFENDER_NO
    assert publisher.published == [prison_identifier_added(CRN, OFFENDER_NO, BOOKING_NO, NOW)]


@pytest.mark.parametrize("path", ["scheduled processing", "POST /resync"])
def test_replacing_a_different_noms_number_is_announced_as_added_without_the_previous_number(path: str) -> None:
    """What the estate publishes when matching sets a NOMS number on a case that held another one:
    prison-identifier-and-delius (hmpps-probation-integration-services, ProbationMatchingService /
    PrisonMatchingService -> Notifier.identifierAdded) publishes `added` with CRN, the new NOMS number and
    `bookingNumber` only, the replaced number recorded in Delius alone; `updated` with `previousNomsNumber`
    is a merge's (replaceIdentifiers -> identifierUpdated; prison-to-probation-update BookingChangeService).
    Scheduled processing and a re-sync take the same matching step, so they announce it alike."""
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.delius_offender(CRN, "A1111AA")  # the case holds a different NOMS number
    fakes.search_finds("NAME", CRN)  # found on name and date of birth, not on the NOMS number
    publisher = FakeDomainEventPublisher()

    if path == "scheduled processing":
        processor(fakes, publisher).process(stored(fakes, STATUS_CHANGE))
    else:
        Resync(
            fakes.ports(domain_events=publisher), fakes.settings, fakes.prison, dry_run=DryRun(DryRunCommunityApi)
        ).resync([BOOKING_ID], dry_run=False)

    assert fakes.community.offenders[CRN].noms_number == OFFENDER_NO
    assert publisher.published == [prison_identifier_added(CRN, OFFENDER_NO, BOOKING_NO, NOW)]
    assert "previousNomsNumber" not in publisher.published[0].information


def test_a_case_already_linked_publishes_nothing() -> None:
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.linked_offender(CRN)
    publisher = FakeDomainEventPublisher()

    assert processor(fakes, publisher).process(stored(fakes, STATUS_CHANGE)) == done(State.COMPLETED, CRN)
    assert publisher.published == []


def test_a_merge_publishes_identifier_updated_per_crn_moved() -> None:
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.merged("A1111AA", "A2222BB")
    fakes.delius_offender("X1", "A1111AA")
    fakes.delius_offender("X2", "A2222BB")
    publisher = FakeDomainEventPublisher()

    processor(fakes, publisher).process(stored(fakes, BOOKING_NUMBER))

    assert publisher.published == [
        prison_identifier_updated("X1", OFFENDER_NO, "A1111AA", BOOKING_NO, NOW),
        prison_identifier_updated("X2", OFFENDER_NO, "A2222BB", BOOKING_NO, NOW),
    ]


def test_a_merge_that_moved_no_case_publishes_nothing() -> None:
    fakes = Fakes(only_prisons=frozenset({PRISON}))
    fakes.merged("A1111AA")  # no Delius record holds it
    publisher = FakeDomainEventPublisher()

    processor(fakes, publisher).process(stored(fakes, BOOKING_NUMBER))

    assert publisher.published == []
    assert publisher.attempts == 0


def test_an_event_that_could_not_be_published_is_published_by_the_retry(unlinked: Fakes) -> None:
    """The retry finds the case already linked (offender-search now matches on the NOMS number), so the
    matching step does not run again: the journal still owes the announcement, with its first time."""
    publisher = FakeDomainEventPublisher(failures=1)
    with pytest.raises(SystemFailure):
        processor(unlinked, publisher).process(stored(unlinked, STATUS_CHANGE))
    assert publisher.published == []
    assert unlinked.community.offenders[CRN].noms_number == OFFENDER_NO  # Delius changed, not yet announced
    assert unlinked.telemetry.named(names.OFFENDER_NUMBER_SET)  # still reported: the retry may not link again

    unlinked.search_finds("HMPPS_KEY", CRN)
    unlinked.clock.advance(timedelta(minutes=10))  # a later retry
    retried = unlinked.repository.get("stored-1")
    assert retried is not None
    assert processor(unlinked, publisher).process(retried) == done(State.COMPLETED, CRN)

    assert publisher.published == [prison_identifier_added(CRN, OFFENDER_NO, BOOKING_NO, NOW)]
    assert unlinked.community.call_names().count("update_noms_number") == 1

    again = unlinked.repository.get("stored-1")
    assert again is not None
    processor(unlinked, publisher).process(again)
    assert len(publisher.published) == 1  # announced once, however often the record is processed


def test_an_announced_change_is_not_announced_again_when_a_later_step_fails(unlinked: Fakes) -> None:
    publisher = FakeDomainEventPublisher()
    unlinked.community.failing_calls.add("update_custody")
    with pytest.raises(SystemFailure):
        processor(unlinked, publisher).process(stored(unlinked, STATUS_CHANGE))
    unlinked.community.failing_calls.clear()

    retried = unlinked.repository.get("stored-1")
    assert retried is not None
    assert processor(unlinked, publisher).process(retried) == done(State.COMPLETED, CRN)
    assert publisher.event_types() == [PRISON_IDENTIFIER_ADDED]


def test_without_a_journal_a_failed_publish_fails_the_record(unlinked: Fakes) -> None:
    publisher = FakeDomainEventPublisher(failures=1)

    with pytest.raises(SystemFailure):
        processor(unlinked, publisher, journal=False).process(stored(unlinked, STATUS_CHANGE))
    assert publisher.published == []
    assert publisher.attempts == 1


def test_dry_run_reports_the_event_and_publishes_nothing(unlinked: Fakes) -> None:
    unlinked.settings = DomainSettings(only_prisons=frozenset({PRISON}), dry_run=True)
    delius = unlinked.community
    unlinked.community = DryRunCommunityApi(delius, unlinked.telemetry)  # type: ignore[assignment]

    outcome = processor(unlinked, DryRunDomainEventPublisher(unlinked.telemetry)).process(
        stored(unlinked, STATUS_CHANGE)
    )

    assert outcome == done(State.COMPLETED, CRN)
    assert delius.offenders[CRN].noms_number is None  # nothing written, nothing published: only reported
    [reported] = unlinked.telemetry.named(DRY_RUN_DOMAIN_EVENT)
    assert (reported.attributes["eventType"], reported.attributes["crn"], reported.attributes["nomsNumber"]) == (
        PRISON_IDENTIFIER_ADDED, CRN, OFFENDER_NO
    )


def test_an_owed_event_rides_on_the_journal_of_the_saved_outcome(unlinked: Fakes) -> None:
    """The processing cycle's path: the journal is staged on the record and carried by the save of its
    outcome (here a retry); the owed announcement goes with it and the retry publishes it."""
    publisher = FakeDomainEventPublisher(failures=1)
    failures: list[Exception] = []

    def save(record: Message, result: Outcome | Exception) -> Outcome:
        unlinked.repository.update(record)  # carries the staged journal
        if isinstance(result, Exception):
            failures.append(result)
            return try_later(State.ERROR)
        return result

    def attempt(message: Message) -> Outcome:
        work = BookingWork(unlinked.ports(domain_events=publisher), unlinked.settings, store=unlinked.repository,
                           save=save)
        work.begin(message)
        try:
            result: Outcome | Exception = process(message, work)
        except SystemFailure as failure:
            result = failure
        return work.commit(result)

    assert attempt(stored(unlinked, STATUS_CHANGE)) == try_later(State.ERROR)
    assert isinstance(failures[0], SystemFailure)

    unlinked.search_finds("HMPPS_KEY", CRN)
    retried = unlinked.repository.get("stored-1")
    assert retried is not None
    assert attempt(retried) == done(State.COMPLETED, CRN)
    assert publisher.published == [prison_identifier_added(CRN, OFFENDER_NO, BOOKING_NO, NOW)]


def test_an_owed_event_is_stored_in_a_format_that_never_changes() -> None:
    """Other pods and versions read the owed events stored on records: the encoded text is pinned here."""
    occurred = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the hour the clocks go forward in London
    event = prison_identifier_updated("X100001", "A1234BC", "Z9999ZZ", "38344A", occurred)

    step = owed_step(event)

    assert step.startswith("w:publish-owed:")
    assert step.split("=", 1)[1] == (
        '["probation-case.prison-identifier.updated","2026-03-29T02:30:00+01:00",'
        f'{json.dumps(UPDATED_DESCRIPTION)},[["CRN","X100001"],["NOMS","A1234BC"]],'
        '[["bookingNumber","38344A"],["previousNomsNumber","Z9999ZZ"]],1]'
    )
    assert owed_events([step]) == [event]


def test_a_dry_run_journals_no_write_or_announcement_so_a_live_retry_makes_them(unlinked: Fakes) -> None:
    """A record a dry run left to retry (its writes only reported) is retried once the dry run is switched off:
    its journal must not claim the writes or the announcement as made, or the live retry would skip them."""
    message = stored(unlinked, STATUS_CHANGE)

    def save(record: Message, result: Outcome | Exception) -> Outcome:
        unlinked.repository.update(record)  # carries the staged journal
        assert not isinstance(result, Exception)
        return result

    dry_settings = DomainSettings(only_prisons=frozenset({PRISON}), dry_run=True)
    dry_ports = unlinked.ports(domain_events=DryRunDomainEventPublisher(unlinked.telemetry),
                               community_api=DryRunCommunityApi(unlinked.community, unlinked.telemetry))
    dry = BookingWork(dry_ports, dry_settings, store=unlinked.repository, save=save)
    dry.begin(message)
    dry.commit(process(message, dry))
    assert unlinked.community.offenders[CRN].noms_number is None  # nothing reached Delius
    after_dry_run = unlinked.repository.get("stored-1")
    assert after_dry_run is not None
    assert [step for step in after_dry_run.applied_steps if step.startswith("w:")] == []  # writes and announcements

    publisher = FakeDomainEventPublisher()
    live = BookingWork(unlinked.ports(domain_events=publisher), unlinked.settings, store=unlinked.repository,
                       save=save)
    live.begin(after_dry_run)
    live.commit(process(after_dry_run, live))
    assert unlinked.community.offenders[CRN].noms_number == OFFENDER_NO
    assert publisher.published == [prison_identifier_added(CRN, OFFENDER_NO, BOOKING_NO, NOW)]
