"""Cut-over on the shared table, on DynamoDB (moto server): items the existing service
wrote are invisible to the cycle and the reports until `TableBackfill` indexes them; then every
pending one is processed by the next cycle and every report lists every item."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from existing_service_items import OldItem, old_items, put_all

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.backfill import BackfillError, BackfillOptions, TableBackfill
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.record_codec import CREATED_SHARD, PENDING_SORT
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_sandbox.emulator import AwsResourceNames

NOW = datetime(2026, 11, 29, 12, 0)


class InjectedCrash(Exception):
    pass


class CrashingClient:
    """The real DynamoDB client, except that the `crash_at`-th UpdateItem raises: the process dies
    half-way through a page, some of its updates made, its checkpoint not yet written."""

    def __init__(self, client: Any, crash_at: int) -> None:
        self._client = client
        self._crash_at = crash_at
        self._updates = 0
        self._lock = threading.Lock()

    def update_item(self, **request: Any) -> Any:
        with self._lock:
            self._updates += 1
            if self._updates == self._crash_at:
                raise InjectedCrash(f"injected crash at update {self._crash_at}")
        return self._client.update_item(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class RecordingProcessor:
    """Settles every record COMPLETED and remembers which it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def process(self, message: Message, work: object) -> Outcome:
        self.seen.append(message.id)
        return done(SynchroniseState.COMPLETED)


@pytest.fixture
def table(resources: ProvisionedResources, names: AwsResourceNames) -> str:
    return names.message_table


@pytest.fixture
def store(aws_clients: AwsClients, table: str) -> DynamoMessageRepository:
    # Small report pages: moto sorts a whole 1 MB page per call, slow on a loaded machine.
    return DynamoMessageRepository(
        aws_clients.dynamodb, table, page_size=100, clock=FixedClock(NOW), report_page_size=100
    )


def scan_all(dynamodb: Any, table: str) -> list[dict]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, PaginationConfig={"PageSize": 100})
    return [item for page in pages for item in page["Items"]]


def ids(items: list[OldItem], pending: bool | None = None) -> set[str]:
    return {old.id for old in items if pending is None or old.pending == pending}


@pytest.mark.slow  # moto's DynamoDB takes about a minute over 1000 items: started first
def test_a_thousand_items_of_the_existing_service_are_processed_and_reported_after_a_crashed_backfill(
    aws_clients: AwsClients, table: str, store: DynamoMessageRepository, tmp_path: Path
) -> None:
    items = old_items(1000, NOW)
    put_all(aws_clients.dynamodb, table, items)
    # Before: the existing service's records are in no index, so nothing sees them.
    assert list(store.unprocessed()) == []
    assert list(store.processed_between(None, None)) == []

    checkpoint = tmp_path / "backfill.json"
    options = BackfillOptions(segments=4, page_size=40, checkpoint=checkpoint)
    with pytest.raises(InjectedCrash):
        TableBackfill(CrashingClient(aws_clients.dynamodb, crash_at=450), table, options).run()
    assert checkpoint.exists()
    half_way = sum(CREATED_SHARD in item for item in scan_all(aws_clients.dynamodb, table))
    assert 0 < half_way < 1000

    counts = TableBackfill(aws_clients.dynamodb, table, options).run()

    assert not checkpoint.exists()  # the job is done
    assert counts.scanned == 1000  # each page counted once over both runs
    assert counts.indexed + counts.already_indexed == 1000
    assert counts.indexed_pending + counts.indexed_processed == counts.indexed
    assert counts.unreadable == counts.changed_meanwhile == 0
    assert counts.statuses["MATCHED"] >= 1
    # Every report lists every item (odd statuses verbatim).
    assert {m.id for m in store.unprocessed()} == ids(items, pending=True)
    assert {m.id for m in store.processed_between(None, None)} == ids(items, pending=False)
    assert {m.id for m in store.created_between(None, None, None)} == ids(items)
    assert {m.status for m in store.unprocessed()} >= {"MATCHED", "matched", "SOMETHING_NEW", ""}

    processor = RecordingProcessor()
    service = SynchronisationService(
        store,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        process=processor.process,
    )
    service.process_due()
    for tier in RetryTier:
        service.retry(tier)

    assert sorted(processor.seen) == sorted(ids(items, pending=True))  # each exactly once
    assert list(store.unprocessed()) == []
    assert {m.id for m in store.processed_between(None, None)} == ids(items)


