"""A stored record the service cannot fully understand never stops a cycle; that one
record is settled (or skipped) and the rest are processed. Real processor, in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

from attrs import evolve
from builders import BOOKING_ID, NOW, SENTENCE_DATES, STATUS_CHANGE, Fakes, a_stored

from ptpu_core.models.record import SynchroniseState as State
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.use_cases.reports import in_progress, match_summary
from ptpu_core.use_cases.synchronise import SynchronisationService


def service(fakes: Fakes) -> SynchronisationService:
    return SynchronisationService(fakes.repository, fakes.ports(), fakes.settings)


def due(record_id: str, booking_id: int, event_type: str, message: str | None = None, **changes: object):
    return evolve(a_stored(event_type, message, **changes), id=record_id, booking_id=booking_id)


def test_a_matched_record_and_odd_neighbours_are_all_settled_in_one_cycle() -> None:
    fakes = Fakes()
    fakes.linked_offender("X142620")
    matched = due("matched", BOOKING_ID, STATUS_CHANGE, status="MATCHED")  # as the Kotlin tests store
    unknown_type = due("unknown", 2, "SOME_NEW-EVENT", "{}")
    no_type = due("no-type", 3, "", "")
    unreadable = due("unreadable", 4, SENTENCE_DATES, "{not json")
    for record in (matched, unknown_type, no_type, unreadable):
        fakes.repository.add(record)

    # Before the cycle: the in-progress report lists the unknown status verbatim.
    assert [m.status for m in in_progress(fakes.repository)].count("MATCHED") == 1

    summary = service(fakes).process_due()

    assert summary.processed == 4 and summary.errors == 0
    settled = {m.id: (m.is_processed, m.status) for m in fakes.repository.all()}
    assert settled == {
        "matched": (True, State.COMPLETED),
        "unknown": (True, State.COMPLETED),  # as the existing service: Done
        "no-type": (True, State.COMPLETED),
        "unreadable": (True, State.NO_LONGER_VALID),
    }
    assert fakes.metrics.count("unreadableRecord", "message") == 1


def test_a_record_in_an_unknown_state_is_retried_by_its_tier_like_any_other() -> None:
    fakes = Fakes()
    fakes.linked_offender("X142620")
    fakes.repository.add(due("matched", BOOKING_ID, STATUS_CHANGE, status="MATCHED", retry_count=2))

    summary = service(fakes).retry(RetryTier.SHORT)

    assert summary.done == 1
    assert fakes.repository.get("matched").status is State.COMPLETED  # type: ignore[union-attr]


def test_the_match_summary_counts_an_unknown_state_in_no_category() -> None:
    fakes = Fakes()
    fakes.repository.add(due("matched", BOOKING_ID, STATUS_CHANGE, status="MATCHED"))
    fakes.repository.add(due("old", 2, STATUS_CHANGE, status="MATCHED", created_date=NOW - timedelta(days=9)))

    summary = match_summary(fakes.repository, fakes.clock, None, None, None)

    assert (summary["total"], summary["waiting"]["total"], summary["exceeded-sla"]["total"]) == (2, 1, 1)
    assert sum(summary["waiting"]["category"].values()) == sum(summary["exceeded-sla"]["category"].values()) == 0
