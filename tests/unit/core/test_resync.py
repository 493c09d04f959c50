"""The re-sync use case (ptpu_core.use_cases.resync) over the in-memory fakes.

Each named booking is processed as an IMPRISONMENT_STATUS-CHANGED (sequence 0) would be, at once, under its
per-booking lease; a dry run writes nothing to Delius and answers what it would write."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import timedelta

import pytest
from attrs import evolve
from builders import (
    BOOKING_ID,
    BOOKING_NO,
    OFFENDER_NO,
    PRISON,
    SENTENCE_START,
    Fakes,
    a_booking,
    a_sentence_detail,
    a_term,
)

from ptpu_adapters.http.community_api import DryRunCommunityApi
from ptpu_adapters.sns.domain_event_topic import DryRunDomainEventPublisher
from ptpu_core import telemetry_names as names
from ptpu_core.errors import StoreFailure
from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.testing import FakeDomainEventPublisher, OneRecord
from ptpu_core.use_cases.resync import (
    MAX_IDS,
    TIME_BUDGET,
    InvalidResyncRequest,
    Resync,
    ResyncItem,
    ResyncProgress,
    ResyncResult,
)
from ptpu_core.work.cycle import ON_REQUEST, LeaseRun
from ptpu_core.work.unit_of_work import DryRun

CRN = "X142620"
OTHER_BOOKING = 1200836


class Leases:
    """Refuses `held_elsewhere`; records each lease and release; raises when `failing`."""

    def __init__(self, held_elsewhere: set[int] | None = None, failing: bool = False) -> None:
        self.lease: timedelta | None = None
        self.held_elsewhere = held_elsewhere or set()
        self.failing = failing
        self.calls: list[tuple[str, int, LeaseRun]] = []

    def new_cycle(self) -> None:
        self.calls.append(("cycle", 0, ON_REQUEST))

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        self.calls.append(("lease", booking_id, run))
        if self.failing:
            raise StoreFailure("schedule table unavailable")
        return booking_id not in self.held_elsewhere

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        return True

    def release(self, booking_id: int, run: LeaseRun) -> None:
        self.calls.append(("release", booking_id, run))

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> Collection[int]:
        return ()  # no look-ahead: every booking's lease is asked for


@pytest.fixture
def fakes() -> Fakes:
    fakes = Fakes()
    fakes.linked_offender(CRN)
    return fakes


def resync(fakes: Fakes, leases: Leases | None = None, always_dry_run: bool = False) -> Resync:
    settings = evolve(fakes.settings, dry_run=always_dry_run)  # PRISONTOPROBATION_DRY_RUN
    return Resync(fakes.ports(), settings, fakes.prison, dry_run=DryRun(DryRunCommunityApi), leases=leases)


def test_a_dry_run_answers_what_it_would_write_and_writes_nothing(fakes: Fakes) -> None:
    report = resync(fakes).resync([BOOKING_ID])  # dry run unless told otherwise

    assert report.dry_run is True
    (item,) = report.items
    assert (item.requested, item.booking_id, item.result, item.status, item.crns) == (
        BOOKING_ID, BOOKING_ID, ResyncResult.DONE, State.COMPLETED, (CRN,)
    )
    assert fakes.community_writes() == []  # Delius untouched
    assert fakes.community.offenders[CRN].key_dates == {}
    assert fakes.telemetry.events == []  # nothing emitted: the events are answered instead
    assert [event.name for event in item.events][-1] == names.IMPRISONMENT_STATUS_UPDATED
    assert [(w.attributes["operation"], w.attributes["method"], w.attributes["path"]) for w in item.writes] == [
        ("update_booking_number", "PUT", f"/secure/offenders/nomsNumber/{OFFENDER_NO}/custody/bookingNumber"),
        ("update_custody", "PUT", f"/secure/offenders/nomsNumber/{OFFENDER_NO}/custody/bookingNumber/{BOOKING_NO}"),
        ("replace_key_dates", "POST",
         f"/secure/offenders/nomsNumber/{OFFENDER_NO}/bookingNumber/{BOOKING_NO}/custody/keyDates"),
    ]
    assert json.loads(item.writes[0].attributes["body"]) == {
        "bookingNumber": BOOKING_NO, "sentenceStartDate": SENTENCE_START.isoformat()
    }
    assert json.loads(item.writes[1].attributes["body"]) == {"nomsPrisonInstitutionCode": PRISON}


def test_a_dry_run_of_a_new_match_would_set_the_noms_number_but_does_not(fakes: Fakes) -> None:
    fakes.community.offenders.clear()
    fakes.delius_offender(CRN, None)  # in Delius without a NOMS number; search finds it by name
    fakes.search_finds("NAME", CRN)

    (item,) = resync(fakes).resync([BOOKING_ID]).items

    assert item.result is ResyncResult.DONE and item.status is State.COMPLETED
    assert item.writes[0].attributes["operation"] == "update_noms_number"
    assert json.loads(item.writes[0].attributes["body"]) == {"nomsNumber": OFFENDER_NO}
    assert fakes.community.offenders[CRN].noms_number is None
    assert fakes.community_writes() == []


def test_a_noms_number_a_re_sync_sets_is_announced_and_a_dry_run_only_reports_it(fakes: Fakes) -> None:
    """Found at merge: the re-sync built its processor without the domain-event publisher, so a re-sync
    that linked a case changed Delius unannounced (no change in Delius goes unannounced)."""
    fakes.community.offenders.clear()
    fakes.delius_offender(CRN, None)
    fakes.search_finds("NAME", CRN)
    published = FakeDomainEventPublisher()
    use_case = Resync(
        fakes.ports(domain_events=published), fakes.settings, fakes.prison,
        dry_run=DryRun(DryRunCommunityApi, DryRunDomainEventPublisher),
    )

    (dry,) = use_case.resync([BOOKING_ID]).items
    assert published.published == []
    assert "P2PDryRunDomainEvent" in [event.name for event in dry.events]

    use_case.resync([BOOKING_ID], dry_run=False)
    assert published.event_types() == ["probation-case.prison-identifier.added"]
    event = published.published[0]
    assert (event.identifier("CRN"), event.identifier("NOMS")) == (CRN, OFFENDER_NO)
    assert event.information == {"bookingNumber": BOOKING_NO}


def test_an_announcement_a_failing_topic_refused_is_kept_and_published_by_scheduled_processing(fakes: Fakes) -> None:
    """With the topic failing, a re-sync that sets the NOMS number keeps the `added` event for scheduled
    processing to publish (a second re-sync finds the case linked and would announce nothing)."""
    fakes.community.offenders.clear()
    fakes.delius_offender(CRN, None)
    fakes.search_finds("NAME", CRN)
    failing = FakeDomainEventPublisher(failures=1)
    use_case = Resync(
        fakes.ports(domain_events=failing), fakes.settings, fakes.prison, dry_run=DryRun(DryRunCommunityApi),
        owed_announcements=fakes.repository,
    )

    (item,) = use_case.resync([BOOKING_ID], dry_run=False).items

    assert item.result is ResyncResult.ERROR
    assert item.detail == (
        "the domain-events topic failed: the announcement is kept and published by scheduled processing"
    )
    assert fakes.community.offenders[CRN].noms_number == OFFENDER_NO  # Delius was changed ...
    assert failing.published == []  # ... and not yet announced
    (kept,) = fakes.repository.all()
    assert (kept.booking_id, kept.event_type, kept.is_processed) == (BOOKING_ID, "IMPRISONMENT_STATUS-CHANGED", False)

    # Scheduled processing of the kept record, the topic back: the event is published once, with its time.
    later = FakeDomainEventPublisher()
    processor = OneRecord(fakes.ports(domain_events=later), fakes.settings, fakes.repository)
    processor.process(kept)
    assert later.event_types() == ["probation-case.prison-identifier.added"]
    assert later.published[0].identifier("CRN") == CRN
    assert later.published[0].occurred_at == kept.created_date


def test_not_a_dry_run_writes_and_emits_telemetry_as_processing_does(fakes: Fakes) -> None:
    report = resync(fakes).resync([BOOKING_ID], dry_run=False)

    (item,) = report.items
    assert report.dry_run is False
    assert (item.result, item.status, item.writes) == (ResyncResult.DONE, State.COMPLETED, ())
    assert fakes.community_writes() == ["update_booking_number", "update_custody", "replace_key_dates"]
    assert BOOKING_NO in fakes.community.offenders[CRN].key_dates
    assert [(e.name, dict(e.attributes)) for e in item.events] == [
        (e.name, e.attributes) for e in fakes.telemetry.events
    ]
    assert fakes.telemetry.names()[-1] == names.IMPRISONMENT_STATUS_UPDATED


def test_a_second_resync_answers_the_same_and_leaves_delius_as_the_first_did(fakes: Fakes) -> None:
    first = resync(fakes).resync([BOOKING_ID], dry_run=False)
    delius_after_first = repr(fakes.community.offenders)

    second = resync(fakes).resync([BOOKING_ID], dry_run=False)

    assert second == first
    assert repr(fakes.community.offenders) == delius_after_first


def test_with_the_service_in_dry_run_mode_every_resync_is_a_dry_run(fakes: Fakes) -> None:
    report = resync(fakes, always_dry_run=True).resync([BOOKING_ID], dry_run=False)

    assert report.dry_run is True
    assert fakes.community_writes() == []
    assert len(report.items[0].writes) == 3


def test_a_noms_number_stands_for_its_latest_booking(fakes: Fakes) -> None:
    fakes.prison.bookings[1000001] = a_booking(booking_id=1000001, booking_no="11111A", active_flag=False)

    (item,) = resync(fakes).resync([OFFENDER_NO]).items

    assert (item.requested, item.booking_id, item.result) == (OFFENDER_NO, BOOKING_ID, ResyncResult.DONE)
    assert ("get_latest_booking", (OFFENDER_NO,)) in fakes.prison.calls


def test_a_noms_number_without_a_booking_is_not_found_and_nothing_else_is_asked(fakes: Fakes) -> None:
    (item,) = resync(fakes).resync(["Z9999ZZ"]).items

    assert item == ResyncItem("Z9999ZZ", None, ResyncResult.NOT_FOUND, detail="prison-api has no booking for Z9999ZZ")
    assert fakes.prison.call_names() == ["get_latest_booking"]


def test_a_booking_id_prison_api_does_not_know_is_not_found(fakes: Fakes, caplog) -> None:
    fakes.prison.sentence_details[OTHER_BOOKING] = a_sentence_detail()
    fakes.prison.sentence_terms[OTHER_BOOKING] = [a_term(SENTENCE_START)]  # the booking itself: 404

    with caplog.at_level("INFO", logger="ptpu_core.use_cases.resync"):
        (item,) = resync(fakes).resync([OTHER_BOOKING]).items

    assert (item.booking_id, item.result, item.detail) == (
        OTHER_BOOKING, ResyncResult.NOT_FOUND, "prison-api has no such booking"
    )
    # An expected answer: INFO, without the upstream's text (not a WARNING with the body).
    assert [r.levelname for r in caplog.records if "no such booking" in r.getMessage()] == ["INFO"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_delius_not_ready_is_try_later_with_the_reason(fakes: Fakes) -> None:
    fakes.community.booking_number_not_assigned.add(OFFENDER_NO)

    (item,) = resync(fakes).resync([BOOKING_ID], dry_run=False).items

    assert (item.result, item.status, item.crns) == (ResyncResult.TRY_LATER, State.BOOKING_NUMBER_NOT_ASSIGNED, (CRN,))


def test_each_booking_is_processed_under_its_lease_and_one_held_elsewhere_is_busy_at_once(fakes: Fakes) -> None:
    fakes.prison.bookings[OTHER_BOOKING] = a_booking(booking_id=OTHER_BOOKING, offender_no="A5090DY")
    leases = Leases(held_elsewhere={OTHER_BOOKING})

    items = resync(fakes, leases).resync([OTHER_BOOKING, BOOKING_ID]).items

    assert [(i.booking_id, i.result) for i in items] == [
        (OTHER_BOOKING, ResyncResult.BUSY), (BOOKING_ID, ResyncResult.DONE)
    ]
    assert items[0].detail == "the booking is being processed elsewhere; try again shortly"
    assert leases.calls == [
        ("lease", OTHER_BOOKING, ON_REQUEST), ("lease", BOOKING_ID, ON_REQUEST), ("release", BOOKING_ID, ON_REQUEST)
    ]
    assert ("get_booking", (OTHER_BOOKING,)) not in fakes.prison.calls  # the busy booking is not read


def test_a_lease_store_failure_is_that_bookings_error_and_nothing_is_processed(fakes: Fakes) -> None:
    (item,) = resync(fakes, Leases(failing=True)).resync([BOOKING_ID], dry_run=False).items

    assert (item.result, item.detail) == (ResyncResult.ERROR, "StoreFailure: see the service log")
    assert fakes.prison.calls == []


def test_an_upstream_failure_is_that_bookings_error_and_the_rest_carry_on(fakes: Fakes) -> None:
    fakes.community.failing_calls.add("get_convictions")
    fakes.prison.bookings[OTHER_BOOKING] = a_booking(booking_id=OTHER_BOOKING, offender_no="A5090DY")
    fakes.prison.sentence_details[OTHER_BOOKING] = a_sentence_detail()
    fakes.prison.sentence_terms[OTHER_BOOKING] = [a_term(SENTENCE_START)]  # search finds nobody for A5090DY
    leases = Leases()

    items = resync(fakes, leases).resync([BOOKING_ID, OTHER_BOOKING], dry_run=False).items

    assert (items[0].result, items[0].detail) == (ResyncResult.ERROR, "community-api failed (HTTP 500)")
    assert items[1].result is ResyncResult.TRY_LATER and items[1].status is State.NO_MATCH
    assert [c for c in leases.calls if c[0] == "release"] == [
        ("release", BOOKING_ID, ON_REQUEST), ("release", OTHER_BOOKING, ON_REQUEST)
    ]


def test_a_booking_named_twice_is_processed_once_and_both_ids_answered(fakes: Fakes) -> None:
    leases = Leases()

    items = resync(fakes, leases).resync([BOOKING_ID, OFFENDER_NO, BOOKING_ID]).items

    assert [(i.requested, i.booking_id, i.result) for i in items] == [
        (BOOKING_ID, BOOKING_ID, ResyncResult.DONE),
        (OFFENDER_NO, BOOKING_ID, ResyncResult.DONE),
        (BOOKING_ID, BOOKING_ID, ResyncResult.DONE),
    ]
    assert [c[0] for c in leases.calls] == ["lease", "release"]
    assert fakes.prison.call_names().count("get_sentence_detail") == 1


class SlowPrisonApi:
    """Delegates to the fake; each sentence-detail read (the first call for a booking) takes `seconds`."""

    def __init__(self, fakes: Fakes, seconds: int) -> None:
        self._fakes, self._seconds = fakes, seconds

    def __getattr__(self, name: str) -> object:
        return getattr(self._fakes.prison, name)

    def get_sentence_detail(self, booking_id: int) -> object:
        self._fakes.clock.advance(timedelta(seconds=self._seconds))
        return self._fakes.prison.get_sentence_detail(booking_id)


def test_no_booking_is_started_once_the_time_budget_is_spent_and_the_rest_are_not_started(fakes: Fakes) -> None:
    assert timedelta(seconds=45) == TIME_BUDGET  # the timings below assume it
    slow_prison = SlowPrisonApi(fakes, 30)
    slow = Resync(
        fakes.ports(prison_api=slow_prison), fakes.settings, slow_prison,  # type: ignore[arg-type]
        dry_run=DryRun(DryRunCommunityApi),
    )

    items = slow.resync([BOOKING_ID, OTHER_BOOKING, OFFENDER_NO, OTHER_BOOKING, BOOKING_ID, "A5090DY"]).items

    # 0 s: the first starts; 30 s: the second (within 45 s); 60 s: spent. An id already answered keeps its answer.
    assert [(i.requested, i.booking_id, i.result) for i in items] == [
        (BOOKING_ID, BOOKING_ID, ResyncResult.DONE),
        (OTHER_BOOKING, OTHER_BOOKING, ResyncResult.DONE),
        (OFFENDER_NO, None, ResyncResult.NOT_STARTED),
        (OTHER_BOOKING, OTHER_BOOKING, ResyncResult.DONE),
        (BOOKING_ID, BOOKING_ID, ResyncResult.DONE),
        ("A5090DY", None, ResyncResult.NOT_STARTED),
    ]
    assert items[2].detail == "not started: this request's 45 s were spent; send it again"
    assert fakes.prison.call_names().count("get_latest_booking") == 0


@pytest.mark.parametrize("count", [0, MAX_IDS + 1])
def test_no_id_or_more_than_the_bound_is_refused_before_anything_is_done(fakes: Fakes, count: int) -> None:
    with pytest.raises(InvalidResyncRequest) as refused:
        resync(fakes).resync([BOOKING_ID] * count)

    assert refused.value.problems == (f"ids: give between 1 and {MAX_IDS} booking ids or NOMS numbers, not {count}",)
    assert fakes.prison.calls == []


def test_the_bound_itself_is_accepted(fakes: Fakes) -> None:
    report = resync(fakes).resync([BOOKING_ID] * MAX_IDS)

    assert len(report.items) == MAX_IDS
    assert fakes.prison.call_names().count("get_sentence_detail") == 1


@pytest.mark.parametrize("number", [1.5e3, float(BOOKING_ID)])
def test_a_number_with_a_fraction_or_exponent_is_refused_never_read_as_another_booking(
    fakes: Fakes, number: float
) -> None:
    """`1.5e3` is not booking 1500: only a whole number written as one names a booking."""
    with pytest.raises(InvalidResyncRequest, match=r"ids\[0\]: .* is not a booking id \(a whole number, written"):
        resync(fakes).resync([number])

    assert fakes.prison.calls == []


def test_a_noms_number_in_lower_case_is_upper_cased_before_the_lookup(fakes: Fakes) -> None:
    """As hmpps-prisoner-search's PrisonerSearchService (ministryofjustice/hmpps-prisoner-search) upper-cases
    `nomsNumber` before its lookup."""
    (item,) = resync(fakes).resync([OFFENDER_NO.lower()]).items

    assert (item.requested, item.booking_id, item.result) == (OFFENDER_NO, BOOKING_ID, ResyncResult.DONE)


def test_a_booking_named_by_id_and_by_noms_number_in_any_case_is_processed_and_looked_up_once(fakes: Fakes) -> None:
    leases = Leases()

    items = resync(fakes, leases).resync([OFFENDER_NO.lower(), BOOKING_ID, OFFENDER_NO, OFFENDER_NO.lower()]).items

    assert [(i.booking_id, i.result) for i in items] == [(BOOKING_ID, ResyncResult.DONE)] * 4
    assert [c[0] for c in leases.calls] == ["lease", "release"]
    assert fakes.prison.call_names().count("get_sentence_detail") == 1
    assert fakes.prison.call_names().count("get_latest_booking") == 1


def test_a_non_ascii_letter_is_not_upper_cased_into_a_noms_number(fakes: Fakes) -> None:
    """'ſ' (long s) upper-cases to 'S': only ASCII text is upper-cased, so this is refused."""
    with pytest.raises(InvalidResyncRequest, match="is not a NOMS number"):
        resync(fakes).resync(["\u017f5089dy"])


def test_every_bad_id_is_named_and_nothing_is_done(fakes: Fakes) -> None:
    bad = [BOOKING_ID, 0, -5, True, 1.5, "a5089d", "A5089DYX", " A5089DY", "A5089DY\n", "1200835", None, 2**63]

    with pytest.raises(InvalidResyncRequest) as refused:
        resync(fakes).resync(bad)

    assert refused.value.problems == (
        "ids[1]: booking id 0 is not a positive whole number of at most 9223372036854775807",
        "ids[2]: booking id -5 is not a positive whole number of at most 9223372036854775807",
        "ids[3]: true is neither a booking id (a positive whole number) nor a NOMS number",
        "ids[4]: 1.5 is not a booking id (a whole number, written without a fraction or exponent)",
        'ids[5]: "a5089d" is not a NOMS number (a letter, four digits, two letters: A1234BC)',
        'ids[6]: "A5089DYX" is not a NOMS number (a letter, four digits, two letters: A1234BC)',
        'ids[7]: " A5089DY" is not a NOMS number (a letter, four digits, two letters: A1234BC)',
        'ids[8]: "A5089DY\\n" is not a NOMS number (a letter, four digits, two letters: A1234BC)',
        'ids[9]: "1200835" is not a NOMS number (a letter, four digits, two letters: A1234BC)',
        "ids[10]: null is neither a booking id (a positive whole number) nor a NOMS number",
        "ids[11]: booking id 9223372036854775808 is not a positive whole number of at most 9223372036854775807",
    )
    assert fakes.prison.calls == []


def test_ids_left_by_a_stop_with_a_reason_say_it(fakes: Fakes) -> None:
    progress = ResyncProgress()
    progress.stop("the service is stopping")

    report = resync(fakes).resync([BOOKING_ID], progress=progress)

    (item,) = report.items
    assert (item.result, item.detail) == (
        ResyncResult.NOT_STARTED, "not started: the service is stopping; send it again")
