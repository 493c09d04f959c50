"""A whole local stack for the reliability cases: moto (restartable on the same port), the simulated
HMPPS systems, freshly provisioned queues/tables, and `python -m ptpu_runtime serve` subprocesses.

    stack = ReliabilityStack(tmp_path).start()
    service = stack.start_service("a")          # waits until /health/ping answers
    stack.publish(event_type, message)
    stack.wait_until(lambda: ..., timeout=60)
    service.kill(); stack.stop()

(src/ptpu_sandbox/stack.py did not exist when this was written; if it appears, prefer it.)
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import requests
from attrs import frozen

from ptpu_adapters.aws.clients import LOCALSTACK, AwsClients, make_clients
from ptpu_adapters.dynamodb.record_codec import message_from_item
from ptpu_adapters.provisioning import AwsResourceNames, ProvisionedResources, provision
from ptpu_adapters.sqs.queue_admin import SqsQueueAdmin
from ptpu_core.models.record import Message
from ptpu_sandbox import service_process as sandbox
from ptpu_sandbox.atomic_moto import AtomicMotoServer
from ptpu_sandbox.ports import free_port
from ptpu_sandbox.simulators import Client, SimulatedHmpps

REGION = "eu-west-2"
SERVICE_CLIENT_SECRET = "sandbox-secret"  # the simulated Auth's secret for the service's own client
_NOISY = ("werkzeug", "moto", "botocore", "urllib3")


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2, what: str = "") -> None:
    """Poll `condition` until true; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")


class RestartableMoto:
    """moto in server mode on a fixed port. Its state lives in this process's backends, so a stop and
    a start on the same port is an outage of the endpoint with the data intact."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server: AtomicMotoServer | None = None

    def start(self) -> None:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.ERROR)
        # Conditional writes atomic per item, as in DynamoDB (the booking leases rely on it): atomic_moto.py.
        server = AtomicMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None


class ServiceProcess(sandbox.ServiceProcess):
    """The sandbox's `ptpu serve` subprocess, named, with its log always captured in a file to grep."""

    def __init__(self, name: str, env: Mapping[str, str], log_path: Path) -> None:
        super().__init__(env, int(env["SERVER_PORT"]), log_path)
        self.name = name

    def wait_ready(self, timeout: float = 30.0) -> ServiceProcess:
        self.wait_until_up(timeout)
        return self

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=kwargs.pop("timeout", 10), **kwargs)

    def log(self) -> str:
        return self.log_text()


