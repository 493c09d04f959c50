"""Provisioning against moto server: idempotent, and what it creates is what the service relies on."""

import json

import pytest

from ptpu_adapters.aws.clients import LOCALSTACK, AwsClients, make_clients
from ptpu_adapters.dynamodb.message_table import (
    CREATED_INDEX,
    PENDING_BOOKING_INDEX,
    PENDING_CREATED_INDEX,
    PENDING_INDEX,
    PROCESSED_INDEX,
)
from ptpu_adapters.provisioning import event_type_filter_policy
from ptpu_sandbox.emulator import AwsResourceNames, provision


def test_provisioning_twice_changes_nothing(aws_clients: AwsClients, names: AwsResourceNames) -> None:
    first = provision(aws_clients, names)
    assert provision(aws_clients, names) == first
    subscriptions = aws_clients.sns.list_subscriptions_by_topic(TopicArn=first.topic_arn)["Subscriptions"]
    assert len(subscriptions) == 1


def test_queue_has_the_dlq_redrive_and_a_filtered_subscription(
    aws_clients: AwsClients, names: AwsResourceNames
) -> None:
    resources = provision(aws_clients, names)
    attributes = aws_clients.sqs.get_queue_attributes(QueueUrl=resources.queue_url, AttributeNames=["All"])
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + names.dlq)
    assert int(redrive["maxReceiveCount"]) == 3
    [subscription] = aws_clients.sns.list_subscriptions_by_topic(TopicArn=resources.topic_arn)["Subscriptions"]
    policy = aws_clients.sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    assert json.loads(policy["Attributes"]["FilterPolicy"]) == {
        "eventType": [
            "IMPRISONMENT_STATUS-CHANGED",
            "EXTERNAL_MOVEMENT_RECORD-INSERTED",
            "BOOKING_NUMBER-CHANGED",
            "SENTENCE_DATES-CHANGED",
            "CONFIRMED_RELEASE_DATE-CHANGED",
        ]
    }
    assert json.loads(event_type_filter_policy()) == json.loads(policy["Attributes"]["FilterPolicy"])


def test_tables_have_the_keys_indexes_and_ttl(aws_clients: AwsClients, names: AwsResourceNames) -> None:
    provision(aws_clients, names)
    table = aws_clients.dynamodb.describe_table(TableName=names.message_table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {
        PENDING_INDEX,
        PENDING_BOOKING_INDEX,
        PENDING_CREATED_INDEX,
        PROCESSED_INDEX,
        CREATED_INDEX,
    }
    ttl = aws_clients.dynamodb.describe_time_to_live(TableName=names.message_table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "deleteBy")
    schedule = aws_clients.schedule_dynamodb.describe_table(TableName=names.schedule_table)["Table"]
    assert schedule["KeySchema"] == [{"AttributeName": "_id", "KeyType": "HASH"}]


def test_an_emulator_provider_needs_an_endpoint() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        make_clients(LOCALSTACK, "eu-west-2")
    with pytest.raises(ValueError, match="AWS_PROVIDER"):
        make_clients("azure", "eu-west-2")
