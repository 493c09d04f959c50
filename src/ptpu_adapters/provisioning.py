"""Create the service's AWS resources when missing: used with AWS_PROVIDER=localstack at start-up,
by the sandbox and by the tests (SPEC §2, §5, §8). Every step is idempotent."""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen
from botocore.exceptions import ClientError

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.aws.errors import NO_SUCH_QUEUE, error_code
from ptpu_adapters.dynamodb.booking_leases import EXPIRES
from ptpu_adapters.dynamodb.message_table import (
    TTL_ATTRIBUTE,
    message_table_definition,
    schedule_table_definition,
)
from ptpu_adapters.sqs.queue_admin import queue_attribute
from ptpu_core.models.events import EventType

MAX_RECEIVE_COUNT = 3


@frozen
class AwsResourceNames:
    queue: str = "prison_to_probation_queue"
    dlq: str = "prison_to_probation_dlq"
    topic: str = "offender_events"
    message_table: str = "offender-events"
    schedule_table: str = "offender-events-schedule"


@frozen
class ProvisionedResources:
    queue_url: str
    dlq_url: str
    topic_arn: str


def provision(
    clients: AwsClients, names: AwsResourceNames, queue_visibility_timeout: int | None = None
) -> ProvisionedResources:
    dlq_url = _ensure_queue(clients.dlq_sqs, names.dlq, {})
    dlq_arn = queue_attribute(clients.dlq_sqs, dlq_url, "QueueArn")
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)})
    visibility = {} if queue_visibility_timeout is None else {"VisibilityTimeout": str(queue_visibility_timeout)}
    queue_url = _ensure_queue(clients.sqs, names.queue, {"RedrivePolicy": redrive, **visibility})
    topic_arn = clients.sns.create_topic(Name=names.topic)["TopicArn"]  # idempotent by name
    _ensure_subscription(clients, topic_arn, queue_url)
    ensure_table(clients.dynamodb, message_table_definition(names.message_table), ttl_attribute=TTL_ATTRIBUTE)
    # As Cloud Platform's DynamoDB module makes it: TTL on `Expires`, which removes old booking-lease items.
    ensure_table(clients.schedule_dynamodb, schedule_table_definition(names.schedule_table), ttl_attribute=EXPIRES)
    return ProvisionedResources(queue_url=queue_url, dlq_url=dlq_url, topic_arn=topic_arn)


def event_type_filter_policy() -> str:
    return json.dumps({"eventType": [event.value for event in EventType]})


def _ensure_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    try:
        url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error_code(error) not in NO_SUCH_QUEUE:
            raise
        return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    if attributes:  # an existing queue may predate the redrive policy
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _ensure_subscription(clients: AwsClients, topic_arn: str, queue_url: str) -> None:
    queue_arn = queue_attribute(clients.sqs, queue_url, "QueueArn")
    # Real SQS refuses SNS deliveries unless the queue policy lets the topic send.
    statement = {
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    clients.sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
    paginator = clients.sns.get_paginator("list_subscriptions_by_topic")
    for page in paginator.paginate(TopicArn=topic_arn):
        if any(s.get("Endpoint") == queue_arn for s in page.get("Subscriptions", [])):
            return
    clients.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                          Attributes={"FilterPolicy": event_type_filter_policy()})


def ensure_table(dynamodb: Any, definition: dict[str, Any], ttl_attribute: str | None = None) -> None:
    name = definition["TableName"]
    try:
        dynamodb.create_table(**definition)
    except dynamodb.exceptions.ResourceInUseException:
        return  # made already
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    if ttl_attribute is not None:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute}
        )
