"""Every event is applied once, however often it arrives.

Real moto SQS and DynamoDB (the store behind an answer-losing proxy), the real listener, receiver,
store and synchronisation; prison-api, offender search and community-api are the in-memory fakes,
so every Delius write is counted. One IMPRISONMENT_STATUS-CHANGED event is delivered again: 1 s
later, a minute after it was processed, by a DLQ re-drive, and once with its PutItem answer lost.
Each time: one record, one set of Delius writes, the reports count one, the copy is acknowledged.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from attrs import define

from ptpu_adapters.aws.clients import LOCALSTACK, AwsClients, AwsEndpoints, make_clients
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin
from ptpu_core.errors import StoreFailure
from ptpu_core.models.prison import Booking, SentenceDetail, SentenceTerm
from ptpu_core.models.probation import Conviction, Custody, OffenderMatch, OffenderMatches, Sentence
from ptpu_core.models.record import SynchroniseState
from ptpu_core.settings import DomainSettings
from ptpu_core.telemetry_names import IMPRISONMENT_STATUS_UPDATED, OFFENDER_MATCH
from ptpu_core.testing import (
    FakeCommunityApi,
    FakeOffenderSearch,
    FakePrisonApi,
    FixedClock,
    RecordingMetrics,
    RecordingTelemetry,
)
from ptpu_core.use_cases import reports
from ptpu_core.use_cases.receive import EventReceiver, Reception
from ptpu_core.use_cases.synchronise import SynchronisationService
from ptpu_core.work.unit_of_work import Ports
from ptpu_sandbox.emulator import AwsResourceNames, MotoEmulator, moto_emulator_session, provision
from ptpu_sandbox.simulators.faults import FaultRule
from reliability.fault_proxy import AnswerLosingProxy

STATUS_CHANGE = "IMPRISONMENT_STATUS-CHANGED"
BOOKING_ID = 1200835
NOMS, BOOK_NO, CRN = "A5089DY", "38339A", "X142620"
START = date(2020, 2, 11)
NOW = datetime(2021, 3, 10, 12, 0, 0)
DELIUS_WRITES = ["update_booking_number", "update_custody", "replace_key_dates"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[MotoEmulator]:
    yield from moto_emulator_session()


@define
class World:
    clients: AwsClients
    queue_url: str
    dlq_url: str
    proxy: AnswerLosingProxy
    clock: FixedClock
    repository: DynamoMessageRepository
    community: FakeCommunityApi
    metrics: RecordingMetrics
    telemetry: RecordingTelemetry
    receptions: list[Reception]
    listener: SqsListener
    synchronisation: SynchronisationService

    def deliver(self, body: str, queue_url: str | None = None) -> None:
        self.clients.sqs.send_message(QueueUrl=queue_url or self.queue_url, MessageBody=body)

    def drain(self) -> None:
        """Poll until two polls in a row bring nothing (a failed message returns after 1 s)."""
        empty = 0
        while empty < 2:
            empty = 0 if self.listener.poll_once() else empty + 1

    def process_due(self) -> None:
        self.clock.advance(timedelta(minutes=16))  # past the 15-minute hold-back
        self.synchronisation.process_due()

    def records(self) -> list:
        return list(self.repository.created_between(None, None, None))

    def delius_writes(self) -> list[str]:
        return [name for name in self.community.call_names() if name != "get_convictions"]

    def duplicates(self) -> int:
        return self.metrics.count("duplicateMessage", STATUS_CHANGE)

    def queue_depths(self) -> tuple[int, int]:
        admin = SqsQueueAdmin(self.clients.sqs, self.queue_url, self.dlq_url)
        main, dlq = admin.queue_name(), admin.dlq_name() or ""
        return (
            admin.message_count(main) + admin.messages_in_flight(main),
            admin.message_count(dlq) + admin.messages_in_flight(dlq),
        )


@pytest.fixture
def world(emulator: MotoEmulator) -> Iterator[World]:
    suffix = uuid.uuid4().hex[:10]
    names = AwsResourceNames(f"q-{suffix}", f"dlq-{suffix}", f"t-{suffix}", f"m-{suffix}", f"s-{suffix}")
    clients = emulator.clients()
    resources = provision(clients, names, queue_visibility_timeout=1)
    proxy = AnswerLosingProxy(emulator.endpoint_url).start()
    store_client = make_clients(
        LOCALSTACK, emulator.region, emulator.endpoint_url, endpoints=AwsEndpoints(dynamodb=proxy.url)
    )
    clock = FixedClock(NOW)
    repository = DynamoMessageRepository(store_client.dynamodb, names.message_table, clock=clock)
    prison, search, community = FakePrisonApi(), FakeOffenderSearch(), FakeCommunityApi()
    prison.bookings[BOOKING_ID] = Booking(
        booking_id=BOOKING_ID, booking_no=BOOK_NO, active_flag=True, offender_no=NOMS, first_name="JOHN",
        last_name="SMITH", date_of_birth=date(1965, 7, 19), agency_id="MDI",
    )
    prison.sentence_details[BOOKING_ID] = SentenceDetail(START, sentence_expiry_date=date(2030, 1, 1))
    prison.sentence_terms[BOOKING_ID] = [SentenceTerm(start_date=START, sentence_sequence=1)]
    conviction = Conviction(1, True, Sentence(START), Custody(booking_number=BOOK_NO))
    community.add_offender(CRN, NOMS, conviction)
    search.results[NOMS] = OffenderMatches((OffenderMatch(CRN),), "HMPPS_KEY")
    telemetry, metrics, settings = RecordingTelemetry(), RecordingMetrics(), DomainSettings()
    receiver = EventReceiver(prison, repository, clock, settings, metrics=metrics)
    receptions: list[Reception] = []

    def handle(event_type: str, message: str, sns_message_id: str | None) -> None:
        receptions.append(receiver.receive(event_type, message, sns_message_id))

    ports = Ports(prison, community, search, telemetry, metrics, clock)
    world = World(
        clients,
        resources.queue_url,
        resources.dlq_url,
        proxy,
        clock,
        repository,
        community,
        metrics,
        telemetry,
        receptions,
        SqsListener(clients.sqs, resources.queue_url, handle, ListenerSettings(wait_seconds=1)),
        SynchronisationService(repository, ports, settings),
    )
    try:
        yield world
    finally:
        proxy.stop()


def envelope(sns_message_id: str) -> str:
    inner = {"eventType": STATUS_CHANGE, "bookingId": BOOKING_ID, "imprisonmentStatusSeq": 0}
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": sns_message_id,
            "Message": json.dumps(inner),
            "MessageAttributes": {"eventType": {"Type": "String", "Value": STATUS_CHANGE}},
        }
    )


def assert_applied_once(world: World) -> None:
    [record] = world.records()
    assert record.status is SynchroniseState.COMPLETED
    assert world.delius_writes() == DELIUS_WRITES
    processed = list(reports.processed(world.repository, reports.ProcessedFilter()))
    assert [m.id for m in processed] == [record.id]
    summary = reports.match_summary(world.repository, world.clock, None, None, None)
    assert (summary["total"], summary["completed"]["total"], summary["completed"]["success"]) == (1, 1, 1)
    assert world.queue_depths() == (0, 0)  # every copy acknowledged, none dead-lettered


def test_a_copy_one_second_later_is_acknowledged_not_stored(world: World) -> None:
    body = envelope(str(uuid.uuid4()))
    world.deliver(body)
    world.drain()
    time.sleep(1)
    world.deliver(body)
    world.drain()
    world.process_due()

    assert world.receptions == [Reception.STORED, Reception.DUPLICATE]
    assert world.duplicates() == 1
    assert_applied_once(world)


def test_a_copy_a_minute_after_processing_is_not_applied_again(world: World) -> None:
    body = envelope(str(uuid.uuid4()))
    world.deliver(body)
    world.drain()
    world.process_due()
    world.clock.advance(timedelta(minutes=1))
    world.deliver(body)
    world.drain()
    world.process_due()

    assert world.receptions == [Reception.STORED, Reception.DUPLICATE]
    assert world.duplicates() == 1
    assert_applied_once(world)


def test_a_dlq_redrive_of_a_stored_event_is_not_applied_again(world: World) -> None:
    body = envelope(str(uuid.uuid4()))
    world.deliver(body)
    world.drain()
    world.process_due()
    world.deliver(body, queue_url=world.dlq_url)  # as if an earlier copy had failed its way there
    moved = SqsQueueAdmin(world.clients.sqs, world.queue_url, world.dlq_url).transfer_dlq_to_queue()
    world.drain()
    world.process_due()

    assert moved == 1
    assert world.receptions == [Reception.STORED, Reception.DUPLICATE]
    assert_applied_once(world)


def test_a_put_item_whose_answer_is_lost_stores_one_record(world: World) -> None:
    world.proxy.faults.set(FaultRule(status=None, paths="DynamoDB_20120810.PutItem", times=1))
    world.deliver(envelope(str(uuid.uuid4())))
    world.drain()
    world.process_due()

    assert world.proxy.lost == ["DynamoDB_20120810.PutItem"]  # the first PutItem landed, unanswered
    # botocore retried it: the retry found the record already there, so the event is acknowledged.
    assert world.receptions == [Reception.DUPLICATE]
    assert_applied_once(world)


def test_events_with_different_message_ids_are_each_stored(world: World) -> None:
    world.deliver(envelope(str(uuid.uuid4())))
    world.deliver(envelope(str(uuid.uuid4())))
    world.drain()

    assert sorted(r.value for r in world.receptions) == ["STORED", "STORED"]
    assert len(world.records()) == 2
    assert world.duplicates() == 0


def test_a_failed_save_of_the_outcome_repeats_no_delius_write_event_or_count(world: World) -> None:
    """Processed, then every try of the outcome's PutItem fails: the next cycle finds the record
    unprocessed, its journal (appliedSteps on the item) says what landed and what was reported."""
    world.deliver(envelope(str(uuid.uuid4())))
    world.drain()
    world.proxy.faults.set(FaultRule(status=500, paths="DynamoDB_20120810.PutItem"))
    with pytest.raises(StoreFailure):
        world.process_due()
    assert len(world.proxy.failed) == 5  # botocore's first try and its four retries
    world.proxy.faults.clear()
    world.synchronisation.process_due()

    assert_applied_once(world)
    assert world.telemetry.names().count(IMPRISONMENT_STATUS_UPDATED) == 1
    assert world.telemetry.names().count(OFFENDER_MATCH) == 1
    assert world.metrics.count("statusChange", "success") == 1
