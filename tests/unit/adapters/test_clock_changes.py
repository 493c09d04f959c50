"""Hold-back and "newest record" across the clock changes.

The stored dates are Europe/London wall-clock text, as the existing service (TZ=Europe/London) writes
them. In March the wall clock skips 01:00-02:00; in October it shows 01:00-02:00 twice. Every record
here goes through the DynamoDB item codec on each write, so what is checked is what the table would
hold. test_time_zone_independence.py runs this module again under other TZ values.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from attrs import evolve

from ptpu_adapters.dynamodb.record_codec import CREATED_FOLD, message_from_item, message_to_item
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import done
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, InMemoryMessageRepository, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService

HOLD_BACK = timedelta(minutes=15)
STATUS_CHANGE = "IMPRISONMENT_STATUS-CHANGED"
DAY = 24 * 60 * 60


class ThroughTheCodec(InMemoryMessageRepository):
    """Keeps each record as the DynamoDB item would give it back."""

    items: dict[str, dict] = {}

    def add(self, message: Message) -> bool:
        added = super().add(self._round_trip(message))
        return added

    def update(self, message: Message) -> None:
        super().update(self._round_trip(message))

    def _round_trip(self, message: Message) -> Message:
        item = message_to_item(message)
        self.items[message.id] = item
        return message_from_item(item)


class Processor:
    def __init__(self) -> None:
        self.seen: list[tuple[str, datetime]] = []
        self.clock: FixedClock | None = None

    def process(self, message: Message, work: object):  # noqa: ANN201 - the core's Processor protocol
        assert self.clock is not None
        self.seen.append((message.id, self.clock.now()))
        return done(SynchroniseState.COMPLETED)


def world(start: datetime) -> tuple[FixedClock, ThroughTheCodec, Processor, SynchronisationService]:
    clock = FixedClock(start)
    repository = ThroughTheCodec()
    repository.items = {}
    processor = Processor()
    processor.clock = clock
    service = SynchronisationService(
        repository,
        fake_ports(clock, RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(hold_back=HOLD_BACK),
        process=processor.process,
    )
    return clock, repository, processor, service


def created_at(name: str, moment: datetime) -> Message:
    return Message(
        id=name, booking_id=1200835, event_type=STATUS_CHANGE, message="{}", created_date=moment,
        delete_by=initial_delete_by(moment), status=SynchroniseState.VALIDATED,
    )


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


# Last Sunday of March 2026: at 01:00 UTC London goes from 01:00 GMT to 02:00 BST.
MARCH_00_59 = utc(2026, 3, 29, 0, 59)  # 00:59 on the wall clock
MARCH_01_30 = utc(2026, 3, 29, 1, 30)  # 31 minutes later: 02:30 on the wall clock
# Last Sunday of October 2026: at 01:00 UTC London goes from 02:00 BST back to 01:00 GMT.
OCTOBER_FIRST_01_50 = utc(2026, 10, 25, 0, 50)  # 01:50 BST, the first pass through 01:00-02:00
OCTOBER_SECOND_01_10 = utc(2026, 10, 25, 1, 10)  # 01:10 GMT, the second pass: 20 minutes later


def test_march_each_record_is_held_back_15_real_minutes_and_processed_once() -> None:
    clock, repository, processor, service = world(MARCH_00_59)
    repository.add(created_at("00:59", MARCH_00_59))
    clock.set(utc(2026, 3, 29, 1, 5))  # 02:05 on the wall clock, but only 6 minutes later
    service.process_due()
    clock.set(utc(2026, 3, 29, 1, 13))
    service.process_due()
    assert processor.seen == []
    clock.set(utc(2026, 3, 29, 1, 15))
    service.process_due()
    repository.add(created_at("01:30", MARCH_01_30))
    clock.set(utc(2026, 3, 29, 1, 44))
    service.process_due()
    clock.set(utc(2026, 3, 29, 1, 46))
    service.process_due()
    service.process_due()
    assert processor.seen == [("00:59", utc(2026, 3, 29, 1, 15)), ("01:30", utc(2026, 3, 29, 1, 46))]
    assert repository.items["00:59"]["createdDate"] == {"S": "2026-03-29T00:59:00.000000"}
    assert repository.items["01:30"]["createdDate"] == {"S": "2026-03-29T02:30:00.000000"}
    assert repository.items["01:30"]["processedDate"] == {"S": "2026-03-29T02:46:00.000000"}


def test_october_the_repeated_hour_holds_back_15_real_minutes_and_processes_each_once() -> None:
    clock, repository, processor, service = world(OCTOBER_FIRST_01_50)
    repository.add(created_at("first 01:50", OCTOBER_FIRST_01_50))
    clock.set(utc(2026, 10, 25, 1, 4))  # 01:04 GMT on the wall clock: 14 minutes later
    service.process_due()
    assert processor.seen == []
    clock.set(utc(2026, 10, 25, 1, 6))  # 16 minutes later, though the wall clock reads before 01:50
    service.process_due()
    repository.add(created_at("second 01:10", OCTOBER_SECOND_01_10))
    clock.set(utc(2026, 10, 25, 1, 24))
    service.process_due()
    clock.set(utc(2026, 10, 25, 1, 26))
    service.process_due()
    service.process_due()
    assert processor.seen == [
        ("first 01:50", utc(2026, 10, 25, 1, 6)),
        ("second 01:10", utc(2026, 10, 25, 1, 26)),
    ]
    second = repository.items["second 01:10"]
    assert second["createdDate"] == {"S": "2026-10-25T01:10:00.000000"}
    assert second[CREATED_FOLD] == {"N": "1"}  # the wall-clock text alone would say the first pass
    assert CREATED_FOLD not in repository.items["first 01:50"]


def test_october_the_newer_record_is_kept_though_its_wall_clock_time_reads_earlier() -> None:
    clock, repository, processor, service = world(utc(2026, 10, 25, 1, 40))
    repository.add(created_at("first 01:50", OCTOBER_FIRST_01_50))
    repository.add(created_at("second 01:10", OCTOBER_SECOND_01_10))
    summary = service.process_due()
    assert [name for name, _ in processor.seen] == ["second 01:10"]
    assert (summary.done, summary.duplicates_deleted) == (1, 1)


def test_march_both_pending_the_newer_is_kept() -> None:
    clock, repository, processor, service = world(utc(2026, 3, 29, 2, 0))
    repository.add(created_at("00:59", MARCH_00_59))
    repository.add(created_at("01:30", MARCH_01_30))
    summary = service.process_due()
    assert [name for name, _ in processor.seen] == ["01:30"]
    assert (summary.done, summary.duplicates_deleted) == (1, 1)


def test_delete_by_is_thirty_days_after_the_true_instant() -> None:
    """The existing service read London wall-clock time as UTC (an hour late in summer); ours is exact."""
    assert initial_delete_by(OCTOBER_FIRST_01_50) == int(OCTOBER_FIRST_01_50.timestamp()) + 30 * DAY
    assert initial_delete_by(datetime(2026, 7, 1, 12, 0)) == int(utc(2026, 7, 1, 11, 0).timestamp()) + 30 * DAY
    stored = message_from_item(message_to_item(created_at("x", OCTOBER_SECOND_01_10)))
    assert stored.delete_by == int(OCTOBER_SECOND_01_10.timestamp()) + 30 * DAY
    assert evolve(stored).created_date == OCTOBER_SECOND_01_10


def test_the_real_clock_is_stored_as_london_wall_clock_time_with_delete_by_thirty_days_on() -> None:
    """Under any TZ (test_time_zone_independence.py runs this module under several)."""
    before = time.time()
    now = SystemClock().now()
    item = message_to_item(created_at("now", now))
    stored = datetime.fromisoformat(item["createdDate"]["S"])
    london = datetime.fromtimestamp(before, ZoneInfo("Europe/London")).replace(tzinfo=None)
    assert abs((stored - london).total_seconds()) < 5
    assert abs(int(item["deleteBy"]["N"]) - (before + 30 * DAY)) < 5
    assert message_from_item(item).created_date == now
    today = SystemClock().today()
    assert today in {london.date(), datetime.now(ZoneInfo("Europe/London")).date()}
