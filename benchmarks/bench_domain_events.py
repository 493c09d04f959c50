"""HMPPS domain events: what publishing costs and that every event is delivered.

Publishes N events (alternately prison-identifier.added and .updated) with the service's
SnsDomainEventPublisher to a topic on the moto server, a queue subscribed without raw delivery, then
counts what the queue received. Prints the publish latency (p50, p95, max) and the delivery count.

    .venv/bin/python benchmarks/bench_domain_events.py --events 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import aws, machine, markdown_table, moto_server, quiet_logs, section

from ptpu_adapters.sns.domain_event_topic import SnsDomainEventPublisher
from ptpu_core.work.domain_events import prison_identifier_added, prison_identifier_updated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    quiet_logs()
    with moto_server() as url:
        clients = aws(url)
        tag = uuid.uuid4().hex[:6]
        topic = clients.sns.create_topic(Name=f"bench-domain-events-{tag}")["TopicArn"]
        queue = clients.sqs.create_queue(QueueName=f"bench-domain-events-{tag}")["QueueUrl"]
        arn = clients.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        clients.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        publisher = SnsDomainEventPublisher(clients.sns, topic)
        moment = datetime(2021, 7, 1, 11, 0, tzinfo=UTC)
        latencies: list[float] = []
        for n in range(args.events):
            crn = f"X{n:06d}"
            event = (
                prison_identifier_added(crn, "A5089DY", "38339A", moment)
                if n % 2 == 0
                else prison_identifier_updated(crn, "A5089DY", "A1111AA", "38339A", moment)
            )
            started = time.perf_counter()
            publisher.publish(event)
            latencies.append((time.perf_counter() - started) * 1000)
        delivered = int(
            clients.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )
        clients.sqs.delete_queue(QueueUrl=queue)
        clients.sns.delete_topic(TopicArn=topic)
    ordered = sorted(latencies)
    rows = [[
        args.events,
        delivered,
        f"{statistics.median(ordered):.1f}",
        f"{ordered[int(0.95 * (len(ordered) - 1))]:.1f}",
        f"{ordered[-1]:.1f}",
    ]]
    body = markdown_table(["events published", "delivered to the queue", "p50 ms", "p95 ms", "max ms"], rows)
    print(section("Domain events: publish latency on the moto server", f"{machine()}\n\n{body}"))


if __name__ == "__main__":
    main()