class ReliabilityStack:
    def __init__(
        self, work_dir: Path, visibility_timeout: int = 2, auth_clients: Mapping[str, Client] | None = None
    ) -> None:
        self.auth_clients = auth_clients
        self.work_dir = work_dir
        work_dir.mkdir(parents=True, exist_ok=True)
        self.visibility_timeout = visibility_timeout
        self.moto = RestartableMoto()
        suffix = uuid.uuid4().hex[:8]
        self.names = AwsResourceNames(
            queue=f"rel-queue-{suffix}", dlq=f"rel-dlq-{suffix}", topic=f"rel-topic-{suffix}",
            message_table=f"rel-messages-{suffix}", schedule_table=f"rel-schedule-{suffix}",
        )
        self.hmpps: SimulatedHmpps | None = None
        self.clients: AwsClients | None = None
        self.resources: ProvisionedResources | None = None
        self.services: list[ServiceProcess] = []

    def start(self) -> ReliabilityStack:
        self.moto.start()
        self.clients = make_clients(LOCALSTACK, REGION, self.moto.endpoint_url)
        self.resources = provision(self.clients, self.names, queue_visibility_timeout=self.visibility_timeout)
        self.hmpps = SimulatedHmpps.start(clients=self.auth_clients)
        return self

    def stop(self) -> None:
        for service in self.services:
            service.kill()
            service.stop()
        if self.hmpps is not None:
            self.hmpps.stop()
        self.moto.stop()

    # --- the service -------------------------------------------------------------------------
    def env(self, **overrides: str) -> dict[str, str]:
        assert self.hmpps is not None
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONUNBUFFERED": "1",
            "SERVER_PORT": str(free_port()),
            "SERVER_ADDRESS": "127.0.0.1",
            "OAUTH_ENDPOINT_URL": self.hmpps.auth_url,
            "OAUTH_CLIENT_ID": "prison-to-probation-update",
            "OAUTH_CLIENT_SECRET": SERVICE_CLIENT_SECRET,
            "PRISON_ENDPOINT_URL": self.hmpps.prison_url,
            "COMMUNITY_ENDPOINT_URL": self.hmpps.community_url,
            "OFFENDER_SEARCH_ENDPOINT_URL": self.hmpps.search_url,
            "AWS_PROVIDER": LOCALSTACK,
            "AWS_REGION": REGION,
            "SQS_ENDPOINT_URL": self.moto.endpoint_url,
            "DYNAMODB_ENDPOINT": self.moto.endpoint_url,
            "SQS_QUEUE_NAME": self.names.queue,
            "SQS_DLQ_NAME": self.names.dlq,
            "SNS_TOPIC_NAME": self.names.topic,
            "DYNAMODB_TABLENAME": self.names.message_table,
            "DYNAMODB_SCHEDULE_TABLENAME": self.names.schedule_table,
            # Fast cycles: process as soon as stored, retry every other second.
            "PRISONTOPROBATION_HOLD_BACK_DURATION": "0s",
            "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY": "500ms",
            "RETRY_SCHEDULES_SHORT_CRON": "*/2 * * * * *",
            "RETRY_SCHEDULES_MEDIUM_CRON": "*/2 * * * * *",
            "RETRY_SCHEDULES_LONG_CRON": "*/2 * * * * *",
            "HTTP_CONNECT_TIMEOUT": "1s",
            "HTTP_READ_TIMEOUT": "1s",
            "SHUTDOWN_TIMEOUT": "20s",
            # A message in hand at a SIGKILL comes back after this (production: 5m); long enough that one
            # being handled slowly (1s timeouts, in-process retries) is not redelivered while still in hand.
            "SQS_VISIBILITY_TIMEOUT": "10s",
            # A failed message returns after these (production: 0,60,300), so outages end within the tests' waits.
            "SQS_ERROR_VISIBILITY_TIMEOUT": "0,2,5",
        }
        env.update(overrides)
        return env

    def start_service(self, name: str, wait: bool = True, **env_overrides: str) -> ServiceProcess:
        service = ServiceProcess(name, self.env(**env_overrides), self.work_dir / f"service-{name}.log")
        self.services.append(service)
        return service.wait_ready() if wait else service

    # --- publishing and observing ------------------------------------------------------------
    def publish(self, event_type: str, message: Mapping[str, Any]) -> None:
        """Through SNS, as prison-offender-events publishes (the filter policy applies)."""
        assert self.clients is not None and self.resources is not None
        self.clients.sns.publish(
            TopicArn=self.resources.topic_arn, Message=json.dumps(message),
            MessageAttributes={"eventType": {"DataType": "String", "StringValue": event_type}},
        )

    def send_raw(self, body: str) -> None:
        """Straight onto the queue, bypassing SNS (for bodies SNS would never produce)."""
        assert self.clients is not None and self.resources is not None
        self.clients.sqs.send_message(QueueUrl=self.resources.queue_url, MessageBody=body)

    def records(self) -> list[Message]:
        """Every record in the message table (a scan; fine at test sizes)."""
        assert self.clients is not None
        paginator = self.clients.dynamodb.get_paginator("scan")
        return [
            message_from_item(item)
            for page in paginator.paginate(TableName=self.names.message_table)
            for item in page.get("Items", [])
        ]

    def record_count(self, processed: bool | None = None) -> int:
        """How many records (only the processed or the unprocessed ones when `processed` is given). A COUNT
        scan: moto runs in this process, and a full scan of hundreds of records serialises and parses them all
        under the GIL its server threads need, slowing the service under test."""
        assert self.clients is not None
        scan: dict[str, Any] = {"TableName": self.names.message_table, "Select": "COUNT", "ConsistentRead": True}
        if processed is not None:
            scan["FilterExpression"] = f"attribute_{'' if processed else 'not_'}exists(processedDate)"
        pages = self.clients.dynamodb.get_paginator("scan").paginate(**scan)
        return sum(page["Count"] for page in pages)

    def queue_admin(self) -> SqsQueueAdmin:
        assert self.clients is not None and self.resources is not None
        return SqsQueueAdmin(self.clients.sqs, self.resources.queue_url, self.resources.dlq_url)

    def queue_counts(self) -> tuple[int, int, int]:
        """(visible, in flight, on the DLQ)."""
        admin = self.queue_admin()
        return (
            admin.message_count(self.names.queue),
            admin.messages_in_flight(self.names.queue),
            admin.message_count(self.names.dlq),
        )

    def queue_drained(self) -> bool:
        visible, in_flight, _ = self.queue_counts()
        return visible == 0 and in_flight == 0

    def lock_item(self) -> dict[str, Any] | None:
        assert self.clients is not None
        found = self.clients.dynamodb.get_item(TableName=self.names.schedule_table, Key={"_id": {"S": "scheduleLock"}})
        item = found.get("Item")
        return None if item is None else {k: next(iter(v.values())) for k, v in item.items()}

    def lease_items(self) -> list[dict[str, str]]:
        """Every booking lease item as it stands now (a scan; fine at test sizes)."""
        assert self.clients is not None
        found = self.clients.dynamodb.scan(TableName=self.names.schedule_table)["Items"]
        items = [{k: next(iter(v.values())) for k, v in item.items()} for item in found]
        return [item for item in items if item["_id"].startswith("bookingLease-")]


