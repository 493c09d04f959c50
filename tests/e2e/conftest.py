"""One local stack per test module: moto, the simulated HMPPS systems and `ptpu serve` as a subprocess,
with a short hold-back, a fast processing job and the short retry tier every 2 seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ptpu_sandbox.stack import LocalStack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack.start(hold_back="2s", processor_delay_ms=300, short_retry_cron="*/2 * * * * *") as local:
        local.start_service(log_path=tmp_path_factory.mktemp("service") / "service.log")
        yield local
        local.stop_service()
        _delete_provisioned(local)


def _delete_provisioned(stack: LocalStack) -> None:
    """moto keeps its state per process, not per server: without this, the next module's stack would
    find this one's records, queue and DLQ messages under the same names."""
    aws, names = stack.aws, stack.names
    for table in (names.message_table, names.schedule_table):
        aws.dynamodb.delete_table(TableName=table)
    for queue_url in (stack.resources.queue_url, stack.resources.dlq_url):
        aws.sqs.delete_queue(QueueUrl=queue_url)
    aws.sns.delete_topic(TopicArn=stack.topic_arn)
    if stack.domain_events is not None:  # the HMPPS domain-events topic and its watch queue
        aws.sns.delete_topic(TopicArn=stack.domain_events.topic_arn)
        aws.sqs.delete_queue(QueueUrl=stack.domain_events.queue_url)


@pytest.fixture(autouse=True)
def fresh_simulators(request: pytest.FixtureRequest) -> None:
    """Each test starts from the seeded Delius, with no logged requests and no faults."""
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").hmpps.reset()
