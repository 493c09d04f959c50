"""The sandbox's HMPPS domain-events topic and a queue subscribed to it, to see what ptpu published.

`LocalStack` creates both and hands the service the topic's ARN (HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN);
`ptpu sandbox --demo` prints what arrived, per scenario. The watch queue is subscribed as
the estate's consumers (custody-key-dates-and-delius) subscribe: without raw delivery, so each SQS body
is an SNS Notification envelope whose `Message` is the event and whose MessageAttributes carry eventType.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from ptpu_adapters.aws.clients import AwsClients

DOMAIN_EVENT_TOPIC_SETTING = "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN"


@frozen
class ReceivedDomainEvent:
    """One event as a subscriber received it: the eventType attribute and the event's JSON object."""

    attribute_event_type: str | None
    event: dict[str, Any]

    @property
    def crn(self) -> str | None:
        return self._identifier("CRN")

    @property
    def noms_number(self) -> str | None:
        return self._identifier("NOMS")

    def _identifier(self, kind: str) -> str | None:
        identifiers = self.event.get("personReference", {}).get("identifiers", [])
        return next((one.get("value") for one in identifiers if one.get("type") == kind), None)


class DomainEventWatch:
    def __init__(self, clients: AwsClients, topic_arn: str, queue_url: str) -> None:
        self._sqs = clients.sqs
        self.topic_arn = topic_arn
        self.queue_url = queue_url

    @classmethod
    def create(cls, clients: AwsClients, topic_name: str) -> DomainEventWatch:
        """Create (idempotently) the topic `topic_name` and the queue `<topic_name>-watch` subscribed to it."""
        topic_arn = clients.sns.create_topic(Name=topic_name)["TopicArn"]
        queue_url = clients.sqs.create_queue(QueueName=f"{topic_name}-watch")["QueueUrl"]
        queue_arn = clients.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        clients.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return cls(clients, topic_arn, queue_url)

    def drain(self) -> list[ReceivedDomainEvent]:
        """Every event on the watch queue now, removed from it, in the order received."""
        received: list[ReceivedDomainEvent] = []
        while True:
            answer = self._sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
            )
            batch = answer.get("Messages", [])
            if not batch:
                return received
            for message in batch:
                received.append(from_envelope(message["Body"]))
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def from_envelope(body: str) -> ReceivedDomainEvent:
    """An SNS Notification envelope (non-raw delivery) as a received domain event."""
    envelope = json.loads(body)
    attribute = envelope.get("MessageAttributes", {}).get("eventType", {}).get("Value")
    return ReceivedDomainEvent(attribute, json.loads(envelope["Message"]))


def render_domain_events(events: Sequence[ReceivedDomainEvent], scenarios: Iterable[tuple[str, Sequence[str]]]) -> str:
    """The demo's section: per scenario (name, its CRNs), the events about its CRNs, or "none"; events
    about no scenario's CRN last."""
    lines = [f"HMPPS domain events published: {len(events)}"]
    shown: set[int] = set()
    for name, crns in scenarios:
        mine = [(n, event) for n, event in enumerate(events) if event.crn in crns]
        shown.update(n for n, _ in mine)
        lines.append(f"  {name:<24} {_describe(mine[0][1]) if mine else 'none'}")
        lines.extend(f"  {'':<24} {_describe(event)}" for _, event in mine[1:])
    lines.extend(f"  {'(no scenario)':<24} {_describe(event)}" for n, event in enumerate(events) if n not in shown)
    return "\n".join(lines)


def _describe(event: ReceivedDomainEvent) -> str:
    information = ", ".join(f"{key} {value}" for key, value in event.event.get("additionalInformation", {}).items())
    return f"{event.event.get('eventType')}: CRN {event.crn}, NOMS {event.noms_number}, {information}"
