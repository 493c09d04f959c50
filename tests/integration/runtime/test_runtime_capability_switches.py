"""Capability switches end to end inside one process: the real container, configured by the PRISONTOPROBATION_SYNC_*
variables, reads the seeded scenarios' events from the emulator's SNS topic and queue, stores them in
DynamoDB and processes them against the simulated HMPPS APIs over HTTP. Each switch off: community-api
receives none of that capability's writes and no record of a type serving only it is stored; all on:
every kind of write arrives, as before."""

from __future__ import annotations

import re

import pytest
from simulated_service_env import simulated_service_env

from ptpu_adapters.dynamodb.record_codec import message_from_item
from ptpu_core import telemetry_names as names
from ptpu_core.models.record import Message
from ptpu_core.testing import RecordingTelemetry
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_sandbox.publishing import Published, publish_scenarios, topic_arn_for
from ptpu_sandbox.simulators import SCENARIOS, SimulatedHmpps

# One scenario per kind of write: link + book number, already linked, transfer, both key-date events, merge.
SCENARIO_NAMES = (
    "new-conviction", "already-linked", "transfer", "sentence-dates", "confirmed-release-date", "merge",
)
# community-api's write endpoints (SPEC §4), by the capability that makes them.
WRITES = {
    "noms number": ("PUT", re.compile(r"/secure/offenders/crn/[^/]+/nomsNumber$")),
    "book number": ("PUT", re.compile(r"/secure/offenders/nomsNumber/[^/]+/custody/bookingNumber$")),
    "location": ("PUT", re.compile(r"/secure/offenders/nomsNumber/[^/]+/custody/bookingNumber/[^/]+$")),
    "key dates": ("POST", re.compile(r"/secure/offenders/nomsNumber/[^/]+/bookingNumber/[^/]+/custody/keyDates$")),
    "merge": ("PUT", re.compile(r"/secure/offenders/nomsNumber/[^/]+/nomsNumber$")),
}
EVERY_WRITE = set(WRITES)
RELEASE_DATE = "CONFIRMED_RELEASE_DATE-CHANGED"


def run_scenarios(aws_emulator, hmpps: SimulatedHmpps, **switches: str) -> tuple[list[Published], Container]:
    """Publish the scenarios, listen until the queue is empty, then one processing cycle."""
    hmpps.reset()
    env = simulated_service_env(aws_emulator, hmpps, **switches)
    container = Container(settings=load_settings(env))
    container.telemetry.override(RecordingTelemetry())
    container.queue_urls()  # provisions the emulator's queues, topic and tables
    scenarios = [SCENARIOS[name] for name in SCENARIO_NAMES]
    published = publish_scenarios(container.aws().sns, topic_arn_for(container.aws().sns, env["SNS_TOPIC_NAME"]),
                                  scenarios)
    listener = container.listener()
    empty = 0
    while empty < 2:
        empty = empty + 1 if listener.poll_once() == 0 else 0
    container.synchronisation().process_due()
    return published, container


def writes_made(hmpps: SimulatedHmpps) -> set[str]:
    made = set()
    for request in hmpps.community.requests_log:
        for kind, (method, path) in WRITES.items():
            if request.method == method and path.search(request.path):
                made.add(kind)
    return made


def left_on_queue(container: Container) -> int:
    """Messages still on the queue, visible or in flight: 0 once every one was acknowledged (deleted)."""
    attributes = container.aws().sqs.get_queue_attributes(
        QueueUrl=container.queue_urls().queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def stored(container: Container) -> list[Message]:
    dynamodb = container.aws().dynamodb
    table = container.settings().dynamodb_table_name
    return [message_from_item(item) for page in dynamodb.get_paginator("scan").paginate(TableName=table)
            for item in page.get("Items", [])]


def test_all_switches_on_makes_every_kind_of_write_as_before(aws_emulator, hmpps: SimulatedHmpps) -> None:
    published, container = run_scenarios(aws_emulator, hmpps)

    assert writes_made(hmpps) == EVERY_WRITE
    assert len(stored(container)) == len(published) == 6
    assert hmpps.delius.offender("X142620")["otherIds"]["nomsNumber"] == "A5089DY"  # type: ignore[index]
    telemetry = container.telemetry()
    assert isinstance(telemetry, RecordingTelemetry)
    assert telemetry.named(names.SKIPPED_BY_CONFIGURATION) == []


@pytest.mark.parametrize(
    ("variable", "not_written", "not_stored"),
    [
        ("PRISONTOPROBATION_SYNC_MATCHING", {"noms number", "book number"}, set()),
        ("PRISONTOPROBATION_SYNC_LOCATION", {"location"}, {"EXTERNAL_MOVEMENT_RECORD-INSERTED"}),
        ("PRISONTOPROBATION_SYNC_KEYDATES", {"key dates"}, {"SENTENCE_DATES-CHANGED", RELEASE_DATE}),
        ("PRISONTOPROBATION_SYNC_MERGES", {"merge"}, {"BOOKING_NUMBER-CHANGED"}),
    ],
)
def test_each_switch_off_keeps_its_writes_from_community_api_and_its_events_out_of_the_table(
    aws_emulator, hmpps: SimulatedHmpps, variable: str, not_written: set[str], not_stored: set[str]
) -> None:
    published, container = run_scenarios(aws_emulator, hmpps, **{variable: "false"})

    assert left_on_queue(container) == 0  # switched-off events too were acknowledged
    assert writes_made(hmpps) == EVERY_WRITE - not_written
    assert {m.event_type for m in stored(container)} == {p.event_type for p in published} - not_stored
    telemetry = container.telemetry()
    assert isinstance(telemetry, RecordingTelemetry)
    if not_written & {"noms number", "location", "key dates"}:  # a step of the status-change flow was skipped
        assert telemetry.named(names.SKIPPED_BY_CONFIGURATION)


def test_the_existing_services_final_form_links_and_merges_only(aws_emulator, hmpps: SimulatedHmpps) -> None:
    _, container = run_scenarios(
        aws_emulator, hmpps, PRISONTOPROBATION_SYNC_LOCATION="false", PRISONTOPROBATION_SYNC_KEYDATES="false"
    )

    assert writes_made(hmpps) == {"noms number", "book number", "merge"}
    assert sorted(m.event_type for m in stored(container)) == [
        "BOOKING_NUMBER-CHANGED", "IMPRISONMENT_STATUS-CHANGED", "IMPRISONMENT_STATUS-CHANGED",
    ]
    assert {m.status.value for m in stored(container)} == {"COMPLETED"}
    telemetry = container.telemetry()
    assert isinstance(telemetry, RecordingTelemetry)
    skipped = telemetry.named(names.SKIPPED_BY_CONFIGURATION)
    assert sorted((e.attributes["bookingId"], e.attributes["capability"]) for e in skipped) == [
        ("1200835", "keyDates"), ("1200835", "location"), ("1200838", "keyDates"), ("1200838", "location"),
    ]