def test_a_second_run_changes_nothing(aws_clients: AwsClients, table: str, tmp_path: Path) -> None:
    items = old_items(120, NOW)
    put_all(aws_clients.dynamodb, table, items)
    options = BackfillOptions(segments=3, page_size=25, checkpoint=tmp_path / "c.json")
    first = TableBackfill(aws_clients.dynamodb, table, options).run()
    after_first = sorted(scan_all(aws_clients.dynamodb, table), key=lambda item: item["id"]["S"])

    second = TableBackfill(aws_clients.dynamodb, table, options).run()

    assert (first.indexed, first.already_indexed) == (120, 0)
    assert (second.indexed, second.already_indexed, second.scanned) == (0, 120, 120)
    assert sorted(scan_all(aws_clients.dynamodb, table), key=lambda item: item["id"]["S"]) == after_first


def test_a_dry_run_reports_what_it_would_change_and_writes_nothing(
    aws_clients: AwsClients, table: str, tmp_path: Path
) -> None:
    items = old_items(60, NOW)
    put_all(aws_clients.dynamodb, table, items)
    before = scan_all(aws_clients.dynamodb, table)
    checkpoint = tmp_path / "c.json"

    counts = TableBackfill(
        aws_clients.dynamodb, table, BackfillOptions(segments=2, page_size=10, dry_run=True, checkpoint=checkpoint)
    ).run()

    assert (counts.indexed_pending, counts.indexed_processed) == (len(ids(items, True)), len(ids(items, False)))
    assert sorted(scan_all(aws_clients.dynamodb, table), key=str) == sorted(before, key=str)
    assert not checkpoint.exists()


def test_an_item_written_meanwhile_is_never_overwritten(aws_clients: AwsClients, table: str) -> None:
    """The existing service, still running, retries a record between the backfill's read and write."""
    old = old_items(1, NOW, pending_share=1)[0]
    put_all(aws_clients.dynamodb, table, [old])
    dynamodb = aws_clients.dynamodb

    def retried_meanwhile(**_: Any) -> None:  # after each Scan answers, before the backfill writes
        dynamodb.update_item(
            TableName=table, Key={"id": old.item["id"]}, UpdateExpression="SET retryCount = :r",
            ExpressionAttributeValues={":r": {"N": "7"}},
        )

    dynamodb.meta.events.register("after-call.dynamodb.Scan", retried_meanwhile)
    try:
        counts = TableBackfill(dynamodb, table, BackfillOptions(segments=1)).run()
    finally:
        dynamodb.meta.events.unregister("after-call.dynamodb.Scan", retried_meanwhile)

    assert (counts.changed_meanwhile, counts.indexed) == (1, 0)
    stored = dynamodb.get_item(TableName=table, Key={"id": old.item["id"]})["Item"]
    assert stored["retryCount"] == {"N": "7"} and CREATED_SHARD not in stored

    again = TableBackfill(dynamodb, table, BackfillOptions(segments=1)).run()

    assert again.indexed_pending == 1
    stored = dynamodb.get_item(TableName=table, Key={"id": old.item["id"]})["Item"]
    assert stored[PENDING_SORT]["S"].startswith("0007#")  # the retry count as it is now


def test_an_unreadable_item_is_counted_and_left(aws_clients: AwsClients, table: str) -> None:
    items = old_items(10, NOW)
    broken = dict(items[0].item)
    del broken["createdDate"]
    put_all(aws_clients.dynamodb, table, [OldItem(broken, True), *items[1:]])

    counts = TableBackfill(aws_clients.dynamodb, table, BackfillOptions(segments=2)).run()

    assert (counts.unreadable, counts.indexed) == (1, 9)


def test_a_table_without_the_indexes_is_refused_unless_dry_running(aws_clients: AwsClients) -> None:
    name = f"bare-{datetime.now().timestamp()}"
    aws_clients.dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    with pytest.raises(BackfillError, match="pending-index"):
        TableBackfill(aws_clients.dynamodb, name, BackfillOptions()).approximate_item_count()
    assert TableBackfill(aws_clients.dynamodb, name, BackfillOptions(dry_run=True)).approximate_item_count() == 0


def test_a_checkpoint_of_another_job_is_refused(aws_clients: AwsClients, table: str, tmp_path: Path) -> None:
    checkpoint = tmp_path / "c.json"
    checkpoint.write_text('{"table": "other", "segments": 4, "positions": {}, "counts": {}}')
    with pytest.raises(BackfillError, match="other"):
        TableBackfill(aws_clients.dynamodb, table, BackfillOptions(checkpoint=checkpoint)).run()
