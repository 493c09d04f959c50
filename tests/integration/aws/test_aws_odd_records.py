"""On DynamoDB (moto server): a stored record the service cannot fully understand never
stops a cycle or a report. Before, a `status` of MATCHED raised ValueError out of every query that
met it (every cycle failed, /report/in-progress was a 500)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.record_codec import message_to_item
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.reports import ProcessedFilter, in_progress, match_summary, processed
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_runtime.api.reports import to_csv
from ptpu_sandbox.emulator import AwsResourceNames

NOW = datetime(2021, 3, 10, 12, 0)
ISC = "IMPRISONMENT_STATUS-CHANGED"


class CompletingProcessor:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def process(self, message: Message, work: object) -> Outcome:
        self.seen.append(message.id)
        return done(SynchroniseState.COMPLETED)


def an_item(booking_id: int, state: str, processed_date: datetime | None = None, **raw: Any) -> dict:
    """A due record as stored (with index helpers), its status and any attribute set raw."""
    created = NOW - timedelta(hours=2)
    message = Message(
        id=str(uuid.uuid4()), booking_id=booking_id, event_type=ISC, message=f'{{"bookingId":{booking_id}}}',
        created_date=created, delete_by=initial_delete_by(created), processed_date=processed_date,
        status=SynchroniseState.VALIDATED, location_id="MDI",
    )
    item = message_to_item(message) | {"status": {"S": state}} | raw
    return {name: value for name, value in item.items() if value is not None}


@pytest.fixture
def metrics() -> RecordingMetrics:
    return RecordingMetrics()


@pytest.fixture
def store(
    aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames, metrics: RecordingMetrics
) -> DynamoMessageRepository:
    return DynamoMessageRepository(aws_clients.dynamodb, names.message_table, clock=FixedClock(NOW), metrics=metrics)


def put(aws_clients: AwsClients, names: AwsResourceNames, *items: dict) -> None:
    for item in items:
        aws_clients.dynamodb.put_item(TableName=names.message_table, Item=item)


def test_a_matched_record_beside_another_bookings_record_both_processed_and_reported(
    store: DynamoMessageRepository, aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    matched, other = an_item(1200835, "MATCHED"), an_item(1200836, "VALIDATED")
    matched_done = an_item(1200837, "MATCHED", processed_date=NOW - timedelta(hours=1))
    put(aws_clients, names, matched, other, matched_done)

    waiting = to_csv(in_progress(store))
    assert waiting.count('"MATCHED"') == 1 and waiting.count('"VALIDATED"') == 1
    assert to_csv(processed(store, ProcessedFilter()), with_processed=True).count('"MATCHED"') == 1
    assert match_summary(store, FixedClock(NOW), None, None, None)["waiting"]["total"] == 2

    processor = CompletingProcessor()
    SynchronisationService(
        store,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        process=processor.process,
    ).process_due()

    assert sorted(processor.seen) == sorted([matched["id"]["S"], other["id"]["S"]])
    assert list(store.unprocessed()) == []


@pytest.mark.parametrize(
    "damage",
    [
        {"createdDate": {"S": "not a date"}},
        {"bookingId": {"S": "1200835"}},
        {"retryCount": {"S": "three"}},
        {"processedDate": {"N": "1"}},
        {"status": {"N": "4"}},
    ],
)
def test_an_unreadable_record_is_skipped_logged_and_counted_and_the_rest_carry_on(
    store: DynamoMessageRepository,
    aws_clients: AwsClients,
    names: AwsResourceNames,
    metrics: RecordingMetrics,
    caplog: pytest.LogCaptureFixture,
    damage: dict,
) -> None:
    broken, fine = an_item(1200835, "VALIDATED", **damage), an_item(1200836, "VALIDATED")
    put(aws_clients, names, broken, fine)

    processor = CompletingProcessor()
    with caplog.at_level(logging.WARNING, logger="ptpu.message_store"):
        summary = SynchronisationService(
        store,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(),
        process=processor.process,
    ).process_due()
        reported = [m.id for m in in_progress(store)]

    assert processor.seen == [fine["id"]["S"]]
    assert summary.processed == 1
    assert reported == []  # the fine one is processed; the broken one is left out, not a failure
    assert broken["id"]["S"] in caplog.text
    assert metrics.count("unreadableRecord", "item") >= 1
    assert store.get(broken["id"]["S"]) is None  # unreadable by id too, never an exception
