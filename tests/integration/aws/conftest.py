"""AWS adapter fixtures: clients on the session's emulator and freshly named resources per test."""

import uuid

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_sandbox.emulator import AwsResourceNames, ProvisionedResources, provision

SHORT_VISIBILITY_SECONDS = 1


def unique_names() -> AwsResourceNames:
    suffix = uuid.uuid4().hex[:10]
    return AwsResourceNames(
        queue=f"queue-{suffix}",
        dlq=f"dlq-{suffix}",
        topic=f"topic-{suffix}",
        message_table=f"messages-{suffix}",
        schedule_table=f"schedule-{suffix}",
    )


@pytest.fixture
def names() -> AwsResourceNames:
    return unique_names()


@pytest.fixture
def resources(aws_clients: AwsClients, names: AwsResourceNames) -> ProvisionedResources:
    """Everything provisioned under fresh names, the queue with a short visibility timeout."""
    return provision(aws_clients, names, queue_visibility_timeout=SHORT_VISIBILITY_SECONDS)
