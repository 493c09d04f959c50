"""HMPPS domain events published to a real SNS topic (the moto server) reach its subscribers.

A queue is subscribed as the estate's consumers subscribe (custody-key-dates-and-delius: no raw delivery,
a filter policy on the eventType message attribute), so each SQS body is an SNS Notification envelope.
The events are checked against the JSON schemas of ptpu's AsyncAPI document.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.sns.domain_event_topic import SnsDomainEventPublisher
from ptpu_core.errors import SystemFailure
from ptpu_core.work.domain_events import (
    PRISON_IDENTIFIER_ADDED,
    PRISON_IDENTIFIER_UPDATED,
    prison_identifier_added,
    prison_identifier_updated,
)
from ptpu_runtime.api.app import asyncapi_document

MOMENT = datetime(2021, 7, 1, 11, 0, 5, tzinfo=UTC)
ADDED = prison_identifier_added("X100001", "A5089DY", "38339A", MOMENT)
UPDATED = prison_identifier_updated("X200007", "A5096DY", "A9996DY", "38346A", MOMENT)


def schema_of(event_type: str) -> Draft7Validator:
    """The payload schema of the AsyncAPI message named `event_type`, its $refs resolved in the document."""
    components = yaml.safe_load(asyncapi_document())["components"]
    message = next(m for m in components["messages"].values() if m["name"] == event_type)
    return Draft7Validator({"$ref": message["payload"]["$ref"], "components": components})


def subscribed_queue(aws: AwsClients, topic_arn: str, event_types: list[str] | None = None) -> str:
    url = aws.sqs.create_queue(QueueName=f"watch-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"FilterPolicy": json.dumps({"eventType": event_types})} if event_types else {}
    aws.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return url


def receive_all(aws: AwsClients, queue_url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        batch = aws.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not batch:
            return bodies
        for message in batch:
            bodies.append(json.loads(message["Body"]))
            aws.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def crn_and_noms(crn: str, noms: str) -> list[dict[str, str]]:
    return [{"type": "CRN", "value": crn}, {"type": "NOMS", "value": noms}]


@pytest.fixture
def topic_arn(aws_clients: AwsClients) -> str:
    return aws_clients.sns.create_topic(Name=f"domain-events-{uuid.uuid4().hex[:10]}")["TopicArn"]


def test_a_subscriber_receives_exactly_the_published_events(aws_clients: AwsClients, topic_arn: str) -> None:
    queue = subscribed_queue(aws_clients, topic_arn)
    publisher = SnsDomainEventPublisher(aws_clients.sns, topic_arn)

    publisher.publish(ADDED)
    publisher.publish(UPDATED)
    envelopes = receive_all(aws_clients, queue)

    assert [envelope["Type"] for envelope in envelopes] == ["Notification", "Notification"]
    events = sorted((json.loads(envelope["Message"]) for envelope in envelopes), key=lambda e: e["eventType"])
    assert events == [
        {
            "eventType": "probation-case.prison-identifier.added",
            "version": 1,
            "occurredAt": "2021-07-01T12:00:05+01:00",
            "description": "A probation case has been matched with a booking in the prison system. "
            "The prisoner and booking identifiers have been added to the probation case.",
            "additionalInformation": {"bookingNumber": "38339A"},
            "personReference": {"identifiers": crn_and_noms("X100001", "A5089DY")},
        },
        {
            "eventType": "probation-case.prison-identifier.updated",
            "version": 1,
            "occurredAt": "2021-07-01T12:00:05+01:00",
            "description": "A prison booking number has been changed. "
            "The prison number and booking number have been updated on the probation case.",
            "additionalInformation": {"bookingNumber": "38346A", "previousNomsNumber": "A9996DY"},
            "personReference": {"identifiers": crn_and_noms("X200007", "A5096DY")},
        },
    ]
    for event in events:
        assert [error.message for error in schema_of(event["eventType"]).iter_errors(event)] == []
    attributes = {e["MessageAttributes"]["eventType"]["Value"]: e["MessageAttributes"]["eventType"] for e in envelopes}
    assert attributes == {
        PRISON_IDENTIFIER_ADDED: {"Type": "String", "Value": PRISON_IDENTIFIER_ADDED},
        PRISON_IDENTIFIER_UPDATED: {"Type": "String", "Value": PRISON_IDENTIFIER_UPDATED},
    }


def test_a_filter_policy_on_the_event_type_selects_the_events(aws_clients: AwsClients, topic_arn: str) -> None:
    only_updates = subscribed_queue(aws_clients, topic_arn, [PRISON_IDENTIFIER_UPDATED])
    publisher = SnsDomainEventPublisher(aws_clients.sns, topic_arn)

    publisher.publish(ADDED)
    publisher.publish(UPDATED)

    received = [json.loads(envelope["Message"])["eventType"] for envelope in receive_all(aws_clients, only_updates)]
    assert received == [PRISON_IDENTIFIER_UPDATED]


def test_a_topic_that_does_not_exist_is_a_system_failure_at_once(aws_clients: AwsClients, topic_arn: str) -> None:
    missing = topic_arn.rsplit(":", 1)[0] + ":no-such-topic"

    with pytest.raises(SystemFailure, match="SNS publishing probation-case.prison-identifier.added failed"):
        SnsDomainEventPublisher(aws_clients.sns, missing).publish(ADDED)
