"""End to end: `ptpu serve` in the sandbox announces its NOMS-number changes on the HMPPS
domain-events topic the sandbox created (HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN), and a change whose
announcement failed is announced by the record's retry.

What arrived is read from the sandbox's watch queue (subscribed without raw delivery) and checked against
the AsyncAPI document's schemas.
"""

from __future__ import annotations

import os
import signal
from datetime import datetime
from typing import Any

import yaml
from jsonschema import Draft7Validator

from ptpu_core.models.service_time import SERVICE_ZONE, instant
from ptpu_runtime.api.app import asyncapi_document
from ptpu_sandbox.domain_event_watch import DomainEventWatch, ReceivedDomainEvent
from ptpu_sandbox.simulators import SCENARIOS
from ptpu_sandbox.stack import LocalStack

from .helpers import records_for, wait_for, wait_for_final_record


def publish_scenario(stack: LocalStack, name: str) -> None:
    for event in SCENARIOS[name].events:
        stack.publish(event.event_type, event.message)


def watch(stack: LocalStack) -> DomainEventWatch:
    assert stack.domain_events is not None
    return stack.domain_events


def schema_errors(event: dict[str, Any]) -> list[str]:
    components = yaml.safe_load(asyncapi_document())["components"]
    message = next(m for m in components["messages"].values() if m["name"] == event["eventType"])
    schema = Draft7Validator({"$ref": message["payload"]["$ref"], "components": components})
    return [error.message for error in schema.iter_errors(event)]


def received(stack: LocalStack, count: int) -> list[ReceivedDomainEvent]:
    events: list[ReceivedDomainEvent] = []

    def enough() -> list[ReceivedDomainEvent] | None:
        events.extend(watch(stack).drain())
        return events if len(events) >= count else None

    return wait_for(f"{count} domain event(s)", enough)


def test_an_announcement_that_failed_is_published_by_the_records_retry(stack: LocalStack) -> None:
    """The topic is gone when Delius gets the NOMS number: the record fails, is retried by the short
    retry schedule, and the retry publishes the event once the topic is back."""
    topic_name = watch(stack).topic_arn.rsplit(":", 1)[1]
    watch(stack).drain()
    stack.aws.sns.delete_topic(TopicArn=watch(stack).topic_arn)
    publish_scenario(stack, "new-conviction")

    wait_for("the failed pass", lambda: [r for r in records_for(stack, 1200835) if r.retry_count > 0])
    assert stack.hmpps.community.offender("X142620")["otherIds"]["nomsNumber"] == "A5089DY"  # type: ignore[index]
    assert stack.service is not None
    # The same topic ARN again, subscribed again. The service is paused meanwhile: a retry landing between
    # the topic's creation and the subscription would publish to a topic nobody yet listens to.
    os.kill(stack.service.pid, signal.SIGSTOP)
    try:
        DomainEventWatch.create(stack.aws, topic_name)
    finally:
        os.kill(stack.service.pid, signal.SIGCONT)
    record = wait_for_final_record(stack, 1200835, "COMPLETED")

    [event] = received(stack, 1)
    assert record.retry_count >= 1
    assert event.attribute_event_type == "probation-case.prison-identifier.added"
    assert {key: value for key, value in event.event.items() if key != "occurredAt"} == {
        "eventType": "probation-case.prison-identifier.added",
        "version": 1,
        "description": "A probation case has been matched with a booking in the prison system. "
        "The prisoner and booking identifiers have been added to the probation case.",
        "additionalInformation": {"bookingNumber": "38339A"},
        "personReference": {"identifiers": [{"type": "CRN", "value": "X142620"}, {"type": "NOMS", "value": "A5089DY"}]},
    }
    occurred = datetime.fromisoformat(event.event["occurredAt"])  # when Delius changed: the failed pass
    assert occurred.utcoffset() == occurred.astimezone(SERVICE_ZONE).utcoffset()  # Europe/London's offset
    assert record.processed_date is not None and occurred < instant(record.processed_date)
    assert schema_errors(event.event) == []
    assert watch(stack).drain() == []  # exactly one


def test_a_merge_announces_the_replaced_noms_number(stack: LocalStack) -> None:
    watch(stack).drain()
    publish_scenario(stack, "merge")

    wait_for_final_record(stack, 1200842, "COMPLETED")
    [event] = received(stack, 1)

    assert event.attribute_event_type == "probation-case.prison-identifier.updated"
    assert (event.crn, event.noms_number, event.event["additionalInformation"]) == (
        "X200007", "A5096DY", {"bookingNumber": "38346A", "previousNomsNumber": "A9996DY"}
    )
    assert schema_errors(event.event) == []


def test_a_case_already_linked_announces_nothing(stack: LocalStack) -> None:
    watch(stack).drain()
    publish_scenario(stack, "already-linked")

    wait_for_final_record(stack, 1200838, "COMPLETED")

    assert watch(stack).drain() == []
    assert stack.service is not None  # and the service said at start-up where its events go, once
    assert stack.service.log_text().count(f"HMPPS domain events are published to {watch(stack).topic_arn}") == 1
