"""Measure 1: ingest rate, ours vs the raw floor, in one invocation.

N real 2021 SNS envelopes (the five event types, five events per booking over N/5 bookings) are put on
an SQS queue (moto server). Ours: SqsListener.poll_once + EventReceiver (validating against the prison-api
stub through PrisonApiClient) + DynamoMessageRepository. Floor: the same prison-api GETs (checked
against the stub's own count), the same DynamoDB PutItems and the same SQS receive/delete calls made
directly with requests/boto3, no service logic, with the same number of worker threads. Rounds
alternate (ours, floor, ours, floor, ...) so that load from other work on the machine hits both alike.

    .venv/bin/python benchmarks/bench_ingest.py --events 2000 --rounds 2
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from _common import (
    EVENT_TYPES,
    StaticTokens,
    aws,
    booking_ids,
    envelope,
    fresh_resources,
    machine,
    markdown_table,
    moto_server,
    prison_stub,
    quiet_logs,
    section,
    stopwatch,
    stub_counts,
)
from _records import record

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.record_codec import message_to_item
from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_adapters.sqs.listener import ListenerSettings, SqsListener
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.settings import DomainSettings
from ptpu_core.use_cases.receive import EventReceiver

WORKERS = 2  # SQS_LISTENER_WORKERS default

# What validation asks prison-api for, per event type (SPEC §3), as the service's client sends it.
_BOOKING = "/api/bookings/{b}?basicInfo=false&extraInfo=true"
FLOOR_GETS = {
    "IMPRISONMENT_STATUS-CHANGED": ["/api/bookings/{b}/sentenceDetail", _BOOKING],
    "EXTERNAL_MOVEMENT_RECORD-INSERTED": ["/api/bookings/{b}/movement/1", _BOOKING],
    "SENTENCE_DATES-CHANGED": [_BOOKING],
    "CONFIRMED_RELEASE_DATE-CHANGED": [_BOOKING],
    "BOOKING_NUMBER-CHANGED": [_BOOKING, "/api/bookings/{b}/identifiers?type=MERGED"],
}


def bodies(events: int) -> list[str]:
    """Event i goes to booking i mod B with type (i div B) mod 5: each booking gets one of each type."""
    bookings = booking_ids(events // 5)
    return [envelope(EVENT_TYPES[(i // len(bookings)) % 5], bookings[i % len(bookings)], i) for i in range(events)]


def fill_queue(clients: AwsClients, queue_url: str, messages: list[str]) -> None:
    def send(start: int) -> None:
        entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(messages[start : start + 10])]
        failed = clients.sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed")
        if failed:
            raise RuntimeError(f"could not queue: {failed}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send, range(0, len(messages), 10)))


def table_count(clients: AwsClients, table: str) -> int:
    count, request = 0, {"TableName": table, "Select": "COUNT"}
    while True:
        page = clients.dynamodb.scan(**request)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_ours(clients: AwsClients, queue_url: str, table: str, stub_url: str, events: int) -> float:
    prison_api = PrisonApiClient(UpstreamClient("prison-api", stub_url, StaticTokens()))
    repository = DynamoMessageRepository(clients.dynamodb, table)
    receiver = EventReceiver(prison_api, repository, SystemClock(), DomainSettings())

    def handle(event_type: str, message: str, sns_message_id: str | None) -> None:
        receiver.receive(event_type, message, sns_message_id)

    listener = SqsListener(clients.sqs, queue_url, handle, ListenerSettings(workers=WORKERS, wait_seconds=1))
    received = empty_polls = 0
    with stopwatch() as elapsed:
        while received < events and empty_polls < 5:
            arrived = listener.poll_once()
            received += arrived
            empty_polls = 0 if arrived else empty_polls + 1
    listener.stop(timeout_seconds=0)
    return elapsed[0]


def run_floor(clients: AwsClients, queue_url: str, table: str, stub_url: str, events: int) -> float:
    session = requests.Session()
    headers = {"Authorization": "Bearer bench-token"}
    templates = {t: message_to_item(record(0, t, record(0, t, _now(), False).created_date, False)) for t in EVENT_TYPES}

    def handle(message: dict[str, Any]) -> None:
        body = json.loads(message["Body"])
        event_type = body["MessageAttributes"]["eventType"]["Value"]
        booking_id = json.loads(body["Message"])["bookingId"]
        for path in FLOOR_GETS[event_type]:
            session.get(stub_url + path.format(b=booking_id), headers=headers, timeout=10).raise_for_status()
        item = copy.copy(templates[event_type])
        item["id"] = {"S": str(uuid.uuid4())}
        item["bookingId"] = {"N": str(booking_id)}
        item["message"] = {"S": body["Message"]}
        clients.dynamodb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(id)")
        clients.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    received = empty_polls = 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool, stopwatch() as elapsed:
        while received < events and empty_polls < 5:
            messages = clients.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                AttributeNames=["ApproximateReceiveCount"],
            ).get("Messages", [])
            list(pool.map(handle, messages))
            received += len(messages)
            empty_polls = 0 if messages else empty_polls + 1
    session.close()
    return elapsed[0]


def _now() -> Any:
    return SystemClock().now()


def one_run(kind: str, clients: AwsClients, stub_url: str, messages: list[str]) -> tuple[float, int, int, float]:
    """(seconds, stored items, prison-api GETs, CPU seconds of this process) of one run on a fresh queue
    and table. The servers are other processes, so the CPU time is the client side's alone."""
    names, resources = fresh_resources(clients, f"ingest-{kind}")
    fill_queue(clients, resources.queue_url, messages)
    before = stub_counts(stub_url)["gets"]
    run = run_ours if kind == "ours" else run_floor
    cpu_before = time.process_time()
    seconds = run(clients, resources.queue_url, names.message_table, stub_url, len(messages))
    cpu = time.process_time() - cpu_before
    gets = stub_counts(stub_url)["gets"] - before
    stored = table_count(clients, names.message_table)
    clients.dynamodb.delete_table(TableName=names.message_table)
    print(
        f"{kind}: {len(messages)} events in {seconds:.2f}s (CPU {cpu:.2f}s), stored {stored}, {gets} GETs",
        file=sys.stderr,
    )
    return seconds, stored, gets, cpu


