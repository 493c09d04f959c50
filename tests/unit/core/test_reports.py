"""SPEC §9: the report queries."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from records import MOVEMENT, NOW, SENTENCE_DATES, STATUS_CHANGE, record

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.testing import FixedClock, InMemoryMessageRepository
from ptpu_core.use_cases.reports import ProcessedFilter, in_progress, not_matched, processed

S = SynchroniseState


class OnlyIndexedReads(InMemoryMessageRepository):
    """Fails the reads a report should not need, to show it reads only what it selects."""

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        raise AssertionError("the processed report must not read unprocessed records")

    def created_between(
        self, start: datetime | None, end: datetime | None, event_type: str | None
    ) -> Iterator[Message]:
        raise AssertionError("the processed report reads the processed records only")


@pytest.fixture
def repository() -> InMemoryMessageRepository:
    return InMemoryMessageRepository()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _store(repository: InMemoryMessageRepository, *messages: Message) -> None:
    for message in messages:
        repository.add(message)


def _ids(messages: Iterator[Message]) -> list[str]:
    return [m.id for m in messages]


def test_in_progress_lists_unprocessed_records_oldest_first(repository: InMemoryMessageRepository) -> None:
    newest = record(1, age=timedelta(hours=1))
    oldest = record(2, age=timedelta(days=3), retry_count=4, status=S.NO_MATCH)
    middle = record(3, MOVEMENT, age=timedelta(days=1))
    done = record(4, age=timedelta(days=2), processed=NOW, status=S.COMPLETED)
    _store(repository, newest, done, middle, oldest)

    assert _ids(in_progress(repository)) == [oldest.id, middle.id, newest.id]


def test_not_matched_lists_old_unmatched_records(repository: InMemoryMessageRepository, clock: FixedClock) -> None:
    no_match = record(1, age=timedelta(days=9), status=S.NO_MATCH)
    no_match_sentence = record(2, age=timedelta(days=8), status=S.NO_MATCH_WITH_SENTENCE_DATE)
    too_many = record(3, age=timedelta(days=7, seconds=1), status=S.TOO_MANY_MATCHES)
    exactly_seven_days = record(4, created=NOW - timedelta(days=7), status=S.NO_MATCH)
    too_young = record(5, age=timedelta(days=2), status=S.NO_MATCH)
    other_state = record(6, age=timedelta(days=9), status=S.KEY_DATES_NOT_UPDATED)
    processed_no_match = record(7, age=timedelta(days=9), status=S.NO_MATCH, processed=NOW)
    _store(repository, too_many, no_match, exactly_seven_days, too_young, other_state, processed_no_match,
           no_match_sentence)

    assert _ids(not_matched(repository, clock, days_old=7)) == [no_match.id, no_match_sentence.id, too_many.id]
    assert _ids(not_matched(repository, clock, days_old=1)) == [
        no_match.id, no_match_sentence.id, too_many.id, exactly_seven_days.id, too_young.id,
    ]


def _processed(booking_id: int, processed_days_ago: float, created_days_ago: float, **fields: object) -> Message:
    return record(
        booking_id,
        age=timedelta(days=created_days_ago),
        processed=NOW - timedelta(days=processed_days_ago),
        status=S.COMPLETED,
        **fields,
    )


History = tuple[OnlyIndexedReads, dict[str, Message]]


@pytest.fixture
def history() -> History:
    repository = OnlyIndexedReads()
    rows = {
        "mdi_status": _processed(1, processed_days_ago=1, created_days_ago=2),
        "lei_status": _processed(2, processed_days_ago=3, created_days_ago=4, location_id="LEI"),
        "mdi_movement": _processed(3, processed_days_ago=5, created_days_ago=6, event_type=MOVEMENT),
        "lei_dates": _processed(4, processed_days_ago=7, created_days_ago=8, location_id="LEI",
                                event_type=SENTENCE_DATES),
    }
    _store(repository, *rows.values(), record(5, age=timedelta(days=1)))
    return repository, rows


def _report(history: History, **filters: object) -> list[str]:
    repository, rows = history
    names = {m.id: name for name, m in rows.items()}
    return [names[m.id] for m in processed(repository, ProcessedFilter(**filters))]


def test_processed_without_filters_lists_every_processed_record_oldest_first(history: History) -> None:
    assert _report(history) == ["lei_dates", "mdi_movement", "lei_status", "mdi_status"]


def test_processed_by_location(history: History) -> None:
    assert _report(history, location_id="LEI") == ["lei_dates", "lei_status"]


def test_processed_by_event_type(history: History) -> None:
    assert _report(history, event_type=STATUS_CHANGE) == ["lei_status", "mdi_status"]


def test_processed_range_is_exclusive_as_the_existing_services_is_after_and_is_before(history: History) -> None:
    """ProcessedReport keeps processedDate.isAfter(start) && isBefore(end)."""
    on_the_bounds = _report(history, processed_from=NOW - timedelta(days=5), processed_to=NOW - timedelta(days=3))
    just_inside = _report(
        history,
        processed_from=NOW - timedelta(days=5, microseconds=1),
        processed_to=NOW - timedelta(days=3) + timedelta(microseconds=1),
    )

    assert on_the_bounds == []
    assert just_inside == ["mdi_movement", "lei_status"]


def test_processed_open_ended_ranges(history: History) -> None:
    assert _report(history, processed_from=NOW - timedelta(days=2)) == ["mdi_status"]
    assert _report(history, processed_to=NOW - timedelta(days=6)) == ["lei_dates"]


def test_processed_by_created_range_is_exclusive(history: History) -> None:
    on_the_bounds = _report(history, created_from=NOW - timedelta(days=6), created_to=NOW - timedelta(days=4))
    wider = _report(history, created_from=NOW - timedelta(days=6, seconds=1), created_to=NOW - timedelta(days=3))

    assert on_the_bounds == []
    assert wider == ["mdi_movement", "lei_status"]


def test_processed_filters_combine(history: History) -> None:
    report = _report(history, location_id="LEI", event_type=STATUS_CHANGE, created_from=NOW - timedelta(days=5))

    assert report == ["lei_status"]


class CountingReads(InMemoryMessageRepository):
    """Hands its report records out one at a time, counting how many have been taken."""

    taken = 0

    def _counted(self, messages: Iterator[Message]) -> Iterator[Message]:
        for message in messages:
            self.taken += 1
            yield message

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        return self._counted(super().unprocessed(created_before))

    def processed_between(self, *bounds: datetime | None) -> Iterator[Message]:  # type: ignore[override]
        return self._counted(super().processed_between(*bounds))


@pytest.mark.parametrize("report", ["in_progress", "not_matched", "processed"])
def test_each_csv_report_hands_on_records_as_the_store_gives_them(report: str, clock: FixedClock) -> None:
    """No report collects (or sorts) its selection; the store's order is already the report's."""
    repository = CountingReads()
    for n in range(50):
        processed_on = NOW - timedelta(days=1) if report == "processed" else None
        repository.add(record(n + 1, age=timedelta(days=20, minutes=n), status=S.NO_MATCH, processed=processed_on))
    stream = {
        "in_progress": lambda: in_progress(repository),
        "not_matched": lambda: not_matched(repository, clock, days_old=7),
        "processed": lambda: processed(repository, ProcessedFilter()),
    }[report]()
    first = next(stream)
    assert repository.taken == 1
    assert first.booking_id == 50  # the oldest
