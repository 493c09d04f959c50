"""DLQ transfer by SQS's message-move task against a server that has it.

moto lacks StartMessageMoveTask (see test_aws_dlq_move_task), so these tests run local-aws-sqs
(npm, github.com/Inqnuam/local-aws-sqs), an SQS server written by others that implements it as AWS
documents: one running task per source queue, the source must be some queue's DLQ, TaskHandle listed
only while the task runs, up to MaxNumberOfMessagesPerSecond (default 300) moved each second. Needs
node and `npm ci --prefix tests/integration/aws/local_aws_sqs` (.ci/run does it); skips otherwise.
"""

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin
from ptpu_core.testing import RecordingTelemetry
from ptpu_runtime.api.queue_admin import TRANSFERRED_EVENT_DLQ, queue_admin_router

SERVER = Path(__file__).resolve().parent / "local_aws_sqs"
MANY = 150  # over the threshold the tests set (100, the default)


@pytest.fixture(scope="module")
def sqs() -> Iterator[Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the message-move task server (local-aws-sqs) cannot run")
    if not (SERVER / "node_modules" / "local-aws-sqs").is_dir():
        pytest.skip(f"local-aws-sqs is not installed: run `npm ci --prefix {SERVER}`")
    process = subprocess.Popen([node, str(SERVER / "serve.js")], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().split()[1])
        yield boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-2",
                           aws_access_key_id="local", aws_secret_access_key="local")
    finally:
        process.terminate()
        process.wait(timeout=10)


def arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


class Queues:
    def __init__(self, sqs: Any, redrive: bool = True) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.dlq_url = sqs.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
        self.dlq_arn = arn(sqs, self.dlq_url)
        attributes = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": self.dlq_arn, "maxReceiveCount": "3"})}
        self.queue_url = sqs.create_queue(
            QueueName=f"queue-{suffix}", Attributes=attributes if redrive else {})["QueueUrl"]


def fill(sqs: Any, url: str, count: int) -> list[str]:
    bodies = [f"message {n}" for n in range(count)]
    for start in range(0, count, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": body,
             "MessageAttributes": {"eventType": {"DataType": "String", "StringValue": "SENTENCE_DATES-CHANGED"}}}
            for n, body in enumerate(bodies[start:start + 10])
        ])
    # local-aws-sqs counts a batch a moment after answering it; the transfer moves at most what the DLQ's count
    # shows when it starts (as hmpps-sqs does), so wait until the count shows every message, as an operator would.
    deadline = time.monotonic() + 10
    while depth(sqs, url) < count:
        assert time.monotonic() < deadline, f"the DLQ's count never reached {count}"
        time.sleep(0.05)
    return bodies


def depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def drain(sqs: Any, url: str) -> list[dict]:
    messages: list[dict] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                       VisibilityTimeout=30).get("Messages"):
        messages.extend(batch)
    return messages


def tasks(sqs: Any, queues: Queues) -> list[dict]:
    return sqs.list_message_move_tasks(SourceArn=queues.dlq_arn, MaxResults=10).get("Results", [])


def assert_all_moved(sqs: Any, queues: Queues, bodies: list[str]) -> None:
    moved = drain(sqs, queues.queue_url)
    assert sorted(m["Body"] for m in moved) == sorted(bodies)
    assert {m["MessageAttributes"]["eventType"]["StringValue"] for m in moved} == {"SENTENCE_DATES-CHANGED"}
    assert drain(sqs, queues.dlq_url) == []


def test_a_dlq_over_the_threshold_is_moved_by_one_sqs_task(sqs: Any) -> None:
    queues = Queues(sqs)
    bodies = fill(sqs, queues.dlq_url, MANY)
    admin = SqsQueueAdmin(sqs, queues.queue_url, queues.dlq_url)

    assert admin.transfer_dlq_to_queue() == MANY

    [task] = tasks(sqs, queues)  # the server did the move
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"], task["DestinationArn"]) == (
        "COMPLETED", MANY, arn(sqs, queues.queue_url))
    assert_all_moved(sqs, queues, bodies)


def test_a_dlq_under_the_threshold_is_moved_by_the_loop_without_a_task(sqs: Any) -> None:
    queues = Queues(sqs)
    bodies = fill(sqs, queues.dlq_url, 12)

    assert SqsQueueAdmin(sqs, queues.queue_url, queues.dlq_url).transfer_dlq_to_queue() == 12

    assert tasks(sqs, queues) == []
    assert_all_moved(sqs, queues, bodies)


def test_a_task_already_running_is_followed_not_doubled(sqs: Any) -> None:
    queues = Queues(sqs)
    bodies = fill(sqs, queues.dlq_url, MANY)
    # As another pod's transfer would start it (to the queue, ~3 s at 50 a second).
    sqs.start_message_move_task(SourceArn=queues.dlq_arn, DestinationArn=arn(sqs, queues.queue_url),
                                MaxNumberOfMessagesPerSecond=50)

    assert SqsQueueAdmin(sqs, queues.queue_url, queues.dlq_url).transfer_dlq_to_queue() == MANY

    assert [t["Status"] for t in tasks(sqs, queues)] == ["COMPLETED"]
    assert_all_moved(sqs, queues, bodies)


def test_a_task_still_running_after_the_wait_goes_on_server_side(sqs: Any) -> None:
    queues = Queues(sqs)
    bodies = fill(sqs, queues.dlq_url, MANY)
    admin = SqsQueueAdmin(sqs, queues.queue_url, queues.dlq_url, move_task_wait_seconds=0)

    assert admin.transfer_dlq_to_queue() == MANY  # what SQS was asked to move

    for _ in range(100):
        if tasks(sqs, queues)[0]["Status"] != "RUNNING":
            break
        time.sleep(0.1)
    assert_all_moved(sqs, queues, bodies)


def test_a_task_sqs_refuses_falls_back_to_the_loop(sqs: Any) -> None:
    """SQS moves only out of a queue that is some queue's DLQ; here none names it, so the start fails."""
    queues = Queues(sqs, redrive=False)
    bodies = fill(sqs, queues.dlq_url, MANY)

    assert SqsQueueAdmin(sqs, queues.queue_url, queues.dlq_url).transfer_dlq_to_queue() == MANY

    assert tasks(sqs, queues) == []
    assert_all_moved(sqs, queues, bodies)


def test_the_endpoints_keep_their_answers_and_telemetry_when_sqs_moves_the_dlq(sqs: Any) -> None:
    queues = Queues(sqs)
    telemetry = RecordingTelemetry()
    app = FastAPI()
    app.include_router(queue_admin_router(SqsQueueAdmin(sqs, queues.queue_url, queues.dlq_url), telemetry,
                                          verifier=None))  # type: ignore[arg-type]  # internal endpoints only
    client = TestClient(app)

    fill(sqs, queues.dlq_url, MANY)
    assert client.put("/queue-admin/retry-all-dlqs").json() == [{"messagesFoundCount": MANY}]
    fill(sqs, queues.dlq_url, MANY)
    assert client.put("/queue-admin/queue-housekeeping").status_code == 200

    assert [t["Status"] for t in tasks(sqs, queues)] == ["COMPLETED", "COMPLETED"]
    dlq_name = queues.dlq_url.rsplit("/", 1)[-1]
    assert [(e.name, e.attributes) for e in telemetry.events] == [
        ("RetryDLQ", {"dlq-name": dlq_name, "messages-found": str(MANY)}),
        (TRANSFERRED_EVENT_DLQ, {"messages-on-queue": str(MANY)}),
    ]
