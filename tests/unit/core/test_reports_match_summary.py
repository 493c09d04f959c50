"""SPEC §9: /report/match-summary counts IMPRISONMENT_STATUS-CHANGED records only."""

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from records import MOVEMENT, NOW, STATUS_CHANGE, record

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.testing import FixedClock, InMemoryMessageRepository
from ptpu_core.use_cases.reports import CATEGORY_STATES, match_summary

S = SynchroniseState
CATEGORIES = [
    "no-match",
    "no-match-sentence",
    "too-many-matches",
    "book-number-set-fail",
    "location-set-fail",
    "key-dates-set-fail",
    "error-fail",
]


def _categories(**counts: int) -> dict[str, int]:
    return {name: counts.get(name.replace("-", "_"), 0) for name in CATEGORIES}


def _repository(*messages: Message) -> InMemoryMessageRepository:
    repository = InMemoryMessageRepository()
    for message in messages:
        repository.add(message)
    return repository


def test_an_empty_store_gives_zeros_in_the_exact_shape() -> None:
    summary = match_summary(_repository(), FixedClock(NOW), None, None, None)

    assert summary == {
        "total": 0,
        "completed": {"total": 0, "success": 0, "rejected": 0},
        "waiting": {"total": 0, "new": 0, "retry": 0, "category": _categories()},
        "exceeded-sla": {"total": 0, "category": _categories()},
    }


def test_counts_completed_waiting_and_exceeded_sla() -> None:
    repository = _repository(
        record(1, status=S.COMPLETED, processed=NOW, retry_count=2),
        record(2, status=S.COMPLETED, processed=NOW),
        record(3, status=S.NO_LONGER_VALID, processed=NOW),
        record(4, status=S.VALIDATED, age=timedelta(hours=1)),
        record(5, status=S.NO_MATCH, retry_count=1, age=timedelta(days=2)),
        record(6, status=S.NO_MATCH, retry_count=3, age=timedelta(days=10)),
        record(7, status=S.TOO_MANY_MATCHES, retry_count=1, age=timedelta(days=8)),
        record(8, status=S.ERROR, retry_count=12, age=timedelta(days=20)),
        record(9, status=S.KEY_DATES_NOT_UPDATED, retry_count=5, age=timedelta(days=3)),
        record(10, status=S.VALIDATED, age=timedelta(days=9)),
        record(11, MOVEMENT, status=S.NO_MATCH, retry_count=1, age=timedelta(days=10)),
        record(12, MOVEMENT, status=S.COMPLETED, processed=NOW),
    )

    summary = match_summary(repository, FixedClock(NOW), None, None, None, sla_days=7)

    assert summary == {
        "total": 10,
        "completed": {"total": 3, "success": 2, "rejected": 1},
        # waiting and exceeded-sla partition the unprocessed records: 4, 5, 9 within the SLA; 6, 7, 8, 10 past it
        "waiting": {
            "total": 3,
            "new": 1,
            "retry": 2,
            "category": _categories(no_match=1, key_dates_set_fail=1),
        },
        "exceeded-sla": {
            "total": 4,
            "category": _categories(no_match=1, too_many_matches=1, error_fail=1),
        },
    }


def test_the_sla_is_measured_from_the_created_date() -> None:
    repository = _repository(
        record(1, status=S.NO_MATCH, retry_count=1, created=NOW - timedelta(days=3)),
        record(2, status=S.NO_MATCH, retry_count=1, created=NOW - timedelta(days=3, seconds=1)),
    )

    summary = match_summary(repository, FixedClock(NOW), None, None, None, sla_days=3)

    assert summary["exceeded-sla"]["total"] == 1


def test_only_records_at_the_location_and_in_the_created_range_count() -> None:
    repository = _repository(
        record(1, status=S.COMPLETED, processed=NOW, location_id="MDI", age=timedelta(days=2)),
        record(2, status=S.NO_MATCH, retry_count=1, location_id="MDI", age=timedelta(days=3)),
        record(3, status=S.COMPLETED, processed=NOW, location_id="LEI", age=timedelta(days=2)),
        record(4, status=S.COMPLETED, processed=NOW, location_id="MDI", age=timedelta(days=6)),
        record(5, status=S.VALIDATED, location_id="MDI", age=timedelta(hours=1)),
    )

    summary = match_summary(
        repository, FixedClock(NOW), "MDI", NOW - timedelta(days=4), NOW - timedelta(days=1), sla_days=1
    )

    # record 2 is past the one-day SLA, so it counts as exceeded-sla and not as waiting
    assert summary["total"] == 2 and summary["completed"]["success"] == 1
    assert (summary["waiting"]["total"], summary["exceeded-sla"]["total"]) == (0, 1)


def test_every_waiting_state_with_a_category_is_named() -> None:
    assert sorted(CATEGORY_STATES) == sorted(CATEGORIES)
    assert S.VALIDATED not in CATEGORY_STATES.values()
    assert S.COMPLETED not in CATEGORY_STATES.values()


_states = st.sampled_from(list(SynchroniseState))


@st.composite
def _status_changes(draw: st.DrawFn) -> list[Message]:
    rows = draw(
        st.lists(
            st.tuples(_states, st.booleans(), st.integers(0, 12), st.integers(0, 30)),
            max_size=25,
        )
    )
    return [
        record(n, STATUS_CHANGE, status=state, processed=NOW if is_done else None, retry_count=retries,
               age=timedelta(days=days, hours=1))
        for n, (state, is_done, retries, days) in enumerate(rows)
    ]


@given(_status_changes(), st.integers(0, 30))
def test_the_summary_adds_up(messages: list[Message], sla_days: int) -> None:
    summary = match_summary(_repository(*messages), FixedClock(NOW), None, None, None, sla_days=sla_days)
    completed, waiting, exceeded = summary["completed"], summary["waiting"], summary["exceeded-sla"]
    unprocessed = [m for m in messages if not m.is_processed]

    assert summary["total"] == len(messages) == completed["total"] + waiting["total"] + exceeded["total"]
    assert completed["total"] == completed["success"] + completed["rejected"]
    assert completed["rejected"] == sum(1 for m in messages if m.is_processed and m.status is S.NO_LONGER_VALID)
    assert waiting["total"] == waiting["new"] + waiting["retry"]
    assert waiting["total"] + exceeded["total"] == len(unprocessed)
    by_state = Counter(m.status for m in unprocessed)
    assert {c: waiting["category"][c] + exceeded["category"][c] for c in CATEGORIES} == {
        name: by_state[state] for name, state in CATEGORY_STATES.items()
    }


@pytest.mark.parametrize("sla_days", [0, 7])
def test_a_waiting_record_never_tried_is_new(sla_days: int) -> None:
    summary = match_summary(_repository(record(1, age=timedelta(days=1))), FixedClock(NOW), None, None, None, sla_days)

    within_sla = sla_days > 0
    assert (summary["waiting"]["new"], summary["waiting"]["retry"]) == ((1, 0) if within_sla else (0, 0))
    assert summary["exceeded-sla"]["total"] == (0 if within_sla else 1)