def _rounds(rounds: int) -> str:
    if rounds == 1:
        return "one round (ours, then the floor, after a 50-event warm-up)"
    return f"{rounds} alternating rounds (ours, floor, ours, floor, ...)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    quiet_logs()
    messages = bodies(args.events)
    results: dict[str, list[tuple[float, int, int, float]]] = {"ours": [], "floor": []}
    with moto_server() as url, prison_stub(args.events // 5) as stub_url:
        clients = aws(url)
        one_run("floor", clients, stub_url, messages[:50])  # warm-up: connections, first-call costs
        for _ in range(args.rounds):
            for kind in ("ours", "floor"):
                results[kind].append(one_run(kind, clients, stub_url, messages))
    rows = []
    medians, cpu_ms = {}, {}
    for kind, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        medians[kind] = seconds
        cpu_ms[kind] = statistics.median(r[3] for r in runs) * 1000 / args.events
        rows.append(
            [
                "ours (listener + EventReceiver + store)" if kind == "ours" else "floor (raw boto3/requests)",
                f"{args.events / seconds:,.0f}",
                ", ".join(f"{args.events / r[0]:,.0f}" for r in runs),
                f"{cpu_ms[kind]:.2f}",
                f"{runs[-1][2]:,}",
                f"{runs[-1][1]:,}",
            ]
        )
    ratio = medians["ours"] / medians["floor"]
    verdict = "met" if ratio <= 1.3 else "MISSED"
    body = (
        f"Machine: {machine()}. {args.events:,} envelopes, five event types over {args.events // 5} bookings,"
        f" {WORKERS} worker threads each (the listener's default), moto server and the prison-api stub"
        f" (benchmarks/prison_stub.py, keep-alive) in their own processes, {_rounds(args.rounds)}.\n\n"
        + markdown_table(
            ["", "events/s (median)", "each round", "client CPU ms/event", "prison-api GETs", "records stored"], rows
        )
        + f"\n\n**Ratio ours/floor (time): {ratio:.2f}** — goal <= 1.3: {verdict}. Client-side CPU per event,"
        f" ours/floor: {cpu_ms['ours'] / cpu_ms['floor']:.2f} ({cpu_ms['ours']:.2f} vs {cpu_ms['floor']:.2f} ms)."
        " Wall time is bound by the emulator: moto's SQS ReceiveMessage costs time in proportion to the messages"
        " still queued (about 1 s per receive with 2,000 queued; see the notes), far more than either client"
        " spends, so the time ratio says the service adds little on top of the calls it must make; the CPU ratio"
        " is what the service itself costs beyond them."
    )
    print(section("1. Ingest", body))


if __name__ == "__main__":
    main()
