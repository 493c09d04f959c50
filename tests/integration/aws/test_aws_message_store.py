"""DynamoMessageRepository against DynamoDB (moto server): round trips, every query, and read cost."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import boto3
import pytest
from botocore.config import Config

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.aws.errors import BATCH_GET_ROUNDS
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.record_codec import message_to_item
from ptpu_adapters.dynamodb.testing import counted_reads
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.errors import StoreFailure
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.rules.retry_policy import epoch_seconds
from ptpu_core.testing import FixedClock
from ptpu_sandbox.emulator import AwsResourceNames, MotoEmulator
from ptpu_sandbox.ports import free_port

T0 = datetime(2021, 3, 4, 10, 0, 0)
ISC = "IMPRISONMENT_STATUS-CHANGED"
SDC = "SENTENCE_DATES-CHANGED"


def record(
    booking_id: int = 1200835,
    created: datetime = T0,
    retries: int = 0,
    processed: datetime | None = None,
    event_type: str = ISC,
) -> Message:
    return Message(
        id=str(uuid.uuid4()),
        booking_id=booking_id,
        event_type=event_type,
        message=f'{{"eventType":"{event_type}","bookingId":{booking_id}}}',
        created_date=created,
        delete_by=int((created + timedelta(days=30)).timestamp()),
        retry_count=retries,
        processed_date=processed,
        reportable=True,
        offender_no="A5089DY",
        booking_no="38339A",
        location_id="MDI",
        location_description="HMP Moorland",
        recall=False,
        legal_status="SENTENCED",
        status=SynchroniseState.VALIDATED if processed is None else SynchroniseState.COMPLETED,
    )


@pytest.fixture
def store(aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames) -> DynamoMessageRepository:
    return DynamoMessageRepository(
        aws_clients.dynamodb, names.message_table, page_size=25, clock=FixedClock(T0), report_page_size=25
    )


def ids(messages) -> set[str]:
    return {m.id for m in messages}


def test_add_get_update_delete_round_trip(store: DynamoMessageRepository) -> None:
    message = record(created=datetime(2021, 3, 4, 10, 11, 12, 123456))
    store.add(message)
    assert store.get(message.id) == message

    message.retry_count = 1
    message.status = SynchroniseState.NO_MATCH
    message.matching_crns = "X123456,X654321"
    store.update(message)
    assert store.get(message.id) == message

    message.processed_date = datetime(2021, 3, 5, 9, 0)
    message.status = SynchroniseState.COMPLETED
    store.update(message)
    assert store.get(message.id) == message
    assert list(store.unprocessed()) == []

    store.delete(message)
    assert store.get(message.id) is None


def test_adding_an_existing_id_is_refused(store: DynamoMessageRepository) -> None:
    """The conditional put answers False (a copy already stored) and leaves the item."""
    message = record()
    assert store.add(message) is True
    processed = attrs.evolve(message, processed_date=T0, status=SynchroniseState.COMPLETED)
    store.update(processed)
    assert store.add(message) is False
    assert store.get(message.id) == processed


def test_other_store_failures_on_add_still_raise(aws_clients: AwsClients) -> None:
    missing_table = DynamoMessageRepository(aws_clients.dynamodb, "no-such-table", clock=FixedClock(T0))
    with pytest.raises(StoreFailure, match="ResourceNotFound"):
        missing_table.add(record())


def test_item_written_by_the_existing_service_is_readable(
    store: DynamoMessageRepository, aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    """An item with only the SPEC §5 attributes (no index helpers, Kotlin's date form) still reads."""
    aws_clients.dynamodb.put_item(
        TableName=names.message_table,
        Item={
            "id": {"S": "legacy-1"},
            "bookingId": {"N": "1200835"},
            "eventType": {"S": ISC},
            "message": {"S": '{"bookingId":1200835}'},
            "retryCount": {"N": "2"},
            "createdDate": {"S": "2021-03-04T10:11:12.12"},
            "deleteBy": {"N": "1617444672"},
            "reportable": {"BOOL": True},
            "status": {"S": "NO_MATCH"},
        },
    )
    legacy = store.get("legacy-1")
    assert legacy is not None
    assert (legacy.created_date, legacy.retry_count, legacy.status) == (
        datetime(2021, 3, 4, 10, 11, 12, 120000, tzinfo=UTC),  # London wall-clock time; GMT in March
        2,
        SynchroniseState.NO_MATCH,
    )
    assert legacy.offender_no is None and legacy.processed_date is None


def test_spec_attribute_names_are_written(store: DynamoMessageRepository, aws_clients: AwsClients, names) -> None:
    message = record(processed=T0 + timedelta(hours=2))
    store.add(message)
    item = aws_clients.dynamodb.get_item(TableName=names.message_table, Key={"id": {"S": message.id}})["Item"]
    assert item["bookingId"] == {"N": "1200835"}
    assert item["createdDate"] == {"S": "2021-03-04T10:00:00.000000"}
    assert item["processedDate"] == {"S": "2021-03-04T12:00:00.000000"}
    assert item["recall"] == {"BOOL": False}
    assert "pendingShard" not in item  # processed: out of the pending index


def test_unprocessed_created_before_returns_only_initial_records_older_than_the_cut_off(
    store: DynamoMessageRepository,
) -> None:
    due = [record(created=T0 - timedelta(minutes=m)) for m in (16, 60, 60 * 24 * 3)]
    held_back = record(created=T0 - timedelta(minutes=5))
    at_cut_off = record(created=T0 - timedelta(minutes=15))
    retried = record(created=T0 - timedelta(hours=2), retries=1)
    done = record(created=T0 - timedelta(hours=2), processed=T0)
    for message in [*due, held_back, at_cut_off, retried, done]:
        store.add(message)
    assert ids(store.unprocessed_created_before(T0 - timedelta(minutes=15))) == ids(due)


def test_unprocessed_for_booking_gives_every_open_record_of_that_booking(store: DynamoMessageRepository) -> None:
    mine = [record(booking_id=7, created=T0 + timedelta(minutes=m), retries=m) for m in (3, 0, 12)]
    processed_mine = record(booking_id=7, processed=T0)
    others = record(booking_id=8)
    for message in [*mine, processed_mine, others]:
        store.add(message)
    found = store.unprocessed_for_booking(7)
    assert [m.id for m in found] == [m.id for m in sorted(mine, key=lambda m: m.created_date)]
    assert store.unprocessed_for_booking(9) == []


def test_unprocessed_with_retries_selects_a_tier(store: DynamoMessageRepository) -> None:
    by_retries = {n: record(retries=n, created=T0 - timedelta(hours=n)) for n in (0, 1, 4, 5, 10, 11, 57)}
    for message in by_retries.values():
        store.add(message)
    assert ids(store.unprocessed_with_retries(1, 4)) == {by_retries[1].id, by_retries[4].id}
    assert ids(store.unprocessed_with_retries(5, 10)) == {by_retries[5].id, by_retries[10].id}
    assert ids(store.unprocessed_with_retries(11, None)) == {by_retries[11].id, by_retries[57].id}


def test_expired_records_are_out_of_the_pending_queries_before_the_ttl_deletes_them(
    store: DynamoMessageRepository,
) -> None:
    """DynamoDB's TTL deletion lags up to 48 hours; a record past deleteBy is not retried."""
    now = epoch_seconds(T0)
    expired = [
        attrs.evolve(record(booking_id=7, created=T0 - timedelta(days=40), retries=n), delete_by=now - 60 * n)
        for n in (0, 1, 11)
    ]
    expiring_now = attrs.evolve(record(booking_id=7, created=T0 - timedelta(days=31), retries=11), delete_by=now)
    alive = [
        attrs.evolve(record(booking_id=7, created=T0 - timedelta(days=29), retries=n), delete_by=now + 1)
        for n in (0, 1, 11)
    ]
    for message in [*expired, expiring_now, *alive]:
        store.add(message)

    assert ids(store.unprocessed_created_before(T0)) == {alive[0].id}
    assert ids(store.unprocessed_with_retries(1, 4)) == {alive[1].id}
    assert ids(store.unprocessed_with_retries(11, None)) == {alive[2].id}
    assert ids(store.unprocessed_for_booking(7)) == ids(alive)


def test_processing_a_record_takes_it_out_of_the_pending_queries(store: DynamoMessageRepository) -> None:
    message = record(created=T0 - timedelta(hours=1))
    store.add(message)
    message.processed_date = T0
    store.update(message)
    assert list(store.unprocessed_created_before(T0)) == []
    assert store.unprocessed_for_booking(message.booking_id) == []
    assert ids(store.processed_between(None, None)) == {message.id}


def test_unprocessed_streams_every_open_record_across_pages(
    store: DynamoMessageRepository, aws_clients: AwsClients
) -> None:
    open_records = [record(booking_id=n, retries=n % 3) for n in range(60)]  # page size 25: three pages
    for message in [*open_records, record(processed=T0)]:
        store.add(message)
    with counted_reads(aws_clients.dynamodb) as stats:
        assert ids(store.unprocessed()) == ids(open_records)
    assert stats.queries >= 3


def test_report_queries_page_through_every_record_in_index_order(
    store: DynamoMessageRepository, aws_clients: AwsClients
) -> None:
    """Report page size 25, 60 records: three pages each, nothing lost or repeated at a page edge."""
    messages = [
        record(booking_id=n, created=T0 + timedelta(minutes=n), processed=T0 + timedelta(days=1, minutes=60 - n))
        for n in range(60)
    ]
    for message in messages:
        store.add(message)

    with counted_reads(aws_clients.dynamodb) as stats:
        processed_oldest_created_first = list(store.processed_between(None, None))  # processed in reverse order
    assert [m.id for m in processed_oldest_created_first] == [m.id for m in messages]
    assert stats.queries >= 3

    with counted_reads(aws_clients.dynamodb) as stats:
        by_created = list(store.created_between(None, None, None))
    assert [m.id for m in by_created] == [m.id for m in messages]
    assert stats.queries >= 3


def test_processing_cycle_queries_keep_their_own_page_size(
    aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames
) -> None:
    """Large report pages must not change the cycle's: it pages due records `page_size` at a time."""
    store = DynamoMessageRepository(aws_clients.dynamodb, names.message_table, page_size=10, clock=FixedClock(T0))
    due = [record(booking_id=n, created=T0 - timedelta(hours=1, minutes=n)) for n in range(30)]
    _batch_write(aws_clients, names.message_table, due)
    with counted_reads(aws_clients.dynamodb) as stats:
        found = list(store.unprocessed_created_before(T0))
    assert ids(found) == ids(due)
    assert stats.queries >= 3
    assert stats.scanned == len(due)


def test_report_queries_without_a_limit_page_at_one_megabyte_and_return_everything_in_order(
    aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames
) -> None:
    """By default the report queries send no Limit: DynamoDB's 1 MB page cap is what splits them."""
    store = DynamoMessageRepository(aws_clients.dynamodb, names.message_table, clock=FixedClock(T0))
    padding = "x" * 100_000  # 25 records of ~100 KB: about 2.5 MB, so at least three pages
    messages = [
        attrs.evolve(
            record(booking_id=n, created=T0 + timedelta(minutes=n), processed=T0 + timedelta(days=1)),
            message=f'{{"bookingId":{n},"pad":"{padding}"}}',
        )
        for n in range(25)
    ]
    _batch_write(aws_clients, names.message_table, messages)

    with counted_reads(aws_clients.dynamodb) as stats:
        found = list(store.created_between(None, None, None))
    assert [m.id for m in found] == [m.id for m in messages]
    assert stats.queries >= 3
    assert len(list(store.processed_between(None, None))) == len(messages)


def test_processed_between_honours_each_bound(store: DynamoMessageRepository) -> None:
    early, middle, late = (record(processed=T0 + timedelta(days=d)) for d in (1, 2, 3))
    for message in (early, middle, late, record()):
        store.add(message)
    day = timedelta(days=1)
    assert ids(store.processed_between(T0 + 1.5 * day, T0 + 2.5 * day)) == {middle.id}
    assert ids(store.processed_between(T0 + 1.5 * day, None)) == {middle.id, late.id}
    assert ids(store.processed_between(None, T0 + 2 * day)) == {early.id}  # exclusive, as isBefore
    assert ids(store.processed_between(None, T0 + 2 * day + timedelta(microseconds=1))) == {early.id, middle.id}
    assert ids(store.processed_between(T0 + day, None)) == {middle.id, late.id}
    # Created after the processed range ends: nothing, not a refused query.
    assert ids(store.processed_between(None, T0 + day, created_start=T0 + 2 * day)) == set()
    assert ids(store.processed_between(None, None)) == {early.id, middle.id, late.id}


def test_created_between_covers_processed_and_open_records_and_filters_by_type(store: DynamoMessageRepository) -> None:
    before = record(created=T0 - timedelta(days=1))
    open_status = record(created=T0 + timedelta(hours=1))
    processed_dates = record(created=T0 + timedelta(hours=2), processed=T0 + timedelta(days=1), event_type=SDC)
    after = record(created=T0 + timedelta(days=2))
    for message in (before, open_status, processed_dates, after):
        store.add(message)
    window = (T0, T0 + timedelta(days=1))
    assert ids(store.created_between(*window, None)) == {open_status.id, processed_dates.id}
    assert ids(store.created_between(*window, SDC)) == {processed_dates.id}
    assert ids(store.created_between(None, None, ISC)) == {before.id, open_status.id, after.id}


def test_a_processing_cycle_reads_grow_with_due_records_not_table_size(
    store: DynamoMessageRepository, aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    processed_count, due_count, records_per_booking = 5_000, 50, 2
    history = [
        record(booking_id=n % 700, created=T0 - timedelta(days=20), processed=T0 - timedelta(days=19))
        for n in range(processed_count)
    ]
    due = [
        record(booking_id=900_000 + n // records_per_booking, created=T0 - timedelta(hours=1, minutes=n))
        for n in range(due_count)
    ]
    not_yet_due = [record(booking_id=800_000 + n, created=T0) for n in range(20)]
    _batch_write(aws_clients, names.message_table, [*history, *due, *not_yet_due])

    with counted_reads(aws_clients.dynamodb) as stats:
        found = list(store.unprocessed_created_before(T0 - timedelta(minutes=15)))
        for booking_id in sorted({m.booking_id for m in found}):
            store.unprocessed_for_booking(booking_id)

    print(
        f"\nprocessing cycle over {processed_count} processed + {due_count} due records: "
        f"{stats.queries} queries, {stats.scanned} items scanned by queries, {stats.returned} returned, "
        f"{stats.items_got} items read by key"
    )
    assert ids(found) == ids(due)
    assert stats.scanned <= 3 * due_count
    assert stats.items_got == due_count


def test_store_failures_are_translated(aws_emulator: MotoEmulator, names: AwsResourceNames) -> None:
    missing_table = DynamoMessageRepository(aws_emulator.clients().dynamodb, "no-such-table")
    with pytest.raises(StoreFailure, match="ResourceNotFound"):
        missing_table.get("x")
    with pytest.raises(StoreFailure):
        list(missing_table.unprocessed())

    unreachable = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t").client(
        "dynamodb",
        region_name="eu-west-2",
        endpoint_url=f"http://127.0.0.1:{free_port()}",  # a free port: nothing listens
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
    )
    with pytest.raises(StoreFailure):
        DynamoMessageRepository(unreachable, names.message_table).add(record())


def _batch_write(aws_clients: AwsClients, table: str, messages: list[Message]) -> None:
    for start in range(0, len(messages), 25):
        requests = [{"PutRequest": {"Item": message_to_item(m)}} for m in messages[start : start + 25]]
        pending = {table: requests}
        while pending:
            pending = aws_clients.dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def test_october_repeated_hour_records_are_found_as_due_and_read_back_at_their_true_instants(
    store: DynamoMessageRepository, aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    """The pending index is ordered by London wall-clock text. At 01:15 GMT on the
    October change, a record from 01:50 BST (35 minutes earlier) sorts after "01:15" yet is due."""
    first_pass = record(booking_id=1, created=datetime(2026, 10, 25, 0, 50, tzinfo=UTC))  # 01:50 BST
    second_pass = record(booking_id=2, created=datetime(2026, 10, 25, 1, 10, tzinfo=UTC))  # 01:10 GMT
    not_yet = record(booking_id=3, created=datetime(2026, 10, 25, 1, 20, tzinfo=UTC))  # 01:20 GMT
    for message in (first_pass, second_pass, not_yet):
        store.add(message)

    due = {m.id: m for m in store.unprocessed_created_before(datetime(2026, 10, 25, 1, 15, tzinfo=UTC))}

    assert {first_pass.id, second_pass.id} <= set(due)  # the core drops any later one (here `not_yet`)
    assert due[first_pass.id].created_date == first_pass.created_date
    assert due[second_pass.id].created_date == second_pass.created_date > first_pass.created_date
    texts = {
        m.id: aws_clients.dynamodb.get_item(TableName=names.message_table, Key={"id": {"S": m.id}})["Item"][
            "createdDate"
        ]["S"]
        for m in (first_pass, second_pass)
    }
    assert texts == {first_pass.id: "2026-10-25T01:50:00.000000", second_pass.id: "2026-10-25T01:10:00.000000"}


def test_reports_list_records_oldest_first_by_london_wall_clock_time(store: DynamoMessageRepository) -> None:
    """As the existing service's CSV reports: sorted by createdDate, a London LocalDateTime."""
    messages = [record(booking_id=n, created=T0 - timedelta(hours=n)) for n in range(5)]
    for message in reversed(messages):
        store.add(message)
    newest_first_retried = attrs.evolve(messages[0], retry_count=7)
    store.update(newest_first_retried)
    assert [m.id for m in store.unprocessed()] == [m.id for m in reversed(messages)]
    assert [m.id for m in store.unprocessed(created_before=T0 - timedelta(hours=2))] == [
        messages[4].id, messages[3].id
    ]


class NeverProcessesKeys:
    """The real client, except that every BatchGetItem hands all its keys back as UnprocessedKeys (as DynamoDB
    does under lasting throttling)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.batch_gets = 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> Any:  # noqa: N803 - boto3's name
        self.batch_gets += 1
        return {"Responses": {}, "UnprocessedKeys": RequestItems}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_keys_never_processed_end_in_a_store_failure_not_a_loop(
    aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames
) -> None:
    DynamoMessageRepository(aws_clients.dynamodb, names.message_table).add(record(booking_id=77))
    throttled = NeverProcessesKeys(aws_clients.dynamodb)

    with pytest.raises(StoreFailure, match="1 keys still unprocessed after 8 reads"):
        DynamoMessageRepository(throttled, names.message_table, clock=FixedClock(T0)).unprocessed_for_booking(77)
    assert throttled.batch_gets == BATCH_GET_ROUNDS
