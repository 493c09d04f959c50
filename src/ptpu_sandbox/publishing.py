"""Publish offender events to the `offender_events` SNS topic as NOMIS does: the event JSON as the
message and its type in the `eventType` message attribute (what the subscription filter and the
listener read), like the original's create-*-messages-local.bash scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from attrs import frozen

from ptpu_sandbox.simulators.seed import Scenario, SnsEvent


@frozen
class Published:
    scenario: str
    event_type: str
    booking_id: int
    message: dict[str, Any]
    sns_message_id: str


def publish_event(sns: Any, topic_arn: str, event_type: str, message: dict[str, Any]) -> str:
    """Publish one event; returns SNS's message id."""
    response = sns.publish(
        TopicArn=topic_arn,
        Message=json.dumps(message),
        MessageAttributes={"eventType": {"DataType": "String", "StringValue": event_type}},
    )
    return str(response["MessageId"])


def publish_scenarios(sns: Any, topic_arn: str, scenarios: Iterable[Scenario]) -> list[Published]:
    published = []
    for scenario in scenarios:
        for event in scenario.events:
            published.append(_publish(sns, topic_arn, scenario.name, event))
    return published


def _publish(sns: Any, topic_arn: str, scenario: str, event: SnsEvent) -> Published:
    message_id = publish_event(sns, topic_arn, event.event_type, event.message)
    return Published(scenario, event.event_type, int(event.message["bookingId"]), event.message, message_id)


def topic_arn_for(sns: Any, topic_name: str) -> str:
    """The topic's ARN (create_topic is idempotent by name, and works on an emulator without listing)."""
    return str(sns.create_topic(Name=topic_name)["TopicArn"])