def lock_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@frozen
class LockHold:
    owner: str
    start: datetime
    end: datetime  # the release, or the expiry when the holder never released
    released: bool


class LockHistory:
    """Every write to the schedule table's items (the lock row, the booking leases), in order, from a
    DynamoDB stream: an exact record of who held what when (polling could miss a short hold)."""

    def __init__(self, stack: ReliabilityStack) -> None:
        assert stack.clients is not None
        described = stack.clients.dynamodb.update_table(
            TableName=stack.names.schedule_table,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        self._arn = described["TableDescription"]["LatestStreamArn"]
        self._streams = boto3.client(
            "dynamodbstreams", endpoint_url=stack.moto.endpoint_url, region_name=REGION,
            aws_access_key_id="test", aws_secret_access_key="test",
        )

    def images(self) -> list[dict[str, str]]:
        found = []
        for shard in self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]:
            iterator = self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                new_images = [r["dynamodb"]["NewImage"] for r in page["Records"]]
                found += [{k: next(iter(v.values())) for k, v in image.items()} for image in new_images]  # S or N
                iterator = page.get("NextShardIterator") if page["Records"] else None
        return found

    def items(self, prefix: str) -> list[str]:
        """The `_id`s written so far that start with `prefix` (e.g. every booking lease)."""
        return sorted({image["_id"] for image in self.images() if image["_id"].startswith(prefix)})

    def holds(self, item: str = "scheduleLock", images: list[dict[str, str]] | None = None) -> list[LockHold]:
        """Who held the item `item` when, in order."""
        holds: list[LockHold] = []
        for image in self.images() if images is None else images:
            if "lockedAt" not in image or image["_id"] != item:
                continue
            start, until = lock_time(image["lockedAt"]), lock_time(image["lockUntil"])
            if holds and holds[-1].owner == image["lockedBy"] and holds[-1].start == start:
                holds[-1] = LockHold(image["lockedBy"], start, until, released=True)  # the release
            else:
                holds.append(LockHold(image["lockedBy"], start, until, released=False))
        return holds


def overlap_seconds(holds: list[LockHold]) -> float:
    """Total time two different owners held the lock at once."""
    total = 0.0
    for earlier, later in zip(holds, holds[1:], strict=False):
        if earlier.owner != later.owner:
            total += max(0.0, (earlier.end - later.start).total_seconds())
    return total
