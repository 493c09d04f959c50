"""The table's TTL attribute after processing, written through DynamoMessageRepository (moto server).

As the existing service (ministryofjustice/prison-to-probation-update, entity/Message.kt): `markAsProcessed`
sets deleteBy = now + MAX_REPORTING_PERIOD_DAYS (30) from either run; MessageAggregator's try-later is
`retry(status)` (deleteBy unchanged); only MessageRetryService passes a retryUntil date.
"""

from datetime import UTC, datetime, timedelta

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.outcomes import Outcome, done, try_later
from ptpu_core.rules.retry_policy import RetryTier, epoch_seconds
from ptpu_core.settings import DomainSettings
from ptpu_core.testing import FixedClock, RecordingMetrics, RecordingTelemetry, fake_ports
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_sandbox.emulator import AwsResourceNames

NOW = datetime(2021, 3, 10, 12, 0, tzinfo=UTC)
ISC = "IMPRISONMENT_STATUS-CHANGED"


class Answers:
    """A processor answering every record with one outcome."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def process(self, message: Message, work: object) -> Outcome:
        return self.outcome


def _record(created: datetime, retries: int) -> Message:
    return Message(
        id=f"lifetime-{retries}",
        booking_id=1200835,
        event_type=ISC,
        message='{"bookingId":1200835}',
        created_date=created,
        delete_by=epoch_seconds(created + timedelta(days=30)),
        retry_count=retries,
        reportable=True,
        offender_no="A5089DY",
        booking_no="38339A",
        location_id="MDI",
        status=SynchroniseState.LOCATION_NOT_UPDATED,
    )


@pytest.fixture
def store(aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames) -> DynamoMessageRepository:
    return DynamoMessageRepository(aws_clients.dynamodb, names.message_table, clock=FixedClock(NOW))


def _service(store: DynamoMessageRepository, outcome: Outcome) -> SynchronisationService:
    return SynchronisationService(
        store,
        fake_ports(FixedClock(NOW), RecordingMetrics(), RecordingTelemetry()),
        DomainSettings(hold_back=timedelta(minutes=60)),
        process=Answers(outcome).process,
    )


def _stored_delete_by(aws_clients: AwsClients, names: AwsResourceNames, message_id: str) -> int:
    item = aws_clients.dynamodb.get_item(TableName=names.message_table, Key={"id": {"S": message_id}})["Item"]
    return int(item["deleteBy"]["N"])


def test_a_record_done_on_a_late_retry_stays_thirty_days_in_the_table_and_the_processed_report(
    store: DynamoMessageRepository, aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    late = _record(NOW - timedelta(days=29, hours=12), retries=14)  # 12 hours of life left
    store.add(late)

    summary = _service(store, done(SynchroniseState.COMPLETED, "X123456")).retry(RetryTier.LONG)

    assert summary.done == 1
    assert _stored_delete_by(aws_clients, names, late.id) == epoch_seconds(NOW + timedelta(days=30))
    assert [m.id for m in store.processed_between(NOW - timedelta(minutes=1), None)] == [late.id]


def test_a_first_try_later_with_a_retry_until_date_leaves_the_stored_delete_by(
    store: DynamoMessageRepository, aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    due = _record(NOW - timedelta(hours=2), retries=0)
    store.add(due)
    sentence_expiry = NOW.date() + timedelta(days=58)

    _service(store, try_later(SynchroniseState.LOCATION_NOT_UPDATED, sentence_expiry)).process_due()

    saved = store.get(due.id)
    assert saved is not None
    assert saved.retry_count == 1
    assert _stored_delete_by(aws_clients, names, due.id) == due.delete_by
